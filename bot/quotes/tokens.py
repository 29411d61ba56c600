"""The article as a stream of items: words and punctuation of the writer, and whole quotes.

Attribution rules read the writer's words around a quote, so each quote becomes one item (like a
noun) and its inner words never confuse the rules: a period inside a quote does not end the
writer's sentence, and a name inside a quote is not a speaker. Sentences are split on this stream,
which keeps `"First. Second," she said.` in one sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from bot.quotes.lexicon import SPEECH_VERBS, words
from bot.quotes.spans import RawQuote

WORD = "word"
PUNCT = "punct"
QUOTE = "quote"

# Each match takes the spaces before a token, then the token: group 1 a word, group 2 any other
# mark, neither at the end. (Taking the spaces in the match saves trying every alternative at
# every space; possessive runs never backtrack.)
_TOKEN = re.compile(
    r"\s*+(?:("
    r"(?:[A-Za-z]\.){2,}"  # dotted acronyms: U.S., a.m.
    r"|[#@]?[^\W_]++(?:(?:['’\-‐]|[.,](?=\d))[^\W_]++)*+"  # words, hyphenated, 3.5, #tag
    r"(?:\.(?:com|org|net|gov|edu|io)\b)?"  # web names: Example.com
    r"|&"  # `Crumb & Co` is one name
    r")|(\S)|\Z)"
)
_STRAY_MARKS = frozenset("\"“”„«»")

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
_NEWLINE = re.compile("\n")


class Item:
    """A word, a punctuation mark, or a whole quote (``qi`` is its index, else -1).

    A slotted class rather than a dataclass: thousands are made per article and the lower-cased
    form is read by every rule, so it is computed once here.
    """

    __slots__ = ("end", "is_cap", "kind", "low", "qi", "start", "text")

    def __init__(self, kind: str, text: str, start: int, end: int, qi: int = -1) -> None:
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end
        self.qi = qi
        self.low = text.lower()
        self.is_cap = kind == WORD and text[:1].isupper()

    def __repr__(self) -> str:
        return f"Item({self.kind}, {self.text!r}, {self.start})"


@dataclass(slots=True)
class Sentence:
    items: tuple[Item, ...]
    start: int
    end: int
    paragraph: int
    has_quote: bool


def _words(text: str, start: int, end: int, out: list[Item]) -> None:
    append = out.append
    for m in _TOKEN.finditer(text, start, end):
        e = m.end()
        tok = m.group(1)
        if tok is not None:
            append(Item(WORD, tok, e - len(tok), e))
            continue
        tok = m.group(2)
        if tok is None or tok in _STRAY_MARKS:
            continue  # the end, or a stray mark left over from pairing
        s = e - 1
        if tok == "." and out:
            prev = out[-1]
            if prev.kind == WORD and prev.end == s and (
                prev.low in _ABBREVIATIONS or (len(prev.text) == 1 and prev.is_cap)
            ):
                out[-1] = Item(WORD, prev.text + ".", prev.start, e)
                continue
        append(Item(PUNCT, tok, s, e))


def build_items(
    text: str, quotes: list[RawQuote], windows: list[tuple[int, int]] | None = None
) -> list[Item]:
    """Items of ``text`` (or of its ``windows`` only, which must not cut a quote)."""
    items: list[Item] = []
    for lo, hi in windows or [(0, len(text))]:
        pos = lo
        for qi, q in enumerate(quotes):
            if q.outer_start < lo or q.outer_start >= hi:
                continue
            _words(text, pos, q.outer_start, items)
            items.append(Item(QUOTE, q.text_in(text), q.outer_start, q.outer_end, qi))
            pos = q.outer_end
        _words(text, pos, hi, items)
    return items


# A cheap sentence end on raw text, used only to cut the article into windows around quotes.
# (One set of first characters lets the regex engine skip ahead to candidates quickly.)
_RAW_BOUNDARY = re.compile(r"[.?!…\n](?:(?<=\n)|[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9]))")


_WORD_BEFORE = re.compile(r"([A-Za-z]+)\.$")
# `posted on X. Rowe has spoken`: a lone capital after `on`/`via` is a platform's name, not an
# initial, when a capitalised word and a lower-case one (a subject and its verb) follow the stop.
_LETTER_AFTER_ON = re.compile(r"(?<=\s)(?:on|via) [A-Z]\.$")
_SUBJECT_VERB_AFTER = re.compile(r"\s+[A-Z][a-z]+\s+[a-z]")


def _letter_ends_sentence(text: str, dot: int) -> bool:
    """Whether the full stop at ``dot`` after a single capital ends the sentence."""
    return bool(
        _LETTER_AFTER_ON.search(text, max(0, dot - 6), dot + 1)
        and _SUBJECT_VERB_AFTER.match(text, dot + 1)
    )


def raw_sentence_starts(text: str) -> list[int]:
    """Cheap sentence starts; a title or an initial before the stop (`Lt. Col. Mark`, `J. Roe`)
    is no end, so the reading windows never cut a speaker's name after its title."""
    starts = [0]
    for m in _RAW_BOUNDARY.finditer(text):
        if text[m.start()] == ".":
            w = _WORD_BEFORE.search(text, max(0, m.start() - 12), m.start() + 1)
            if w is not None and (
                w.group(1).lower() in _ABBREVIATIONS
                or (len(w.group(1)) == 1 and not _letter_ends_sentence(text, m.start()))
            ):
                continue
        starts.append(m.end())
    return starts


def quote_windows(
    text: str, quotes: list[RawQuote], starts: list[int], back: int, ahead: int, lead: int = 0
) -> list[tuple[int, int]]:
    """Text ranges around quotes (``back`` sentences before, ``ahead`` after), merged, never
    cutting a quote: attribution only ever reads this close to a quote. The first ``lead``
    sentences are read too, since news introduces its main people there by their full names."""
    spans: list[tuple[int, int]] = []
    if lead and quotes:
        spans.append((0, starts[lead] if lead < len(starts) else len(text)))
    for q in quotes:
        i = bisect_right(starts, q.outer_start) - 1
        j = bisect_right(starts, q.outer_end - 1)
        lo = starts[max(0, i - back)]
        hi = starts[j + ahead] if j + ahead < len(starts) else len(text)
        spans.append((lo, max(hi, q.outer_end)))
    spans.sort()
    opens = [q.outer_start for q in quotes]  # quotes come in order and never overlap

    def around(pos: int) -> RawQuote | None:
        k = bisect_left(opens, pos) - 1
        return quotes[k] if k >= 0 and pos < quotes[k].outer_end else None

    merged: list[tuple[int, int]] = []
    for lo, hi in spans:
        # A window edge inside another quote moves out to include it whole.
        inside = around(lo)
        if inside is not None:
            lo = inside.outer_start
        inside = around(hi)
        if inside is not None:
            hi = inside.outer_end
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


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
        return (
            _quote_ends_sentence(cur.text)
            and nxt_upper
            and not _attribution_follows(items, i + 1, cur.text.rstrip(" )]’'")[-1:] in "?!")
        )
    if cur.kind == WORD and cur.text.endswith(".") and len(cur.text) > 2:
        # `U.S. and European regulators`: a sentence never opens in lower case
        starter = nxt.kind == WORD and nxt.low in _SENTENCE_STARTERS and nxt.text[:1].isupper()
        return nxt.kind == QUOTE or starter
    if cur.kind == WORD and len(cur.text) == 2 and cur.text[1] == ".":
        return _letter_ends_sentence(text, cur.end - 1)
    return False


def _attribution_follows(items: list[Item], j: int, loose: bool = False) -> bool:
    """`"We won." Smith said.`: a short `Name said` after a quote still belongs to its sentence.

    After a quote ending in `?` or `!` (``loose``) the writer could not put a comma, so `Name told
    Rovers TV.` or `Smith said on Sunday.` is the quote's attribution too; after a full stop only a
    bare `Name said.` is, since `Smith said the team ...` opens a sentence of its own.
    """
    for k in range(j, min(j + 5, len(items))):
        it = items[k]
        if it.kind != WORD:
            return False
        if it.low in SPEECH_VERBS:
            if k == j:
                return False
            nxt = items[k + 1] if k + 1 < len(items) else None
            if nxt is None or (nxt.kind == PUNCT and nxt.text in ".,;"):
                return True
            return loose and _short_tail(items, k + 1)
        if not it.is_cap:
            return False
    return False


def _short_tail(items: list[Item], j: int) -> bool:
    """A few words (an object, a time, a place) up to the end of the sentence, and no quote."""
    for k in range(j, min(j + 8, len(items))):
        it = items[k]
        if it.kind == QUOTE:
            return False
        if it.kind == PUNCT and it.text in ".,;":
            return True
        if it.kind == WORD and it.low in ("that", "if", "whether", "he", "she", "they", "it", "we", "i"):
            return False
    return len(items) - j < 8


def split_sentences(text: str, items: list[Item], breaks: frozenset[int] = frozenset()) -> list[Sentence]:
    """Sentences of ``items``; ``breaks`` are offsets where a window of read text begins.

    Only a few items can end a sentence (a quote, a stop, a word with its full stop, the last
    item before a line break or a skipped stretch), so only those are looked at.
    """
    n = len(items)
    if not n:
        return []
    starts = [it.start for it in items]
    gaps: set[int] = set()  # items followed by a line break or by skipped text
    for p in [m.start() for m in _NEWLINE.finditer(text)]:
        i = bisect_right(starts, p) - 1
        if 0 <= i < n - 1 and items[i].end <= p < starts[i + 1]:
            gaps.add(i)
    for p in breaks:
        i = bisect_left(starts, p) - 1
        if 0 <= i < n - 1 and starts[i + 1] == p and items[i].end < p:
            gaps.add(i)
    ends = {i for i, it in enumerate(items) if it.kind == QUOTE or it.text[-1] in _TERMINAL}
    sentences: list[Sentence] = []
    begin = 0
    paragraph = 0
    has_quote = False
    for i in sorted(ends | gaps | {n - 1}):
        cur = items[i]
        if cur.kind == QUOTE:
            has_quote = True
        newline = i in gaps
        if i + 1 < n and not newline:
            if not (cur.kind == QUOTE or cur.text in _TERMINAL or (cur.kind == WORD and cur.text[-1] == ".")):
                continue
            if not _boundary_after(text, items, i):
                continue
        chunk = tuple(items[begin : i + 1])
        sentences.append(Sentence(chunk, chunk[0].start, chunk[-1].end, paragraph, has_quote))
        has_quote = False
        if newline:
            paragraph += 1
        begin = i + 1
    return sentences
