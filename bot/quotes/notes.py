"""What an article says a speaker is or did, in the writer's own words, kept as short notes.

Readers describe people by what the article told them, not only by titles: "who led the dives
that confirmed the wreck?", "what did the flower shop owner say?". Titles and appositions are
already roles (see `aliases`); this pass adds the two other places a news story describes someone:

* a relative clause on a name: `Angela Ruiz, who owns a flower shop on Harbor Street, said ...`,
  `Dr. Miriam Oyelaran, a pediatric ophthalmologist ... who led the trial`;
* a sentence of the writer's with the speaker as its subject: `Its director, archaeologist Eleni
  Stavrou, led the dives that confirmed the find.`

Each note is written as a relative clause ("who led the dives that confirmed the find") so that it
reads as a description wherever it is shown, and is kept apart from titles when one is displayed.
Reported speech ("Stavrou said the jars came from Italy") is not a note: it is what someone said,
not who they are, and it would make any question about the topic point at them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import replace

from bot.quotes.lexicon import FUNCTION_WORDS, PRONOUNS, SPEECH_VERBS, words
from bot.quotes.model import Extraction, Speaker
from bot.quotes.tokens import raw_sentence_starts

MAX_NOTE_WORDS = 18
MAX_NOTES = 6

_MARK = re.compile(r"[\"“”]")

# After a name: up to two comma-set appositions (`, 72, a retired mill worker`), then the clause.
_RELATIVE = re.compile(
    r'(?P<apposition>(?:\s*,[^,;:?!()\[\]"“”\n]{1,90}?){0,2}?)(?:\s*,\s*|\s+)'
    r'(?P<rel>who|whose)\s+(?P<clause>[^,;:?!()"“”\n]+)'
)
# Before a subject name at the start of a sentence: `Its director,` / `Race leader` (no verb).
_PREPOSED = re.compile(r"^\s*(?:[A-Z][\w'’-]*(?:\s+[\w'’-]+){0,4}\s*,\s*)?(?:[\w'’.-]+\s+){0,3}$")
_APPOSITION_THEN = re.compile(r"^(?:\s*,[^,;:?!]{1,90}?){0,2},\s*|^\s+")
_WORD = re.compile(r"[\w'’-]+")
_ADVERBS = words("also later then first once previously recently now still already eventually had has have")
_IRREGULAR_PAST = words(
    """led won lost ran took wrote found made became began built spent kept left held sent gave
    came went fell grew drew rode flew swam sat stood met paid bought brought caught taught fought
    sold told thought saw did got broke chose drove froze hid hit hurt knew lay lit meant put quit
    read rose shot shut sang sank slept spoke stole struck swore threw understood woke wore"""
)
_NOT_PREDICATE = words("is was were are be been being")  # not a verb of their own after `had`
_BE = words("is was were are")
# A sentence whose subject is `he` or `she`, after at most one short clause: `In 1998, he was ...`.
_PRONOUN_SUBJECT = re.compile(r"^\s*(?:(?P<lead>[A-Z][^,;:?!\"“”\n]{0,70}),\s*)?(?:[Hh]e|[Ss]he)\s+")


def add_notes(text: str, extraction: Extraction, starts: list[int] | None = None) -> Extraction:
    """The extraction with each named speaker's notes added (speakers without any are unchanged).
    `starts`: the text's sentence starts (`raw_sentence_starts`), when the caller has them."""
    named = [s for s in extraction.speakers if s.kind != "unnamed"]
    if not named:
        return extraction
    quoted = sorted((q.start, q.end) for q in extraction.quotes)
    notes = speaker_notes(text, named, quoted, raw_sentence_starts(text) if starts is None else starts)
    if not notes:
        return extraction
    speakers = tuple(
        replace(s, notes=tuple(notes[s.canonical])) if notes.get(s.canonical) else s
        for s in extraction.speakers
    )
    return Extraction(extraction.quotes, speakers)


def speaker_notes(
    text: str,
    speakers: Sequence[Speaker],
    quoted: Sequence[tuple[int, int]] = (),
    starts: list[int] | None = None,
) -> dict[str, list[str]]:
    """Notes per canonical name, in article order, at most `MAX_NOTES` each. `quoted`: the spans
    of the quotes, sorted (a name inside a quote is someone's words, not the writer's)."""
    forms = _forms(speakers)
    if not forms:
        return {}
    if starts is None:
        starts = raw_sentence_starts(text)
    quote_starts = [a for a, _ in quoted]
    found: dict[str, list[str]] = {}
    for start, end, canonical in _named_spans(text, forms):
        q = bisect_right(quote_starts, start) - 1
        if q >= 0 and start < quoted[q][1]:
            continue
        k = bisect_right(starts, start) - 1
        lo = starts[k]
        hi = starts[k + 1] if k + 1 < len(starts) else len(text)
        sentence = text[lo:hi]
        note = _relative_note(sentence, end - lo)
        subject = None
        if note is None and not _MARK.search(sentence):
            note = subject = _subject_note(sentence, start - lo, end - lo)
        notes = [note]
        if subject is not None and k + 1 < len(starts):
            # the writer goes on about them in the next sentence: `He was the last keeper.`
            after = text[starts[k + 1] : starts[k + 2] if k + 2 < len(starts) else len(text)]
            if not _MARK.search(after) and not _named_spans(after, forms):
                notes.append(_pronoun_note(after))
        kept = found.setdefault(canonical, [])
        for n in notes:
            if n is not None and n not in kept and len(kept) < MAX_NOTES:
                kept.append(n)
    return {c: ns for c, ns in found.items() if ns}


def _forms(speakers: Sequence[Speaker]) -> dict[str, str]:
    """Every written form of a named speaker made of capitalised words, mapped to the canonical
    name. A form two speakers share (a surname of relatives) names neither surely: left out."""
    owners: dict[str, set[str]] = {}
    for s in speakers:
        for form in (s.canonical, *s.aliases):
            form = " ".join(form.split())
            if len(form) < 3 or form.lower() in PRONOUNS or not all(w[:1].isupper() for w in form.split()):
                continue
            owners.setdefault(form, set()).add(s.canonical)
    return {f: next(iter(o)) for f, o in owners.items() if len(o) == 1}


def _named_spans(text: str, forms: dict[str, str]) -> list[tuple[int, int, str]]:
    """(start, end, canonical name) of each mention of a form, the longest form where several end
    at one place, in text order. Found by the forms' last words with `str.find`: a pattern of all
    the forms would be compiled anew for every article, which costs more than reading it."""
    by_last: dict[str, list[str]] = {}
    for form in sorted(forms, key=len, reverse=True):
        by_last.setdefault(form.rsplit(" ", 1)[-1], []).append(form)
    spans: list[tuple[int, int, str]] = []
    for last, candidates in by_last.items():
        i = text.find(last)
        while i >= 0:
            end = i + len(last)
            if end == len(text) or not text[end].isalnum():
                for form in candidates:
                    start = end - len(form)
                    bounded = start == 0 or not text[start - 1].isalnum()
                    if start >= 0 and bounded and text.startswith(form, start):
                        spans.append((start, end, forms[form]))
                        break
            i = text.find(last, end)
    spans.sort()
    kept: list[tuple[int, int, str]] = []
    for span in spans:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def _relative_note(sentence: str, end: int) -> str | None:
    """`NAME, (apposition,) who/whose CLAUSE`: the clause, when nothing but an apposition is between."""
    m = _RELATIVE.match(sentence, end)
    if m is None or _speaks(m.group("apposition")) or _speaks(" ".join(m.group("clause").split()[:2])):
        return None  # `X, who said ...` reports speech
    return _note(f"{m.group('rel')} {m.group('clause')}")


def _subject_note(sentence: str, start: int, end: int) -> str | None:
    """`(Role,) NAME(, apposition,) VERBED ...` in the writer's sentence: the predicate."""
    if not _PREPOSED.match(sentence[:start]):
        return None
    rest = sentence[end:]
    lead = _APPOSITION_THEN.match(rest)
    if lead is None or _speaks(lead.group()):
        return None
    return _predicate_note(rest[lead.end() :])


def _pronoun_note(sentence: str) -> str | None:
    """`When the light was automated in 1998, he was the last keeper to leave.` right after a
    sentence about the speaker: the pronoun is them, and the predicate describes them too."""
    m = _PRONOUN_SUBJECT.match(sentence)
    if m is None or _speaks(m.group("lead") or ""):
        return None
    return _predicate_note(sentence[m.end() :])


def _predicate_note(predicate: str) -> str | None:
    """`led the dives ...`, `was at work on the 11th floor`: a note, unless it reports speech."""
    tokens = _WORD.findall(predicate)
    i = 0
    while i < len(tokens) and tokens[i] in _ADVERBS:
        i += 1
    if i >= len(tokens):
        return None
    verb = tokens[i]
    if verb in _BE:  # `In Antofagasta, Javier Morales was at work on the 11th floor ...`
        if i + 1 >= len(tokens) or tokens[i + 1].lower() in SPEECH_VERBS:
            return None  # `Holm was asked whether ...` reports speech
    elif not _is_past_or_present(verb) or verb.lower() in SPEECH_VERBS:
        return None
    return _note("who " + predicate.strip())


def _is_past_or_present(word: str) -> bool:
    if not word.islower() or word in _NOT_PREDICATE or word in FUNCTION_WORDS:
        return False
    regular = len(word) > 3 and word.endswith(("ed", "s")) and not word.endswith(("ss", "us"))
    return regular or word in _IRREGULAR_PAST


def _speaks(text: str) -> bool:
    return any(w.lower() in SPEECH_VERBS for w in _WORD.findall(text))


def _note(clause: str) -> str | None:
    tokens = clause.split()
    if len(tokens) < 2:
        return None
    note = " ".join(tokens[: MAX_NOTE_WORDS + 1]).rstrip(".?!'’\"”")
    return note or None
