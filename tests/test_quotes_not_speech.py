"""Quoted words that nobody says: scare quotes, titles, names, terms (made-up passages)."""

from __future__ import annotations

import pytest

from bot.quotes import extract_quotes


@pytest.mark.parametrize(
    "text",
    [
        'The so-called "green deal" has not lowered prices, according to new figures.',
        "Her novel, “The Salt Road,” sold well last year.",
        'The team named its robot "Rusty" after a cartoon dog.',
        'The beetle, known as a "ghost borer" in the south, eats pine bark.',
        'The school won a prize for "outstanding innovation" on Tuesday.',
        'Visitors can read the blog on "The Daily Harbour" every morning.',
        'The festival is the "biggest in the region" by some counts.',
        'The hashtag "#SaveTheDunes" trended for two days.',
        'A user called "Nightowl" posted the video.',
    ],
)
def test_not_speech(text: str) -> None:
    assert extract_quotes(text).quotes == ()


def test_a_title_next_to_a_real_quote_is_dropped_and_the_quote_kept() -> None:
    text = '"It was time to say goodbye," the company says on "The Farewell Page".'
    quotes = extract_quotes(text).quotes
    assert [q.text for q in quotes] == ["It was time to say goodbye"]
    assert quotes[0].speaker is not None


def test_describing_words_are_speech_but_names_are_not() -> None:
    # `called X "..."` describes (speech); `a dog called "..."` names (not speech).
    assert extract_quotes("Mayor Ida Brun called the budget “a betrayal of voters.”").quotes
    assert not extract_quotes("Mayor Ida Brun adopted a dog called “Biscuit.”").quotes


def test_stray_mark_does_not_hide_the_rest_of_the_article() -> None:
    text = (
        'The sign read: "Closed for repairs\n\n'
        'Mayor Ida Brun visited the site. "We will reopen in June," Brun said.'
    )
    quotes = extract_quotes(text).quotes
    assert "We will reopen in June" in [q.text for q in quotes]


def test_speech_word_used_as_a_noun_is_no_cue() -> None:
    # `the local term "..."` names a term; `term` here is a noun, not a verb.
    text = 'In March, "blue helmets" -- the local term for the monitors -- arrived.'
    assert extract_quotes(text).quotes == ()


def test_one_or_two_capitalised_words_are_a_name_even_with_a_full_stop() -> None:
    text = 'Fans call him by his nickname, Big "Thunder." "He never stops," said coach Lu Ferris.'
    assert [q.text for q in extract_quotes(text).quotes] == ["He never stops"]


def test_dash_after_a_quote_is_attribution_only_when_a_name_ends_the_sentence() -> None:
    text = 'Crowds watched "the longest night" -- the Portan Summer Festival finale -- on Friday.'
    assert extract_quotes(text).quotes == ()


def test_the_quoted_word_pattern_is_not_speech() -> None:
    text = 'She said she had been called the "f" word by strangers.'
    assert extract_quotes(text).quotes == ()


def test_capitalised_title_with_a_full_stop_needs_a_cue_right_before_it() -> None:
    text = "Friends say she cannot approve the release of her novel “The Quiet Harbour.”"
    assert extract_quotes(text).quotes == ()
    assert extract_quotes("He said: “Stop Now.”").quotes


def test_what_someone_called_is_their_words() -> None:
    # A subject right before `called` means someone used the words; a bare participle names a thing.
    text = "Premier Ota Lenk toured the valley and pledged what he called “every cent we have.”"
    (q,) = extract_quotes(text).quotes
    assert (q.text, q.speaker, q.partial) == ("every cent we have.", "Ota Lenk", True)
    text = 'The Rail Board said it stopped 40 trains, in what it called "a necessary pause."'
    assert [q.speaker for q in extract_quotes(text).quotes] == ["Rail Board"]


def test_the_before_a_quote_after_a_naming_verb_makes_it_a_name() -> None:
    text = 'The moth, which growers call the "grey ghost" for its colour, ruins apple crops.'
    assert extract_quotes(text).quotes == ()


def test_quote_the_writer_calls_a_phrase_is_a_term() -> None:
    text = 'Reviewers called it Ruud\'s "tricky third album," a phrase he says amuses him.'
    assert extract_quotes(text).quotes == ()
    text = 'Fans chant "up the Reds", a slogan older than the stadium.'
    assert extract_quotes(text).quotes == ()


def test_a_handle_after_posting_as_is_a_name() -> None:
    text = 'One reader, posting as "night_owl", wrote: "This is not progress."'
    quotes = extract_quotes(text).quotes
    assert [q.text for q in quotes] == ["This is not progress."]
    # `described the signing as "..."` still describes: `signing` is a noun there.
    text = 'Coach Sven Hal described the signing as "the best news of the summer."'
    assert [q.speaker for q in extract_quotes(text).quotes] == ["Sven Hal"]


def test_a_term_noun_that_reports_the_words_is_a_speaker() -> None:
    text = '"Mount it on a bus and drive it around!" the description on the listing read.'
    assert [q.speaker for q in extract_quotes(text).quotes] == ["the description on the listing"]


def test_known_to_someone_as_is_a_name() -> None:
    # A short `among X` / `to X` / adverb between the naming verb and `as` keeps it a name.
    text = 'Thefts of this kind, known among insurers as "smash grabs", rose in May, police said.'
    assert extract_quotes(text).quotes == ()
    text = 'The ridge, known locally as "the Spine", was closed, rangers said.'
    assert extract_quotes(text).quotes == ()
    # A speech verb in between reports: `said as "..."` is no naming.
    text = 'Lena Voss, known for her temper, said as "the last word" that she would stay.'
    assert extract_quotes(text).quotes


def test_a_name_in_general_use_after_call_a_is_a_term() -> None:
    text = 'The ice melts faster in what glaciologists call a "dark spiral."'
    assert extract_quotes(text).quotes == ()
    text = 'Lu is what is called a "night runner" in the trade, the report said.'
    assert extract_quotes(text).quotes == ()
    # A named or pronoun subject uses the words: their speech.
    text = 'Senator Ida Brun pledged what she called a "fair deal."'
    assert [q.speaker for q in extract_quotes(text).quotes] == ["Ida Brun"]
