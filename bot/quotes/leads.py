"""The writer's lead-in to a quote: the sentence before it that says in other words what comes.

News writing introduces a quote with a paraphrase: `Ruiz said her customers were mostly older
people who drive. "They are not going to ride a bicycle to buy a funeral wreath," she said.` A
reader remembers the paraphrase ("what did the flower shop owner say about her customers?"), and
the quote's own sentence may share no word with it. The lead-in is kept with the quote so that the
question finds it; the quote's `context` stays the sentence around it.

A sentence is a lead-in when it comes just before the quote's sentence (in the same paragraph or
the one before), reports speech (a verb of saying) and is about the quote's speaker: it names them
or opens with a pronoun, or, in the same paragraph, names no other speaker (an unnamed source is
described, not named). Quotation marks in it are allowed only when it names the speaker.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import replace

from bot.quotes.lexicon import SPEECH_VERBS
from bot.quotes.model import Extraction, Quote, Speaker
from bot.quotes.tokens import raw_sentence_starts

MAX_LEAD_CHARS = 400  # a longer sentence is a paragraph of its own, not an introduction

_MARK = re.compile(r"[\"“”]")
_WORD = re.compile(r"[\w'’-]+")
_PRONOUN_OPENERS = ("he ", "she ", "they ", "it ")
_OPENING_MARKS = ("", '"', "“")


def add_leads(text: str, extraction: Extraction, starts: list[int] | None = None) -> Extraction:
    """The extraction with each quote's lead-in set (quotes without one are unchanged).
    `starts`: the text's sentence starts (`raw_sentence_starts`), when the caller has them."""
    if not extraction.quotes:
        return extraction
    if starts is None:
        starts = raw_sentence_starts(text)
    forms = _speaker_forms(extraction.speakers)
    quotes = tuple(_with_lead(text, q, starts, forms) for q in extraction.quotes)
    return Extraction(quotes, extraction.speakers)


def _speaker_forms(speakers: tuple[Speaker, ...]) -> dict[str, tuple[str, ...]]:
    forms: dict[str, tuple[str, ...]] = {}
    for s in speakers:
        names = {s.canonical, *s.aliases}
        if s.kind != "unnamed" and len(s.canonical.split()) > 1:
            names.add(s.canonical.split()[-1])  # the surname
        forms[s.canonical] = tuple(n for n in names if len(n) > 2 and n[:1].isupper())
    return forms


def _with_lead(text: str, q: Quote, starts: list[int], forms: dict[str, tuple[str, ...]]) -> Quote:
    if q.speaker is None:
        return q
    k = bisect_right(starts, q.start) - 1  # the sentence holding the quote's start
    if k <= 0:
        return q
    if text[starts[k] : q.start].strip() not in _OPENING_MARKS and _MARK.search(text, starts[k], q.start):
        return q  # another quote opens the sentence: the sentence before introduces that one
    lo, hi = starts[k - 1], starts[k]
    lead = text[lo:hi].strip()
    if _asked(text, lead, lo, hi, starts, k):
        return replace(q, lead=lead)
    if not lead or len(lead) > MAX_LEAD_CHARS or not _reports(lead):
        return q
    if text.count("\n", lo + len(lead), hi) > 2:
        return q
    names = forms.get(q.speaker, ())
    named = any(n in lead for n in names)
    if _MARK.search(lead) and not named:
        return q  # somebody's words: a lead-in with quotes in it must name whose they are
    same_paragraph = "\n" not in text[lo + len(lead) : hi]
    if named or lead.lower().startswith(_PRONOUN_OPENERS):
        return replace(q, lead=lead)
    # `A Ghanaian official ... said the breakthrough came late. "It was the fees or the deal,"
    # the official said.`: a description in the same paragraph, when nobody else is named.
    others = (n for canonical, ns in forms.items() if canonical != q.speaker for n in ns)
    if same_paragraph and not any(n in lead for n in others):
        return replace(q, lead=lead)
    return q  # about someone else: `Kessler pleaded guilty.` before the prosecutor's quote


def _asked(text: str, lead: str, lo: int, hi: int, starts: list[int], k: int) -> bool:
    """An interviewer's question alone in the paragraph before the answer (`What surprised you
    most?`): the reader remembers the question ("what surprised her most?")."""
    if not lead.endswith("?") or len(lead) > MAX_LEAD_CHARS or _MARK.search(lead):
        return False
    own_paragraph = "\n" in text[lo + len(lead) : hi] and (k < 2 or "\n" in text[starts[k - 2] : lo])
    return own_paragraph and text[hi:].lstrip()[:1] in ('"', "“")


def _reports(sentence: str) -> bool:
    return any(w.lower() in SPEECH_VERBS for w in _WORD.findall(sentence))
