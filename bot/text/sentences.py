"""Rule-based sentence splitting for news text.

Why rules and not a trained model: the bot must run offline with no model downloads, and news prose is
regular enough that a handful of explainable rules (abbreviations, initials, quotes, paragraph breaks)
gets nearly every boundary right. The splitter is shared by the summariser and the quote engine, so it
returns character offsets as well as strings and never rewrites the text.

A candidate boundary is a run of terminal punctuation (``.``, ``!``, ``?``, ``…``), optionally followed
by closing quotes or brackets, then whitespace or the end of the text. It is rejected when:

* the next word starts with a lower-case letter (``"...," he said.`` / ``"Stop!" she cried``);
* the word before a full stop is a title (``Mr.``, ``Sen.``, ``St.``) or a never-final abbreviation
  (``e.g.``, ``vs.``);
* the word is a reference abbreviation followed by a number (``No. 5``, ``Jan. 12``, ``pp. 4``);
* the word is another known abbreviation, a dotted acronym (``U.S.``, ``a.m.``) or an initial
  (``J. K. Rowling``) and the next word is not one that typically opens a sentence (``The``, ``He``);
* the text after a closing quote is only a short attribution (``"We won." Smith said.``).

Blank lines always end a sentence, as do single line breaks in text whose lines are paragraphs rather
than hard-wrapped prose. CJK full stops (``。！？``) and the Devanagari danda end sentences without
needing a following space.
"""

from __future__ import annotations

import re

__all__ = ["split_sentence_spans", "split_sentences"]


def _wordset(words: str) -> frozenset[str]:
    """A word list written as one whitespace-separated string, for readability."""
    return frozenset(words.split())


# Titles precede a name, so a full stop after them never ends a sentence.
_TITLES = _wordset(
    """
    mr mrs ms mx dr prof gov sen rep gen col lt sgt capt cmdr adm maj cpl pvt rev hon pres supt det insp
    fr mt ft messrs mme mlle msgr atty ald brig
    """
)

# Abbreviations that never end a sentence in news prose.
_NEVER_FINAL = _wordset("e.g i.e vs v cf approx viz ca")

# Reference abbreviations: only abbreviations when a number follows (``No. 5``; ``"No." She left.``).
_BEFORE_NUMBER = _wordset(
    """
    no nos art pp p vol fig ch sec para op
    jan feb mar apr jun jul aug sep sept oct nov dec
    """
)

# Abbreviations that may end a sentence: split only if the next word usually opens one.
_MAYBE_FINAL = _wordset(
    """
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    inc corp co ltd llc plc bros jr sr esq etc al dept univ assn est st ave blvd rd hwy
    a.m p.m u.s u.k u.n e.u d.c l.a n.y
    """
)

# Words that commonly open a sentence; used to decide whether an ambiguous abbreviation ends one.
_SENTENCE_STARTERS = _wordset(
    """
    the a an he she it they we i you his her its their our my your this that these those there here
    but and so yet or nor however meanwhile still also then now later instead thus hence
    in on at for after before when while if as since although though because during until once
    what who why how where which whether some many most several few all both each every no not
    one two three four five six seven eight nine ten
    mr mrs ms dr police officials authorities
    """
)

_SPEECH_VERBS = (
    "said|says|say|asked|asks|added|adds|told|tells|wrote|writes|explained|explains|noted|notes|"
    "shouted|yelled|replied|replies|answered|insisted|recalled|continued|stated|declared|warned|"
    "tweeted|posted|argued|acknowledged|admitted|cautioned|remarked|according"
)

# Closing quotes/brackets that can follow terminal punctuation and still belong to the sentence.
_CLOSERS = "\"'”’»)]}"
_OPENERS = "\"'“‘«([{¿¡*•–—-"

_CANDIDATE = re.compile(
    r"(?:\.\s\.\s\.|[.!?…]+)[" + re.escape(_CLOSERS) + r"]*(?=\s|$)"  # western, needs a space after
    r"|[。！？][」』”’)）]*"  # CJK: no space needed
    r"|[।॥]"  # Devanagari danda
)
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_LINE_BREAK = re.compile(r"\n")
_NEXT_TOKEN = re.compile(r"\s*(\S+)")
_ATTRIBUTION = re.compile(
    r"\s*(?:[A-Z][\w'’.-]*\s+){0,4}?(?:" + _SPEECH_VERBS + r")\b(?:\s+[\w'’.-]+){0,3}?[.!?]",
)
_HARD_WRAP_MAX = 100  # lines never longer than this look like hard-wrapped prose, not paragraphs


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences, each stripped of surrounding whitespace."""
    return [text[start:end] for start, end in split_sentence_spans(text)]


def split_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of each sentence, trimmed of whitespace, in text order."""
    if not text or text.isspace():
        return []
    cuts = _paragraph_cuts(text)
    for match in _CANDIDATE.finditer(text):
        if _is_boundary(text, match.start(), match.end()):
            cuts.add(match.end())
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in sorted(cuts):
        _append_trimmed(text, start, cut, spans)
        start = cut
    _append_trimmed(text, start, len(text), spans)
    return spans


def _paragraph_cuts(text: str) -> set[int]:
    """Offsets of paragraph breaks, which always end a sentence."""
    cuts = {m.start() for m in _BLANK_LINE.finditer(text)}
    if "\n" in text:
        lines = text.split("\n")
        if max(len(line) for line in lines) > _HARD_WRAP_MAX or len(lines) <= 2:
            # Lines are paragraphs (extractor output), not hard-wrapped prose.
            cuts.update(m.start() for m in _LINE_BREAK.finditer(text))
    return cuts


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end <= start:
        return
    if spans and not any(ch.isalnum() for ch in text[start:end]):
        # A detached ellipsis or stray quote mark ("family. ... He was") is no sentence of its own.
        spans[-1] = (spans[-1][0], end)
        return
    spans.append((start, end))


def _is_boundary(text: str, start: int, end: int) -> bool:
    punct = text[start:end]
    if punct[0] in "。！？।॥":
        return True  # CJK and Devanagari terminators need no space after them
    next_match = _NEXT_TOKEN.match(text, end)
    if next_match is None:
        return True  # end of text
    next_token = next_match.group(1).lstrip(_OPENERS)
    if not next_token:
        return True
    if _starts_lower(next_token):
        return False
    if punct[-1] in _CLOSERS and punct[0] in ".!?" and _ATTRIBUTION.match(text, end):
        return False  # "We won." Smith said.
    if punct != ".":
        return True  # "!", "?", "...", or a full stop with closing quote/bracket
    word = _word_before(text, start)
    return _full_stop_ends_sentence(word, next_token)


def _starts_lower(token: str) -> bool:
    first = token[0]
    if not first.islower():
        return False
    # iPhone, eBay: brand names written with a lower-case first letter still start sentences.
    return not any(ch.isupper() for ch in token[1:4])


def _word_before(text: str, dot: int) -> str:
    """The word (letters, digits, inner dots) ending at the full stop at ``dot``: ``(CNN)U.S.`` -> ``U.S``."""
    begin = dot
    while begin > 0 and (text[begin - 1].isalnum() or text[begin - 1] == "."):
        begin -= 1
    return text[begin:dot].strip(".")


def _full_stop_ends_sentence(word: str, next_token: str) -> bool:
    if not word:
        return True  # "2015 ." (space before the full stop)
    key = word.lower()
    if key in _TITLES or key in _NEVER_FINAL:
        return False
    if key in _BEFORE_NUMBER and next_token[0].isdigit():
        return False
    is_initial = len(word) == 1 and word.isalpha() and word.isupper()
    is_dotted = "." in word and all(len(part) <= 2 for part in word.split(".")) and word[-1].isalpha()
    if key in _MAYBE_FINAL or is_initial or is_dotted:
        starter = next_token.rstrip(",;:.!?\"'”’").lower()
        if is_initial and starter in {"a", "i"}:
            return False
        return starter in _SENTENCE_STARTERS
    return True
