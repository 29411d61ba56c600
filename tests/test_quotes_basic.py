"""Basic shape of the public API on small made-up passages."""

from __future__ import annotations

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
