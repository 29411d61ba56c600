"""Domain values of quote extraction.

They are frozen so that an extraction can be cached, compared and shared between the
pipeline, the store and question answering without anyone mutating it behind the others' back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Quote:
    """One contiguous quoted span and who said it."""

    text: str  # the words between the marks; a multi-paragraph quote is joined by one space
    start: int  # offset of the first quoted character in the article text
    end: int  # offset just past the last quoted character
    speaker: str | None  # canonical name, the description of an unnamed source, or None
    speaker_mention: str | None  # the mention as written at the cue ("he", "Prime Minister Ishiba")
    cue: str | None  # "said", "told reporters", "according to", ...
    partial: bool  # a fragment inside the writer's own sentence
    named: bool  # False for unnamed sources ("a spokesperson") and unresolved speakers
    context: str  # the sentence around the quote
    lead: str = ""  # the writer's sentence introducing it ("Ruiz said her customers ..."), see leads.py


@dataclass(frozen=True)
class Speaker:
    """One speaker of an article with every way the article refers to them."""

    canonical: str
    aliases: tuple[str, ...]
    roles: tuple[str, ...]
    kind: str  # "person" | "organisation" | "unnamed"
    notes: tuple[str, ...] = ()  # what the writer says they are or did: "who led the trial" (see notes.py)


# A speaker's notes are stored with their roles and told apart by their first word.
NOTE_OPENERS = ("who ", "whose ")


def shown_role(roles: tuple[str, ...]) -> str | None:
    """The role to show next to a name: the first title or apposition, never a note."""
    for role in roles:
        if not role.lower().startswith(NOTE_OPENERS):
            return role
    return None


@dataclass(frozen=True)
class Extraction:
    quotes: tuple[Quote, ...]
    speakers: tuple[Speaker, ...]


def quote_to_json(q: Quote) -> dict[str, Any]:
    """The JSON shape of the CLI and of the evaluation files' predictions."""
    return {
        "text": q.text,
        "speaker": q.speaker,
        "speaker_mention": q.speaker_mention,
        "start": q.start,
        "end": q.end,
        "cue": q.cue,
        "partial": q.partial,
        "named": q.named,
    }
