"""The WordNet-derived synonym table: the paraphrases readers use are there, junk and phrases are not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.quotes.synonyms import NEAR_TABLE, TABLE, near, phrasal, synonyms


def _rows(table: Path = TABLE) -> list[list[str]]:
    return [ln.split() for ln in table.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]


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


@pytest.mark.parametrize("table", [TABLE, NEAR_TABLE])
def test_file_is_well_formed_and_small(table: Path) -> None:
    text = table.read_text(encoding="utf-8")
    assert text.startswith("#") and "Princeton University" in text.splitlines()[1]
    assert table.stat().st_size < 1_000_000
    rows = _rows(table)
    assert len(rows) > 5000
    word = re.compile(r"^[a-z]{3,}(?:-[a-z]+)?$")
    phrasal = re.compile(r"^[a-z]{2,}_[a-z]+$")  # 'cut_off': rows of phrasal verbs, never synonyms
    for head, *syns in rows:
        assert word.match(head) or phrasal.match(head), head
        assert syns and len(syns) <= 8 and len(set(syns)) == len(syns) and head not in syns, head
        assert all(word.match(s) for s in syns), head


def test_licence_ships_beside_the_table() -> None:
    assert "Princeton University" in TABLE.with_name("WORDNET-LICENSE.txt").read_text(encoding="utf-8")


def test_proper_noun_pertainym_does_not_take_a_common_word() -> None:
    assert "manx" not in synonyms("man")  # Manx pertains to the Isle of Man, not to a man


@pytest.mark.parametrize(
    ("word", "other"),
    [("win", "victory"), ("decide", "decision"), ("survive", "survival"), ("academic", "professor")],
)
def test_near_words_are_one_step_apart(word: str, other: str) -> None:
    assert other in near(word) and word in near(other)


def test_near_words_leave_out_verb_classes_and_broad_classes() -> None:
    """A verb's hypernym ('change' for 'prepare') or a class with dozens of members is no paraphrase."""
    assert "change" not in near("prepare")
    assert "move" not in near("return")


def test_inflected_and_irregular_forms_find_their_row() -> None:
    assert synonyms("promised") == synonyms("promise")
    assert "cease" in synonyms("stopped")
    assert "child" in synonyms("children")
    assert near("decided") == near("decide")


def test_phrasal_verbs_have_rows_of_single_words() -> None:
    """A reader writes "cut off" or "turned down" where the quote says "disconnect", "reject"."""
    assert "disconnect" in phrasal("cut", "off") or "interrupt" in phrasal("cut", "off")
    assert "reject" in phrasal("turned", "down")
    assert phrasal("cut", "sideways") == ()
