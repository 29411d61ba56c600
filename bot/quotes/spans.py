"""Find quoted spans: pair double quotation marks into quotes.

Marks are judged one by one from the characters around them (an opening mark has space before it
and a word after it), never by counting, so one stray or misprinted mark cannot flip every later
quote of the article. A quote still open at a paragraph break either continues (the next paragraph
re-opens the mark, as news style does for a quote over several paragraphs) or ends there, so an
unbalanced mark spoils at most one paragraph. Text whose paragraphs were run together with one space
(`...end. "Next paragraph...`) is read the same way: an opening mark after a sentence end while a
quote is open continues that quote. Single quotation marks are left alone: inside a double-quoted
quote they are nested quotes and belong to it, elsewhere they are mostly apostrophes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPENING = "“„«"
_CLOSING = "”»"
_STRAIGHT = '"'
_MARK_RE = re.compile("[" + _OPENING + _CLOSING + _STRAIGHT + "]")
# Characters after which a mark still counts as opening: space, brackets and dashes.
_BEFORE_OPEN = frozenset("([{—–-/‘'")
# Characters after which a mark counts as closing even with a letter before it.
_AFTER_CLOSE = frozenset(".,;:!?)]}—–-…'’")
_SENTENCE_END = frozenset(".?!…")
# Longest run of text an unclosed quote may take in text without paragraph breaks.
_MAX_UNCLOSED = 600


@dataclass(slots=True)
class RawQuote:
    """A quoted span before anyone decides whether it is speech.

    ``segments`` are (start, end) offsets of the quoted text of each paragraph, without marks and
    surrounding spaces; ``open_mark``/``close_mark`` are offsets of the marks (close is None when the
    quote was never closed).
    """

    segments: tuple[tuple[int, int], ...]
    open_mark: int
    close_mark: int | None

    @property
    def start(self) -> int:
        return self.segments[0][0]

    @property
    def end(self) -> int:
        return self.segments[-1][1]

    @property
    def outer_start(self) -> int:
        return self.open_mark

    @property
    def outer_end(self) -> int:
        return self.close_mark + 1 if self.close_mark is not None else self.end

    def text_in(self, text: str) -> str:
        return " ".join(text[s:e] for s, e in self.segments)


def _role(text: str, i: int) -> str:
    """'open', 'close' or 'either' for the mark at i, from its neighbours."""
    ch = text[i]
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    space_before = prev.isspace() or prev in _BEFORE_OPEN
    space_after = nxt.isspace() or nxt in _AFTER_CLOSE
    if ch in _OPENING:
        # A misprinted closing mark: “ glued to the end of a sentence and followed by space.
        if not space_before and nxt.isspace() and prev in _SENTENCE_END | {","}:
            return "close"
        return "open"
    if ch in _CLOSING:
        if space_before and not space_after and nxt.isalnum():
            return "open"
        return "close"
    if space_before and not space_after:
        return "open"
    if space_after and not space_before:
        return "close"
    return "either"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _drop_attribution_comma(text: str, start: int, end: int) -> tuple[int, int]:
    """The comma before a closing mark belongs to the attribution that follows, not to the quote."""
    start, end = _trim(text, start, end)
    while end > start and text[end - 1] in ",;:":
        end -= 1
        start, end = _trim(text, start, end)
    return start, end


def _paragraph_end(text: str, pos: int) -> int:
    nl = text.find("\n", pos)
    return len(text) if nl < 0 else nl


def _unclosed_end(text: str, start: int, limit: int) -> int:
    """Where a quote that never closes stops: at its paragraph's end, or a sentence end if too long."""
    end = min(_paragraph_end(text, start), limit)
    if end - start <= _MAX_UNCLOSED:
        return end
    for i in range(start, end):
        if text[i] in _SENTENCE_END and i + 1 < len(text) and text[i + 1].isspace():
            return i + 1
    return end


def _ends_sentence(text: str, start: int, end: int) -> bool:
    s, e = _trim(text, start, end)
    while e > s and text[e - 1] in ")]":
        e -= 1
    return e > s and text[e - 1] in _SENTENCE_END


def _nested(text: str, marks: list[int], roles: list[str], idx: int) -> bool:
    """An opening mark inside an open quote starts a nested quote when the next two marks both
    close, in the same paragraph: the inner quote's and then the outer one's."""
    if idx + 2 >= len(marks):
        return False
    if roles[idx + 1] == "open" or roles[idx + 2] == "open":
        return False
    return "\n" not in text[marks[idx] : marks[idx + 2]]


def find_quote_spans(text: str) -> list[RawQuote]:
    """Every double-quoted span of ``text``, in order, multi-paragraph quotes as one span."""
    marks = [m.start() for m in _MARK_RE.finditer(text)]
    quotes: list[RawQuote] = []
    open_at: int | None = None  # offset of the mark that opened the current quote
    seg_start = 0  # start of the current paragraph's quoted text
    segments: list[tuple[int, int]] = []

    def finish(close: int | None, end: int) -> None:
        nonlocal open_at, segments
        assert open_at is not None
        s, e = _drop_attribution_comma(text, seg_start, end)
        if e > s:
            segments.append((s, e))
        if segments:
            quotes.append(RawQuote(tuple(segments), open_at, close))
        open_at = None
        segments = []

    roles = [_role(text, m) for m in marks]
    skip = 0
    for idx, m in enumerate(marks):
        if skip:
            skip -= 1
            continue
        role = roles[idx]
        if open_at is not None and "\n" in text[seg_start:m]:
            # The open quote reached a paragraph break without closing.
            brk = text.index("\n", seg_start)
            between = text[brk:m]
            if role == "open" and between.strip() == "" and _ends_sentence(text, seg_start, brk):
                s, e = _trim(text, seg_start, brk)
                if e > s:
                    segments.append((s, e))
                seg_start = m + 1
                continue
            finish(None, _unclosed_end(text, seg_start, brk))
        if open_at is None:
            if role in ("open", "either"):
                open_at, seg_start, segments = m, m + 1, []
            continue
        if role == "open":
            if _ends_sentence(text, seg_start, m) and text[m - 1].isspace():
                # Paragraphs run together: `...end. "Next paragraph` continues the open quote.
                s, e = _trim(text, seg_start, m)
                segments.append((s, e))
                seg_start = m + 1
            elif _nested(text, marks, roles, idx):
                # `"He told me "no" and left," she said`: a quote inside the open one.
                skip = 1
            else:
                # The earlier mark was stray; this one opens the real quote.
                open_at, seg_start, segments = m, m + 1, []
            continue
        finish(m, m)
    if open_at is not None:
        finish(None, _unclosed_end(text, seg_start, len(text)))
    return quotes
