"""The WordNet-derived synonym table: the paraphrases readers use are there, junk and phrases are not."""

from __future__ import annotations

import re

import pytest

from bot.quotes.synonyms import TABLE, synonyms


def _rows() -> list[list[str]]:
    return [ln.split() for ln in TABLE.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("child", "kid"),
        ("victory", "triumph"),
        ("son", "boy"),
        ("deliberately", "intentionally"),
        ("indonesian", "indonesia"),
        ("togolese", "togo"),
        ("presidential", "president"),
        ("big", "large"),
        ("buy", "purchase"),
        ("prepare", "ready"),
    ],
)
def test_reader_paraphrases_are_joined(a: str, b: str) -> None:
    assert b in synonyms(a) or a in synonyms(b)


def test_pertainyms_go_both_ways() -> None:
    for adj, noun in [("indonesian", "indonesia"), ("togolese", "togo")]:
        assert noun in synonyms(adj) and adj in synonyms(noun)


def test_unknown_word_has_none() -> None:
    assert synonyms("zzyzxq") == ()
    assert synonyms("") == ()


def test_rare_senses_stay_out() -> None:
    assert "sack" not in synonyms("fire") and "dismiss" not in synonyms("fire")
    assert len(synonyms("run")) <= 8


def test_file_is_well_formed_and_small() -> None:
    text = TABLE.read_text(encoding="utf-8")
    assert text.startswith("#") and "Princeton University" in text.splitlines()[1]
    assert TABLE.stat().st_size < 1_000_000
    rows = _rows()
    assert len(rows) > 5000
    word = re.compile(r"^[a-z]{3,}(?:-[a-z]+)?$")
    for head, *syns in rows:
        assert word.match(head), head
        assert syns and len(syns) <= 8 and len(set(syns)) == len(syns) and head not in syns, head
        assert all(word.match(s) for s in syns), head


def test_licence_ships_beside_the_table() -> None:
    assert "Princeton University" in TABLE.with_name("WORDNET-LICENSE.txt").read_text(encoding="utf-8")


def test_proper_noun_pertainym_does_not_take_a_common_word() -> None:
    assert "manx" not in synonyms("man")  # Manx pertains to the Isle of Man, not to a man
