"""Quoted spans: pairing marks, paragraphs, nesting, stray marks (made-up passages)."""

from __future__ import annotations

from bot.quotes import extract_quotes
from bot.quotes.spans import find_quote_spans


def spans(text: str) -> list[str]:
    return [q.text_in(text) for q in find_quote_spans(text)]


def test_curly_and_straight_marks_both_pair() -> None:
    text = "“Curly words here,” she said. \"Straight words here,\" he said."
    assert spans(text) == ["Curly words here", "Straight words here"]


def test_attribution_comma_dropped_and_final_stop_kept() -> None:
    assert spans('"We are done," he said. "It is over."') == ["We are done", "It is over."]


def test_quote_over_two_paragraphs_is_one_span_joined_by_a_space() -> None:
    text = "The mayor spoke.\n\n“First, the river will be cleaned.\n\n“Second, the park will open,” she said."
    assert spans(text) == ["First, the river will be cleaned. Second, the park will open"]
    (raw,) = find_quote_spans(text)
    assert len(raw.segments) == 2


def test_run_together_paragraphs_continue_the_open_quote() -> None:
    text = 'Mr. Ode spoke. "We lost the first game. "Then we won three in a row," he said. Fans cheered.'
    assert spans(text) == ["We lost the first game. Then we won three in a row"]


def test_nested_single_quotes_stay_inside() -> None:
    text = "“She told me ‘wait here,’ and I did,” he said."
    assert spans(text) == ["She told me ‘wait here,’ and I did"]


def test_unclosed_quote_ends_at_its_paragraph() -> None:
    text = (
        'Lena Ivers said: "The bridge is unsafe. Nobody should cross it.\n\n'
        'Traffic was diverted. "It will reopen soon," Ivers said.'
    )
    assert spans(text) == ["The bridge is unsafe. Nobody should cross it.", "It will reopen soon"]


def test_stray_closing_mark_does_not_flip_later_quotes() -> None:
    text = 'He is 6\'2" tall. "I like basketball," he said. "I play daily," he added.'
    assert spans(text) == ["I like basketball", "I play daily"]


def test_misprinted_opening_mark_at_the_end_closes_the_quote() -> None:
    text = "“We will rebuild the school this year.“ The work starts in May."
    assert spans(text) == ["We will rebuild the school this year."]


def test_quote_offsets_cover_the_text_of_a_single_paragraph_quote() -> None:
    text = 'Before. "Inside the marks," said Tomas Berg.'
    (q,) = extract_quotes(text).quotes
    assert text[q.start : q.end] == "Inside the marks"


def test_multi_paragraph_quote_offsets_span_first_to_last_character() -> None:
    text = "Ann Roe spoke.\n“One.\n“Two,” Roe said."
    (q,) = extract_quotes(text).quotes
    assert q.text == "One. Two"
    assert text[q.start] == "O" and text[q.end - 1] == "o"


def test_straight_quote_nested_in_a_straight_quote_stays_inside() -> None:
    text = '"He told me "no" and walked out," said Rosa Diaz. "Then he came back."'
    assert spans(text) == ['He told me "no" and walked out', "Then he came back."]


def test_an_opening_mark_inside_a_quote_with_no_second_close_is_a_new_quote() -> None:
    text = 'Diaz called it "a disgrace and said "we will appeal," the paper reported.'
    assert spans(text) == ["we will appeal"]
