"""Score the extractive summariser against LEAD-3 on the CNN dev set, and time it.

Scoring follows ../shared/eval/SUMMARIES.md: rouge-score with ``use_stemmer=True``, mean F1 x 100, one
summary sentence per line (for ROUGE-Lsum). LEAD-3 is the first three sentences from the same sentence
splitter. Figures are printed for all articles and for each half, since the weights were chosen on the
halves and a gain that held on only one would be fitting, not summarising. Usage:

    python -m bench.summary
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.summarize import summarize_extractive
from bot.summarize.extractive import count_words
from bot.text.sentences import split_sentences

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
DATA = EVAL / "summaries-dev.jsonl"
TIMING_RUNS = 3  # the machine is shared: each article's fastest run is the least disturbed one

Scores = tuple[float, float, float]


def main() -> None:
    if not DATA.exists():
        print(f"summary: skipped: no eval data ({DATA} not found)")
        return
    try:
        from rouge_score import rouge_scorer
    except ImportError:
        print("summary: skipped: rouge-score is not installed (pip install -e '.[test]')")
        return
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    articles = [row["article"] for row in rows]
    references = [row["reference"] for row in rows]

    wall, cpu = _time(articles)
    ours = [summarize_extractive(a) for a in articles]
    lead3 = [split_sentences(a)[:3] for a in articles]

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)

    def score(reference: str, summary: Sequence[str]) -> Scores:
        s = scorer.score(reference, "\n".join(summary))
        return (s["rouge1"].fmeasure, s["rouge2"].fmeasure, s["rougeLsum"].fmeasure)

    our_scores = [score(r, s) for r, s in zip(references, ours, strict=True)]
    lead_scores = [score(r, s) for r, s in zip(references, lead3, strict=True)]

    n = len(rows)
    half = n // 2
    print(f"{DATA.name}: {n} CNN articles; rouge-score use_stemmer=True, mean F1 x 100, one sentence a line")
    print(f"{'system':<28}{'R-1':>7}{'R-2':>7}{'R-Lsum':>8}{'words':>7}")
    for label, lo, hi in (("all", 0, n), (f"first {half}", 0, half), (f"last {n - half}", half, n)):
        _row(f"extractive ({label})", our_scores[lo:hi], ours[lo:hi])
        _row(f"LEAD-3 ({label})", lead_scores[lo:hi], lead3[lo:hi])
    sentences = statistics.mean(len(s) for s in ours)
    over_cap = sum(1 for s in ours if sum(count_words(x) for x in s) > 60)
    print(f"extractive: {sentences:.2f} sentences a summary on average, {over_cap} over 60 words")
    print(
        f"summary time per article (best of {TIMING_RUNS} runs): median {_ms(statistics.median(wall))} ms, "
        f"p95 {_ms(_p95(wall))} ms; CPU time median {_ms(statistics.median(cpu))} ms, "
        f"p95 {_ms(_p95(cpu))} ms"
    )


def _row(label: str, scores: Sequence[Scores], summaries: Sequence[Sequence[str]]) -> None:
    r1, r2, rl = (100 * statistics.mean(s[k] for s in scores) for k in range(3))
    words = statistics.mean(sum(count_words(x) for x in summary) for summary in summaries)
    print(f"{label:<28}{r1:>7.2f}{r2:>7.2f}{rl:>8.2f}{words:>7.1f}")


def _time(articles: Sequence[str]) -> tuple[list[float], list[float]]:
    """Per-article wall and CPU seconds of ``summarize_extractive``, each the best of several runs."""
    wall = [float("inf")] * len(articles)
    cpu = [float("inf")] * len(articles)
    clock: Callable[[], float] = time.perf_counter
    for _ in range(TIMING_RUNS):
        for i, article in enumerate(articles):
            c0, t0 = time.thread_time(), clock()
            summarize_extractive(article)
            wall[i] = min(wall[i], clock() - t0)
            cpu[i] = min(cpu[i], time.thread_time() - c0)
    return wall, cpu


def _p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.2f}"


if __name__ == "__main__":
    main()
