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


@cache
def _table() -> dict[str, tuple[str, ...]]:
    """Read the table once, on first use, so importing the bot stays cheap."""
    table: dict[str, tuple[str, ...]] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, *syns = line.split()
            table[word] = tuple(syns)
    return table


def synonyms(word: str) -> tuple[str, ...]:
    """The words that stand in for `word` (lower-case, base form), most frequent first, or none."""
    return _table().get(word, ())
