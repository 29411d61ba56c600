"""Words a reader's question uses for a quote's words: a table of paraphrases derived from WordNet.

A member asks from memory: "who said the children were the real victims" for "Our pupils were the
victims", "jail" for "prison", "the Indonesian minister" for "Indonesia's minister". Stemming joins
the forms of one word, never two words; this table joins the words that stand in for each other.
It is built by tools/build_synonyms.py from WordNet 3.x (common words only, the synsets of their
one or two most frequent senses, adjective <-> noun pertainyms) and shipped as synonyms.txt beside
this module. A synonym counts for less than the word itself (see `ask`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

TABLE = Path(__file__).with_name("synonyms.txt")
# Words one step from a word in WordNet, between the top senses of both: its class ('win' ->
# 'victory'), its derivations ('decide' -> 'decision'), similar adjectives. Looser than synonyms.
NEAR_TABLE = Path(__file__).with_name("near.txt")


@cache
def _table(path: Path = TABLE) -> dict[str, tuple[str, ...]]:
    """Read a table once, on first use, so importing the bot stays cheap."""
    table: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, *syns = line.split()
            table[word] = tuple(syns)
    return table


def _lookup(table: dict[str, tuple[str, ...]], word: str, tail: str = "") -> tuple[str, ...]:
    """The row of `word` (+ `tail`) or of its base form: questions inflect ('promised',
    'children', 'cutting off'), the tables hold base forms (irregular ones are rows of their own,
    see tools/build_synonyms.py)."""
    found = table.get(word + tail)
    if found is not None:
        return found
    for suffix, ends in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            root = word[: -len(suffix)]
            for end in ends:
                found = table.get(root + end + tail)
                if found is not None:
                    return found
            if suffix in ("ed", "ing") and len(root) > 2 and root[-1] == root[-2]:
                found = table.get(root[:-1] + tail)  # 'stopped' -> 'stop'
                if found is not None:
                    return found
    return ()


# WordNet's detachment rules, most specific first.
_SUFFIXES = (
    ("ies", ("y",)), ("ches", ("ch",)), ("shes", ("sh",)), ("sses", ("ss",)), ("xes", ("x",)),
    ("s", ("",)), ("ing", ("", "e")), ("ed", ("", "e")), ("er", ("", "e")), ("est", ("", "e")),
)  # fmt: skip


def synonyms(word: str) -> tuple[str, ...]:
    """The words that stand in for `word` (lower-case), most frequent first, or none."""
    return _lookup(_table(), word)


def near(word: str) -> tuple[str, ...]:
    """The words one step from `word` (see NEAR_TABLE), most frequent first, or none."""
    return _lookup(_table(NEAR_TABLE), word)


def phrasal(verb: str, particle: str) -> tuple[str, ...]:
    """The words for a phrasal verb ('cut off' -> disconnect, 'turned down' -> reject), or none."""
    return _lookup(_table(), verb, "_" + particle)
