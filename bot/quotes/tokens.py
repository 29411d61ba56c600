"""The article as a stream of items: words and punctuation of the writer, and whole quotes.

Attribution rules read the writer's words around a quote, so each quote becomes one item (like a
noun) and its inner words never confuse the rules: a period inside a quote does not end the
writer's sentence, and a name inside a quote is not a speaker. Sentences are split on this stream,
which keeps `"First. Second," she said.` in one sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.quotes.lexicon import SPEECH_VERBS, words
from bot.quotes.spans import RawQuote

WORD = "word"
PUNCT = "punct"
QUOTE = "quote"

_TOKEN = re.compile(
    r"""
    (?P<web>[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.(?:com|org|net|gov|edu|co\.uk|io)\b)
  | (?P<acr>(?:[A-Za-z]\.){2,})
  | (?P<word>[#@]?[^\W_](?:[^\W_]|['’][^\W_]|[-‐][^\W_]|[.,](?=\d))*)
  | (?P<punct>\S)
    """,
    re.VERBOSE,
)

# Abbreviations whose full stop belongs to the word, not to the sentence.
_ABBREVIATIONS = words("""
    mr mrs ms mx dr prof gov sen rep gen col lt sgt capt cmdr adm maj cpl pvt rev hon pres supt det
    insp fr mt ft st jr sr inc corp co ltd bros vs no jan feb mar apr jun jul aug sep sept oct nov
    dec messrs mme msgr atty gens reps sens univ dept est approx fig
    """)
# Words after which a dotted abbreviation (`U.S.`, `Inc.`) ends a sentence.
_SENTENCE_STARTERS = words("""
    the a an he she it they we i his her its their this that these those there but and so yet
    however meanwhile in on at for after before when while if as since although because during
    what who why how where some many most several both each one two three mr mrs ms dr police
    officials authorities
    """)
_TERMINAL = frozenset(".?!…")


@dataclass(frozen=True)
class Item:
    """A word, a punctuation mark, or a whole quote (``qi`` is its index, else -1)."""

    kind: str
    text: str
    start: int
    end: int
    qi: int = -1

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def is_cap(self) -> bool:
        return self.kind == WORD and self.text[:1].isupper()


@dataclass(frozen=True)
class Sentence:
    items: tuple[Item, ...]
    start: int
    end: int
    paragraph: int


def _words(text: str, start: int, end: int, out: list[Item]) -> None:
    for m in _TOKEN.finditer(text, start, end):
        kind = m.lastgroup
        s, e = m.start(), m.end()
        if kind == "punct":
            ch = text[s]
            if ch in "\"“”„«»":
                continue  # a stray mark left over from pairing
            if ch == "." and out and out[-1].kind == WORD and out[-1].end == s:
                prev = out[-1]
                low = prev.text.lower()
                if low in _ABBREVIATIONS or (len(prev.text) == 1 and prev.text.isupper()):
                    out[-1] = Item(WORD, text[prev.start : e], prev.start, e)
                    continue
            out.append(Item(PUNCT, ch, s, e))
        else:
            out.append(Item(WORD, text[s:e], s, e))


def build_items(text: str, quotes: list[RawQuote]) -> list[Item]:
    items: list[Item] = []
    pos = 0
    for qi, q in enumerate(quotes):
        _words(text, pos, q.outer_start, items)
        items.append(Item(QUOTE, q.text_in(text), q.outer_start, q.outer_end, qi))
        pos = q.outer_end
    _words(text, pos, len(text), items)
    return items


def _quote_ends_sentence(text: str) -> bool:
    t = text.rstrip(" )]’'")
    return bool(t) and t[-1] in _TERMINAL


def _boundary_after(text: str, items: list[Item], i: int) -> bool:
    cur = items[i]
    if i + 1 >= len(items):
        return True
    nxt = items[i + 1]
    if "\n" in text[cur.end : nxt.start]:
        return True
    nxt_upper = nxt.kind == QUOTE or nxt.text[:1].isupper() or nxt.text[:1].isdigit()
    if cur.kind == PUNCT and cur.text in _TERMINAL:
        if nxt.kind == PUNCT and nxt.text in ")]":
            return False
        return nxt_upper
    if cur.kind == QUOTE:
        return _quote_ends_sentence(cur.text) and nxt_upper and not _attribution_follows(items, i + 1)
    if cur.kind == WORD and cur.text.endswith(".") and len(cur.text) > 2:
        return nxt.kind == QUOTE or (nxt.kind == WORD and nxt.low in _SENTENCE_STARTERS)
    return False


def _attribution_follows(items: list[Item], j: int) -> bool:
    """`"We won." Smith said.`: a short `Name said` after a quote still belongs to its sentence."""
    for k in range(j, min(j + 5, len(items))):
        it = items[k]
        if it.kind != WORD:
            return False
        if it.low in SPEECH_VERBS:
            nxt = items[k + 1] if k + 1 < len(items) else None
            return k > j and (nxt is None or (nxt.kind == PUNCT and nxt.text in ".,;"))
        if not it.is_cap:
            return False
    return False


def split_sentences(text: str, items: list[Item]) -> list[Sentence]:
    sentences: list[Sentence] = []
    begin = 0
    paragraph = 0
    for i in range(len(items)):
        if _boundary_after(text, items, i):
            chunk = tuple(items[begin : i + 1])
            sentences.append(Sentence(chunk, chunk[0].start, chunk[-1].end, paragraph))
            if i + 1 < len(items) and "\n" in text[items[i].end : items[i + 1].start]:
                paragraph += 1
            begin = i + 1
    return sentences
