"""The per-article alias table: every mention of a person or organisation mapped to one entity.

News writes a person's full name once and then shortens it (`Prime Minister Shigeru Ishiba`,
`Ishiba`, `Mr. Ishiba`, `the prime minister`). Quotes must carry one canonical name per person, so
that questions about "Ishiba" find every quote; the canonical form is the fullest name without
titles, and titles and appositions are kept as roles. The table lives for one article only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from bot.quotes.lexicon import HONORIFICS, ORG_WORDS, SOURCE_NOUNS, TITLES, words
from bot.quotes.mentions import COMMON, NAME, Mention
from bot.quotes.model import Speaker

PERSON = "person"
ORGANISATION = "organisation"
UNNAMED = "unnamed"

_LOWER_JOINERS = words("of and for the on de & in")


@dataclass
class Entity:
    """One speaker candidate while an article is read (mutable, local to one extraction)."""

    eid: int
    name: tuple[str, ...]
    kind: str
    gender: str = ""
    aliases: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    titled: bool = False
    # Bare surnames that mean someone else (`Miles's mother, Denise Miles`: `Miles` is not her).
    not_short: set[str] = field(default_factory=set)
    _folded: tuple[str, ...] = ()
    _folded_for: tuple[str, ...] | None = None

    @property
    def canonical(self) -> str:
        return " ".join(self.name)

    @property
    def folded(self) -> tuple[str, ...]:
        if self._folded_for is not self.name:
            self._folded = _fold(self.name)
            self._folded_for = self.name
        return self._folded

    def last_before(self, pos: int) -> int:
        best = -1
        for p in self.positions:
            if p <= pos and p > best:
                best = p
        return best

    def note(self, mention: Mention) -> None:
        if mention.text not in self.aliases:
            self.aliases.append(mention.text)
        role = mention.role.strip()
        if role and role.lower() not in (r.lower() for r in self.roles) and role.lower() != "the":
            self.roles.append(role)
        if mention.role:
            self.titled = True
        if mention.gender in ("m", "f") and not self.gender:
            self.gender = mention.gender
        self.positions.append(mention.start)


def _role_head(role: str) -> str:
    """`the president of Lorvania` -> `president`, `Foreign Minister` -> `minister`: the noun a
    later `the president` must match (`head of the jury` is not `the jury`)."""
    words = role.lower().split()
    for cut, w in enumerate(words):
        if w in ("of", "at", "for", "from", "in", "on") and cut > 0:
            words = words[:cut]
            break
    return words[-1].rstrip(".") if words else ""


# A role someone held before (`the founding prime minister`) is not `the prime minister` now.
_PAST_ROLE = words("former founding late ex then-")


def _same_time(role: str, text: str) -> bool:
    """`the prime minister` means the one in office, not `the former prime minister`."""
    past = _PAST_ROLE.intersection(role.lower().split())
    return not past or bool(past.intersection(text.lower().split()))


def is_definite(mention: Mention) -> bool:
    words = mention.text.lower().split()
    return bool(words) and words[0] in ("the", "this", "that", "its", "his", "her", "their")


def _initials(name: tuple[str, ...]) -> str:
    return "".join(w[0] for w in name if w[:1].isupper() and w not in _LOWER_JOINERS)


@lru_cache(maxsize=4096)
def _fold(words: tuple[str, ...]) -> tuple[str, ...]:
    """Name words compared without case or full stops (a name is looked up many times)."""
    return tuple([w.lower().rstrip(".") for w in words])


def clear_name_cache() -> None:
    _fold.cache_clear()


def _contains(f: tuple[str, ...], s: tuple[str, ...]) -> bool:
    """`s` is a shortened form of `f` (both folded): its words are in `f`, ending or starting it alike."""
    if not s or len(s) >= len(f) or not set(s) <= set(f):
        return False
    return s[-1] == f[-1] or s[0] == f[0] or len(s) == 1


class AliasTable:
    """Entities of one article, found from their mentions in reading order."""

    def __init__(self) -> None:
        self.entities: list[Entity] = []
        self._by_word: dict[str, list[Entity]] = {}  # folded name word -> named entities
        # folded full name -> entities that had it (an entity's name can grow: check it still has)
        self._by_name: dict[tuple[str, ...], list[Entity]] = {}

    def _index(self, ent: Entity) -> None:
        for w in ent.folded:
            bucket = self._by_word.setdefault(w, [])
            if ent not in bucket:
                bucket.append(ent)
        same = self._by_name.setdefault(ent.folded, [])
        if ent not in same:
            same.append(ent)

    def _sharing(self, folded: tuple[str, ...]) -> list[Entity]:
        seen: dict[int, Entity] = {}
        for w in folded:
            for e in self._by_word.get(w, ()):
                seen.setdefault(e.eid, e)
        return [seen[k] for k in sorted(seen)]

    def _new(self, name: tuple[str, ...], kind: str, mention: Mention) -> Entity:
        ent = Entity(len(self.entities), name, kind)
        ent.note(mention)
        self.entities.append(ent)
        self._index(ent)
        return ent

    def _candidates(self, name: tuple[str, ...]) -> list[Entity]:
        folded = _fold(name)
        # Most mentions repeat a name already seen whole: look that up before any partial match.
        exact = [e for e in self._by_name.get(folded, ()) if e.folded == folded]
        if exact:
            if len(exact) > 1:
                exact.sort(key=lambda e: e.eid)
            return exact
        named = self._sharing(folded)
        longer = [e for e in named if _contains(e.folded, folded)]
        if longer:
            # Prefer a surname match over a given-name match (`Mohamed` -> `Ahmed Mohamed`).
            by_last = [e for e in longer if e.folded[-1] == folded[-1]]
            return by_last or longer
        if len(name) == 1 and name[0].isupper() and len(name[0]) >= 2:
            return [e for e in self.entities if e.kind == ORGANISATION and _initials(e.name) == name[0]]
        return []

    def add_name(self, mention: Mention, prefer: Entity | None = None) -> Entity:
        """Register a NAME mention (first pass, longest names first) and return its entity.

        ``prefer``: who spoke last, when the mention names the speaker of the next quote."""
        cands = self._candidates(mention.name)
        if len(mention.name) == 1 and cands:
            short = _fold(mention.name)[0]
            cands = [e for e in cands if short not in e.not_short]
        if cands:
            ent = self._pick(cands, mention, prefer) if len(cands) > 1 else cands[0]
            ent.note(mention)
            if mention.org:
                ent.kind = ORGANISATION
            return ent
        full = _fold(mention.name)
        shorter = [e for e in self._sharing(full) if _contains(full, e.folded)]
        if len(shorter) == 1:
            ent = shorter[0]
            ent.name = mention.name
            self._index(ent)
            ent.note(mention)
            return ent
        return self._new(mention.name, ORGANISATION if mention.org else PERSON, mention)

    @staticmethod
    def _pick(cands: list[Entity], mention: Mention, prefer: Entity | None) -> Entity:
        """Several full names share the words of a short one (`Ana Brel`, `Marta Brel`, then `Brel`).

        News calls the person the story is about by the bare surname and relatives by their given
        names, so the short form keeps going to whoever it went to first, and a new short form goes
        to the first of them introduced before it. Nobody introduced before: the most mentioned.
        A form of address with a gender (`Mr`, `Mrs`) picks among those of that gender first, and
        a quote's `Brel said` goes on with the one who spoke last if they are one of them."""
        text = mention.text
        if mention.gender in ("m", "f"):
            # `Mr Brel`, `Mrs Brel`: the form of address tells which of them.
            cands = (
                [e for e in cands if e.gender == mention.gender]
                or [e for e in cands if not e.gender]
                or cands
            )
            if len(cands) == 1:
                return cands[0]
        if prefer is not None and prefer in cands:
            return prefer
        before = [e for e in cands if e.last_before(mention.start) >= 0]
        if not before:
            return max(cands, key=lambda e: (e.last_before(mention.start), len(e.positions)))
        used = [e for e in before if text in e.aliases]
        if used:
            return max(used, key=lambda e: e.last_before(mention.start))
        return min(before, key=lambda e: min(e.positions))

    def resolve(self, mention: Mention, pos: int, prefer: Entity | None = None) -> Entity | None:
        """The entity a NAME or COMMON mention stands for (pronouns are the caller's business)."""
        if mention.kind == NAME:
            return self.add_name(mention, prefer)
        if mention.kind != COMMON:
            return None
        head = mention.head
        definite = is_definite(mention)
        best = self.by_role(mention, pos)
        if best is not None:
            best.note(mention)
            return best
        for e in reversed(self.entities):
            if e.kind == UNNAMED and e.roles and e.roles[0].split()[-1:] == [head] and (
                definite or e.canonical.lower() == mention.text.lower()
            ):
                e.note(mention)
                return e
        ent = Entity(len(self.entities), (mention.text,), UNNAMED, gender=mention.gender)
        ent.aliases.append(mention.text)
        ent.roles.append(head)
        ent.positions.append(mention.start)
        self.entities.append(ent)
        return ent

    def by_role(self, mention: Mention, pos: int) -> Entity | None:
        """`the prime minister`, `the ministry`: the named entity last seen with that role."""
        head = mention.head
        if not is_definite(mention) or not (head in TITLES or head in ORG_WORDS or head in SOURCE_NOUNS):
            return None
        best: Entity | None = None
        best_pos = -1
        for e in self.entities:
            if e.kind == UNNAMED:
                continue
            hit = any(_role_head(r) == head and _same_time(r, mention.text) for r in e.roles) or (
                e.kind == ORGANISATION and head in (w.lower() for w in e.name)
            )
            p = e.last_before(pos)
            if hit and p > best_pos:
                best, best_pos = e, p
        return best

    def speakers(self, ids: list[int]) -> tuple[Speaker, ...]:
        out = []
        for eid in ids:
            e = self.entities[eid]
            if e.kind == UNNAMED:
                out.append(Speaker(e.canonical, tuple(e.aliases), (), UNNAMED))
                continue
            aliases = tuple(dict.fromkeys([*e.aliases, e.canonical]))
            # A form of address alone (`Dr.`) says less than a role found elsewhere: it goes last.
            roles = sorted(e.roles, key=lambda r: r.lower() in HONORIFICS)
            out.append(Speaker(e.canonical, aliases, tuple(roles), e.kind))
        return tuple(out)
