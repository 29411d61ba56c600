"""The scorer of bench/quotes_eval.py, and floors on the dev data so regressions show."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.quotes_eval import jaccard, load, match, predict, score_extraction, speaker_right

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def test_jaccard_ignores_case_punctuation_and_quote_marks() -> None:
    assert jaccard("“We won,” she said", "we WON she said.") == 1.0
    assert jaccard("a b c d", "a b") == 0.5


def test_matching_is_one_to_one_best_overlap_first() -> None:
    gold = [{"text": "the river will be cleaned"}, {"text": "the park will open"}]
    pred = [{"text": "the park will open soon"}, {"text": "the river will be cleaned"}]
    assert sorted(match(gold, pred)) == [(0, 1), (1, 0)]
    assert match(gold, [{"text": "nothing alike at all"}]) == []


def test_speaker_rules() -> None:
    gold = {"speaker": "Noor Haddad"}
    forms = ["Foreign Minister Noor Haddad", "Haddad", "she", "the minister"]
    assert speaker_right("Noor Haddad", True, gold, forms)
    assert speaker_right("Haddad", True, gold, forms)
    assert speaker_right("Minister Haddad", True, gold, forms)
    assert speaker_right("the minister", True, gold, forms)
    assert not speaker_right("she", True, gold, forms)
    assert not speaker_right("he", True, gold, [])
    assert not speaker_right("Ravi Menon", True, gold, forms)
    assert not speaker_right(None, False, gold, forms)


def test_unnamed_gold_speaker_wants_no_named_speaker() -> None:
    gold = {"speaker": None}
    assert speaker_right("one senior official", False, gold, [])
    assert speaker_right(None, False, gold, [])
    assert not speaker_right("Noor Haddad", True, gold, [])


def test_scores_count_spans_and_speakers() -> None:
    gold = [
        {
            "id": "x",
            "quotes": [
                {"text": "We came to listen", "speaker": "Noor Haddad"},
                {"text": "And to agree", "speaker": "Noor Haddad"},
            ],
            "speakers": {"Noor Haddad": ["Haddad"]},
        }
    ]
    preds = {
        "x": [
            {"text": "We came to listen", "speaker": "Haddad", "named": True},
            {"text": "Something else entirely here", "speaker": "Haddad", "named": True},
        ]
    }
    s = score_extraction(gold, preds)
    assert (s["span_precision"], s["span_recall"]) == (0.5, 0.5)
    assert s["e2e_f1"] == 0.5
    kinds = sorted(e["kind"] for e in s["errors"])
    assert kinds == ["false", "missed"]


# Floors a little under what the engine reaches on the dev files; a drop below means a regression.
FLOORS = {
    "quotes-hardcases.jsonl": (0.95, 0.95),
    "seed.jsonl": (0.95, 0.95),
    "quotes-dev.jsonl": (0.97, 0.95),
    "quotes-dev-cnn.jsonl": (0.98, 0.94),
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_dev_scores_stay_above_their_floor(name: str) -> None:
    path = EVAL / name
    if not path.exists():
        pytest.skip(f"dev data {name} not available")
    records = load(path)
    scores = score_extraction(records, predict(records))
    span_floor, e2e_floor = FLOORS[name]
    assert scores["span_f1"] >= span_floor, scores["errors"]
    assert scores["e2e_f1"] >= e2e_floor, scores["errors"]
