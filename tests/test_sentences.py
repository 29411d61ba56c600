"""Sentence splitter: each rule checked on small made-up news sentences."""

from __future__ import annotations

import pytest

from bot.text.sentences import split_sentence_spans, split_sentences


def test_empty_and_blank_text_give_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences("   \n\n  ") == []
    assert split_sentence_spans("") == []


def test_text_without_final_punctuation_is_one_sentence() -> None:
    assert split_sentences("Storm warning for the coast") == ["Storm warning for the coast"]


@pytest.mark.parametrize(
    "text",
    [
        "Mr. Hale and Mrs. Dorn met Dr. Vance at the clinic.",
        "Gov. Alma Reyes spoke with Sen. Tom Brandt and Rep. Ivy Cole.",
        "The parade went down St. Anne Avenue past Mt. Calder.",
        "The vote is set for Jan. 14 in Room No. 5 of the annex.",
        "J. K. Rowling and George W. Harlan signed the letter.",
        "The U.S. Senate and the U.N. Security Council both met.",
        "Doors open at 9 a.m. Monday and close at 5 p.m. sharp.",
        "Growth slowed to 3.5% as sales fell to $1.2 billion from $1.45 billion.",
        "Apples, pears, etc. were on sale, e.g. at the market stall.",
        "Shares in Brightwell Inc. rose after the deal with Corlan Corp. was announced.",
    ],
)
def test_abbreviations_initials_and_numbers_do_not_split(text: str) -> None:
    assert split_sentences(text) == [text]


def test_dotted_abbreviation_at_sentence_end_splits_before_a_new_sentence() -> None:
    text = "The team flew back to the U.S. The coach said nothing."
    assert split_sentences(text) == ["The team flew back to the U.S.", "The coach said nothing."]


def test_meeting_time_at_sentence_end_splits() -> None:
    text = "The market opens at 8 a.m. It closes at noon."
    assert split_sentences(text) == ["The market opens at 8 a.m.", "It closes at noon."]


def test_street_abbreviation_can_end_a_sentence() -> None:
    text = "The cafe is on Elm St. The owner opened it in 1998."
    assert split_sentences(text) == ["The cafe is on Elm St.", "The owner opened it in 1998."]


def test_no_without_a_number_is_a_word() -> None:
    assert split_sentences('"No." She left the room.') == ['"No."', "She left the room."]


def test_quote_ending_mid_sentence_stays_with_its_attribution() -> None:
    text = '"We will rebuild the bridge by spring," the mayor said. Work starts Monday.'
    assert split_sentences(text) == [
        '"We will rebuild the bridge by spring," the mayor said.',
        "Work starts Monday.",
    ]


def test_full_stop_inside_quote_followed_by_lowercase_attribution_does_not_split() -> None:
    text = '"The bridge is closed until further notice." he said. Traffic was diverted.'
    assert split_sentences(text) == [
        '"The bridge is closed until further notice." he said.',
        "Traffic was diverted.",
    ]


def test_question_and_exclamation_inside_quotes() -> None:
    text = '"Why now?" asked Lena Ortiz. "Run!" she shouted. Nobody moved.'
    assert split_sentences(text) == ['"Why now?" asked Lena Ortiz.', '"Run!" she shouted.', "Nobody moved."]


def test_closing_quote_then_new_sentence_splits() -> None:
    assert split_sentences('"Stop." She left.') == ['"Stop."', "She left."]


def test_short_attribution_after_a_closed_quote_stays_attached() -> None:
    text = '"We won the cup." Coach Dana Pryce said. The fans cheered.'
    assert split_sentences(text) == ['"We won the cup." Coach Dana Pryce said.', "The fans cheered."]


def test_curly_quotes() -> None:
    text = "“It is over,” said Ana Kell. “We go home.” The crowd left."
    assert split_sentences(text) == ["“It is over,” said Ana Kell.", "“We go home.”", "The crowd left."]


def test_ellipsis_mid_sentence_and_at_sentence_end() -> None:
    text = "He waited... then he spoke. It was over… The next day was quiet."
    assert split_sentences(text) == ["He waited... then he spoke.", "It was over…", "The next day was quiet."]


def test_detached_ellipsis_joins_the_previous_sentence() -> None:
    text = "My thoughts are with the family. ... He was a gifted painter."
    assert split_sentences(text) == ["My thoughts are with the family. ...", "He was a gifted painter."]


def test_paragraphs_run_together_with_single_spaces() -> None:
    text = (
        "The ferry sank near the harbor. Rescuers pulled 40 people from the water. "
        '"It was chaos," a survivor said. The port reopened on Tuesday.'
    )
    assert len(split_sentences(text)) == 4


def test_blank_line_ends_a_paragraph_even_without_punctuation() -> None:
    text = "Flood update\n\nThe river crested overnight. Roads remain closed."
    assert split_sentences(text) == ["Flood update", "The river crested overnight.", "Roads remain closed."]


def test_single_line_breaks_between_long_paragraphs_end_sentences() -> None:
    first = "The council approved the budget after a long debate about the new library " * 2
    text = f"{first.strip()}\nResidents welcomed the decision at the meeting"
    assert split_sentences(text) == [first.strip(), "Residents welcomed the decision at the meeting"]


def test_hard_wrapped_prose_is_joined_across_line_breaks() -> None:
    text = "The committee met on Friday to discuss\nthe harbor plan. Members voted\nin favour of it."
    assert split_sentences(text) == [
        "The committee met on Friday to discuss\nthe harbor plan.",
        "Members voted\nin favour of it.",
    ]


def test_lowercase_brand_name_starts_a_sentence() -> None:
    text = "She bought a new phone. iPads were sold out."
    assert split_sentences(text) == ["She bought a new phone.", "iPads were sold out."]


def test_dateline_and_parenthesis_do_not_split() -> None:
    text = "(CNN)U.S. officials met on Friday. Sen. Mara Voss (D-Ore.) spoke first."
    assert split_sentences(text) == [
        "(CNN)U.S. officials met on Friday.",
        "Sen. Mara Voss (D-Ore.) spoke first.",
    ]


def test_space_before_full_stop_still_splits() -> None:
    assert split_sentences("March 3, 2021 . Today we look at rivers.") == [
        "March 3, 2021 .",
        "Today we look at rivers.",
    ]


def test_urls_with_question_marks_do_not_split() -> None:
    text = "Details are at https://example.org/?page=2&x=1 today. More tomorrow."
    assert split_sentences(text) == [
        "Details are at https://example.org/?page=2&x=1 today.",
        "More tomorrow.",
    ]


def test_cjk_full_stops_split_without_spaces() -> None:
    assert split_sentences("会议今天开始。代表们已经到达！结果如何？") == [
        "会议今天开始。",
        "代表们已经到达！",
        "结果如何？",
    ]


def test_other_latin_languages_split_on_the_same_rules() -> None:
    text = "Le conseil a voté hier soir. La décision entre en vigueur lundi."
    assert split_sentences(text) == ["Le conseil a voté hier soir.", "La décision entre en vigueur lundi."]


def test_spans_are_trimmed_offsets_into_the_original_text() -> None:
    text = "  First one here.  Second one, with Dr. Lin.\n\nThird  "
    spans = split_sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["First one here.", "Second one, with Dr. Lin.", "Third"]
    assert all(a < b for a, b in spans)
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))
    assert split_sentences(text) == [text[a:b] for a, b in spans]
