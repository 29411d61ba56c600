"""Basic shape of the public API on small made-up passages."""

from __future__ import annotations

import random

from bot.quotes import Extraction, extract_quotes, quote_to_json


def test_empty_text_has_no_quotes() -> None:
    assert extract_quotes("") == Extraction((), ())
    assert extract_quotes("No quotation here at all.").quotes == ()


def test_quote_offsets_point_into_the_text() -> None:
    text = 'Mayor Ruth Okafor opened the bridge. "It took nine years," Okafor said.'
    (q,) = extract_quotes(text).quotes
    assert text[q.start : q.end] == q.text == "It took nine years"
    assert q.speaker == "Ruth Okafor"
    assert q.speaker_mention == "Okafor"
    assert q.cue == "said"
    assert q.named and not q.partial


def test_json_form_has_exactly_the_cli_keys() -> None:
    (q,) = extract_quotes('"We are ready," said coach Pat Lindqvist.').quotes
    keys = {"text", "speaker", "speaker_mention", "start", "end", "cue", "partial", "named"}
    assert set(quote_to_json(q)) == keys
    assert quote_to_json(q)["speaker"] == "Pat Lindqvist"


def test_messy_text_never_breaks_extraction() -> None:
    # Deterministic junk: unbalanced marks, lone words, line breaks, odd punctuation.
    rng = random.Random(1234)
    pieces = ['"', "“", "”", "'", " said", " Ann Lee", ",", ".", "\n", " he", " —", ":", " the", " Mr."]
    for _ in range(200):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 60)))
        ex = extract_quotes(text)
        for q in ex.quotes:
            assert 0 <= q.start <= q.end <= len(text)
            assert q.text


def test_every_quote_of_a_plain_article_is_found_in_order() -> None:
    text = (
        "Mayor Ruth Okafor opened the bridge on Sunday.\n\n"
        '"It took nine years," Okafor said. "But it was worth it."\n\n'
        'Engineer Sam Pike, who led the work, said the steel was "the best we could buy."'
    )
    ex = extract_quotes(text)
    assert [(q.text, q.speaker) for q in ex.quotes] == [
        ("It took nine years", "Ruth Okafor"),
        ("But it was worth it.", "Ruth Okafor"),
        ("the best we could buy.", "Sam Pike"),
    ]
    assert [q.start for q in ex.quotes] == sorted(q.start for q in ex.quotes)
    assert {s.canonical for s in ex.speakers} == {"Ruth Okafor", "Sam Pike"}
