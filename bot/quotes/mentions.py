"""Noun phrases that can name a speaker, read off the writer's words around a cue.

A mention is what the article wrote (`Japanese Prime Minister Shigeru Ishiba`, `he`, `a
spokesperson for the ministry`); this module splits it into the name and the role, so that the
alias table can map every form to one person. There is no parser: news attributions are short and
formulaic, and a phrase is read from capitalisation, a few word lists and its prepositions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.quotes.lexicon import (
    DEMONYMS,
    FEMALE_NAMES,
    FEMALE_TITLES,
    FUNCTION_WORDS,
    HONORIFICS,
    MALE_NAMES,
    MALE_TITLES,
    NAME_PARTICLES,
    NATIONALITIES,
    ORG_WORDS,
    PRONOUNS,
    ROLE_NOUNS,
    SOURCE_NOUNS,
    SPEECH_NOUNS,
    SPEECH_VERBS,
    TITLES,
    WEEKDAYS_MONTHS,
    is_role_noun,
    words,
)
from bot.quotes.tokens import PUNCT, QUOTE, WORD, Item

PRONOUN = "pronoun"
NAME = "name"
COMMON = "common"

# Words that may open a phrase before its noun but are not part of it.
_LEADING = words(
    """as when but and then while although though because after before so yet meanwhile however
    also still since if once where with without whereas later finally instead meanwhile"""
)
_DETERMINERS = words(
    "the a an one two three four five some several many most all both his her its their our this "
    "that these those another each every any no"
)
# Prepositions that may join the parts of one noun phrase (`a spokesperson for the ministry`).
_NP_PREPS = words("of for at from by on in with")
# Lower-case words that end a noun phrase when read backwards from a verb.
_STOP = words("""
    that which who whom whose what where when why how and but or nor so yet if than then because
    while although though as is was were are be been being has have had do does did not no also
    to into onto upon about over under after before during since until against between through
    would will could should can may might must shall just only even still again too very
    there here it he she they we i you him them us me near outside inside behind beyond across
    around toward towards via per amid among like unlike
    """)
# Stop words that are also first names (`said Per Ekstrom`, `Will Hayes`, `May Chen`).
_FIRST_NAMES_TOO = words("per will may")
_OPENERS = FUNCTION_WORDS - _DETERMINERS - words("mr mrs ms dr he she it they we i you")
SPEAKING_NOUNS = SOURCE_NOUNS | SPEECH_NOUNS | ROLE_NOUNS | ORG_WORDS | words("one another")
_AGENT = re.compile(r"(?:[^aeiou]er|or|ist|ian|ant|ent|eer)s?$")
_NOT_AGENTS = (
    words(
        """together altogether whether rather other others another either neither further however
    never ever former latter later after under over cover silver winter summer number member
    percent moment government agent event content extent intent parent"""
    )
    - ROLE_NOUNS
)


def speaking_noun(noun: str) -> bool:
    """Nouns for people, bodies and texts, including agent nouns (`photographer`, `analyst`)."""
    if noun in SPEAKING_NOUNS:
        return True
    if len(noun) <= 4 or noun in _NOT_AGENTS or noun in FUNCTION_WORDS:
        return False
    return bool(_AGENT.search(noun))


# Lower-case nouns of a body named by the capitalised words before them (`the Solvanian government`).
_BODY_NOUNS = words(
    """government ministry party company council police army navy military team club union board
    committee department agency administration embassy parliament
    campaign group federation league"""
)

_TIME_WORDS = WEEKDAYS_MONTHS | words(
    "late early last this next on yesterday today morning afternoon evening night"
)
_POSSESSIVE = re.compile(r"['’]s?$")
_PARTY_STATE = re.compile(r"^[DRI]-[A-Z]")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&.]{1,9}$")


@dataclass(slots=True)
class Mention:
    """A phrase naming a possible speaker: its text as written and what it says about them."""

    text: str
    start: int
    end: int
    kind: str  # PRONOUN | NAME | COMMON
    name: tuple[str, ...] = ()  # name tokens without titles or possessive
    role: str = ""  # titles and role words written with the name
    gender: str = ""  # "m", "f", "p" (plural), "n" (thing) or "" when unknown
    org: bool = False
    head: str = ""  # head noun of a common phrase ("spokesperson")

    @property
    def can_speak(self) -> bool:
        """A description can speak if its noun names people, a body or a text (`months` cannot)."""
        return self.kind != COMMON or speaking_noun(self.head)


def strip_possessive(word: str) -> str:
    if word.endswith(("'s", "’s")):
        return word[:-2]
    if word.endswith(("s'", "s’")):
        return word[:-1]
    return word


def is_name_token(it: Item) -> bool:
    """A capitalised word that can be part of a name (`al-Amr` and `Secunia.com` too)."""
    if it.kind != WORD:
        return False
    t = it.text
    if t[:1].isupper():
        return True
    if "-" in t:
        head, _, tail = t.partition("-")
        return head in NAME_PARTICLES and tail[:1].isupper()
    return t.endswith((".com", ".org", ".net"))


def _title_like(word: str) -> bool:
    return strip_possessive(word).lower().rstrip(".") in TITLES or word.lower() in TITLES


def _nationality(word: str) -> bool:
    """`Japanese`, `Afghan`, `Swedish`, `U.S.`: adjectives before a title, part of the role."""
    w = word.rstrip(".")
    return (bool(re.search(r"(an|ese|ish|ic|i|ch)$", w)) and len(w) > 3) or "." in word


def without_honorifics(role: str) -> str:
    """`Head librarian Dr.` -> `Head librarian`: forms of address are dropped from a longer role
    (a role of only `Dr.` or `Mr.` stays, it is all the article says of the person)."""
    kept = [w for w in role.split() if w.lower() not in HONORIFICS]
    return " ".join(kept) if kept else role


def gender_of(name: Sequence[str], role: str) -> str:
    role_words = {w.lower() for w in role.split()}
    if role_words & MALE_TITLES:
        return "m"
    if role_words & FEMALE_TITLES:
        return "f"
    if len(name) >= 2:
        first = name[0].lower()
        if first in FEMALE_NAMES and first not in MALE_NAMES:
            return "f"
        if first in MALE_NAMES and first not in FEMALE_NAMES:
            return "m"
    return ""


def looks_org(words: Sequence[str]) -> bool:
    lows = [strip_possessive(w).lower().rstrip(".") for w in words]
    if any(w in ORG_WORDS for w in lows):
        return True
    return len(words) == 1 and bool(_ACRONYM.match(words[0]) or words[0].endswith((".com", ".org", ".net")))


def _split_given_name(run: list[str]) -> int:
    """Index where a person's name starts inside a longer capitalised run (`Washington Chris Gregoire`)."""
    if any(len(w) == 2 and w.endswith(".") for w in run[1:-1]):
        return max(0, len(run) - 3)  # `Taraji P. Henson`: given name, initial, surname
    for i, w in enumerate(run):
        low = w.lower()
        if i > 0 and (low in MALE_NAMES or low in FEMALE_NAMES):
            return i
    return max(0, len(run) - 2) if len(run) >= 3 else len(run) - 1


def _name_suffix(words: list[str]) -> int:
    """Start of the trailing run of name words (capitalised, not titles) in ``words``."""
    i = len(words)
    while i > 0:
        w = words[i - 1]
        low = w.lower()
        if w[:1].isupper() or ("-" in w and w.split("-")[-1][:1].isupper()):
            if (_title_like(w) or is_role_noun(low)) and i < len(words):
                break  # `Envoy Lars Ek`, `Coach Bram Velde`
            if _title_like(w) and i == len(words) and low.rstrip(".") in {"qc", "kc", "sc", "jr", "sr"}:
                i -= 1
                continue
            if _title_like(w):
                break
            i -= 1
        elif low in NAME_PARTICLES and i < len(words) and i > 1 and words[i - 2][:1].isupper():
            i -= 1
        else:
            break
    # Trailing honorifics (`Mark Tedeschi, QC`) were skipped above; drop leading particles.
    while i < len(words) and words[i].lower() in NAME_PARTICLES:
        i += 1
    return i


def analyse(items: Sequence[Item]) -> Mention | None:
    """Read a phrase (no commas inside) as a pronoun, a name with its role, or a common description.

    Attribution rules read the same phrase several times (a sentence's subject is also the
    subject of its cue verb), so the reading of a run of items (of one article: items are
    compared by identity) is kept.
    """
    if not items:
        return None
    return _analyse_run(tuple(items))


@lru_cache(maxsize=1024)
def _analyse_run(items: tuple[Item, ...]) -> Mention | None:
    return _analyse(items)


def clear_phrase_cache() -> None:
    _analyse_run.cache_clear()


def _plural_of_common(words: Sequence[Item]) -> bool:
    """A lone capitalised plural, then `of` and a lower-case noun phrase (`Relatives of the
    victims`); `Friends of the Earth` goes on in capitals and stays a name."""
    if len(words) < 3 or not words[0].is_cap or words[1].low != "of" or not words[0].low.endswith("s"):
        return False
    k = 3 if words[2].low in ("the", "a", "an") and len(words) > 3 else 2
    return not words[k].is_cap


def _analyse(items: Sequence[Item]) -> Mention | None:
    words = [it for it in items if it.kind in (WORD, QUOTE)]
    while words and words[0].kind == WORD and (words[0].low in _LEADING or words[0].low in _OPENERS):
        words = words[1:]
    while words and words[-1].kind == WORD and words[-1].low in _LEADING:
        words = words[:-1]
    # `A post late Saturday`: a time after the noun is not part of the speaker.
    if len(words) > 1 and words[-1].low in WEEKDAYS_MONTHS:
        while len(words) > 1 and words[-1].low in _TIME_WORDS:
            words = words[:-1]
    if not words or QUOTE in [w.kind for w in words]:
        return None
    start, end = words[0].start, words[-1].end
    toks = [w.text for w in words]
    text = " ".join(toks)
    if len(words) == 1 and strip_possessive(words[0].low) in PRONOUNS:  # `he`, `He's`
        low = strip_possessive(words[0].low)
        return Mention(words[0].text, start, end, PRONOUN, gender=PRONOUNS[low])
    if len(words) == 1 and _PARTY_STATE.match(toks[0]):
        return None  # `Sen. Tom Harkin, D-Iowa, said`: party and state, not a name
    if len(words) == 1 and words[0].low in ("one", "another"):
        return Mention(text, start, end, COMMON, role=words[0].low, head=words[0].low)  # `Another wrote`
    if len(words) > 1 and words[0].low in ("a", "an") and words[1].is_cap:
        # `a Democrat from the Valle district`, `an Estravan diplomat`: an indefinite phrase
        # describes someone; it never names them. (`a past Evangelista says` is another matter.)
        cut = next((i for i, w in enumerate(toks) if w in _NP_PREPS and i > 0), len(toks))
        return _describe(text, start, end, toks[:cut], toks[cut:])
    if _plural_of_common(words):
        # `Thousands of farmers`, `Relatives of the victims`: a crowd opening a sentence, no name
        return _describe(text, start, end, [toks[0].lower()], toks[1:])
    while len(words) > 1 and words[0].low in _DETERMINERS and words[0].low != "the" and words[1].is_cap:
        words = words[1:]  # `Both Clarkson and Hammond`
        toks = toks[1:]
        start = words[0].start
        text = " ".join(w.text for w in words)
    if (
        all(w.is_cap for w in words)
        and not any(_title_like(t) or is_role_noun(t.lower()) for t in toks[:-1])
        and not _title_like(toks[-1])
    ):
        # The common case, a bare capitalised name (`Ishiba`, `Elena Marsh`, `Microsoft`).
        owner = [k for k, t in enumerate(toks[:-1]) if _POSSESSIVE.search(t)]
        role = ""
        if owner:  # `Germany's Merkel`: the owner is a role, not part of the name
            role = " ".join(toks[: owner[-1] + 1])
            toks = toks[owner[-1] + 1 :]
        elif len(toks) >= 3 and _adjective_of_nation(toks[0]):
            role, toks = toks[0], toks[1:]  # `Italian Dominik Paris`
        name = tuple(strip_possessive(t) for t in toks)
        bare = name[0].lower().rstrip(".")
        if len(name) == 1 and (bare in SPEECH_VERBS or bare in FUNCTION_WORDS):
            return None  # `Calling the ban "unjust", ...`, `Both spoke after the meeting`
        if name[0] == "The" and len(name) > 1:
            name = name[1:]
        single = name[0].lower()
        if (
            len(name) == 1
            and not role
            and ((single in SOURCE_NOUNS and single not in ORG_WORDS) or nationality_noun(single))
        ):
            # `Officials at the course said`, `The Norwegian, who missed out, ...`: common nouns.
            return _describe(text, start, end, toks, [])
        if len(name) == 1 and name[0].lower() in WEEKDAYS_MONTHS:
            return None
        org = looks_org(name) and not _person_inside(toks)
        gender = "n" if org else gender_of(name, "")
        return Mention(text, start, end, NAME, name=name, role=role, gender=gender, org=org)
    # Split at the first preposition into the head part and its complements.
    cut = next((i for i, w in enumerate(toks) if w in _NP_PREPS and i > 0), len(toks))
    head, rest = toks[:cut], toks[cut:]
    plain = [w for w in toks if w.lower() not in _DETERMINERS]
    # An organisation named in full: capitalised words joined by `of`, `and`, `for`, `&`.
    caps_only = all(
        w[:1].isupper() or w in ("of", "and", "for", "&", "on", "the", "de") or w.lower() in _DETERMINERS
        for w in toks
    )
    # `Petra Lindahl of the University of Tarnbridge` is a person of an organisation: the part
    # before `of` must itself look like an organisation (`Royal College of ...`, `Ministry of ...`).
    titled_person = any(_title_like(t) and not looks_org([t]) for t in head[1:-1])  # `Army Sgt. Bo Berg`
    if (
        caps_only
        and looks_org(plain)
        and not _person_inside(head)
        and not titled_person
        and (looks_org(head) or head == toks)
    ):
        name = tuple(strip_possessive(w) for w in plain if w not in ("the",))
        if name and name[0] == "The":
            name = name[1:]
        return Mention(text, start, end, NAME, name=name, org=True, gender="n")
    k = _name_suffix(head)
    if k < len(head):
        name_words = head[k:]
        role_words = head[:k]
        if (
            len(name_words) >= 3
            and role_words
            and role_words[-1].lower() not in TITLES
            and not is_role_noun(role_words[-1].lower())  # `actress Taraji P. Henson`
        ):
            cut2 = _split_given_name(name_words)
            role_words, name_words = role_words + name_words[:cut2], name_words[cut2:]
        name = tuple(strip_possessive(w) for w in name_words)
        if rest and not role_words:
            affiliation = " ".join(rest)
            role = affiliation if affiliation[:3] in ("of ", "at ") or rest[0] in ("of", "at") else ""
        else:
            role = " ".join(role_words)
        org = looks_org(name) and not _person_inside(name_words)
        if name and name[0] in ("The", "the") and len(name) > 1:
            name = name[1:]
        if len(name) == 1 and name[0].lower() in WEEKDAYS_MONTHS:
            return None
        gender = "n" if org else gender_of(name, role)
        role = without_honorifics(role)
        return Mention(text, start, end, NAME, name=name, role=role.strip(), gender=gender, org=org)
    # Possessive owner of a document or site: `Cornyn's statement`, `PC World's recent analysis`.
    for i, w in enumerate(head):
        if _POSSESSIVE.search(w) and w[:1].isupper() and i + 1 < len(head) and not head[i + 1][:1].isupper():
            noun = head[-1].lower()
            if noun in ORG_WORDS or noun in ("officials", "authorities", "leaders", "forces"):
                # `Pakistan's government`: the body is named by the whole phrase.
                body = tuple(x for x in head if x.lower() not in ("the", "a", "an"))
                return Mention(text, start, end, NAME, name=body, org=True, gender="n")
            if not is_role_noun(noun) and noun not in TITLES:
                j = i
                while j > 0 and head[j - 1][:1].isupper() and not _title_like(head[j - 1]):
                    j -= 1
                owner_name = tuple(strip_possessive(x) for x in head[j : i + 1])
                return Mention(text, start, end, NAME, name=owner_name, org=looks_org(owner_name))
    # A role with the name in its complement: `Governor of Washington Chris Gregoire`.
    if rest and rest[0] == "of" and head and all(_title_like(w) or _nationality(w) for w in head):
        k2 = _name_suffix(rest)
        run = rest[k2:]
        if run and k2 < len(rest) and not looks_org(run):
            cut2 = _split_given_name(run) if k2 >= 1 else 0
            if len(run) >= 2:  # `Prime Minister of Singapore` names a place, not a person
                name_words = run[cut2:] if len(run) > 1 else run
                role = " ".join(head + rest[: len(rest) - len(name_words)])
                name = tuple(strip_possessive(w) for w in name_words)
                return Mention(text, start, end, NAME, name=name, role=role, gender=gender_of(name, role))
    return _describe(text, start, end, head, rest)


# Adjectives written after the noun they describe, before a preposition: `an official close to the
# talks`, `a source familiar with the plan`.
_POSTNOMINAL = words("familiar close responsible involved aware knowledgeable loyal opposed briefed")


def _describe(text: str, start: int, end: int, head: list[str], rest: list[str]) -> Mention | None:
    """A description: `one senior official`, `a spokesperson for the ministry`, `the company`."""
    nouns = [w for w in head if w.lower() not in _DETERMINERS]
    if not nouns and len(head) == 1 and head[0].lower() in ("one", "another"):
        nouns = head  # `"...," one said` / `read another`
    while len(nouns) > 1 and nouns[-1].lower() in _POSTNOMINAL and rest:
        nouns = nouns[:-1]  # `a city official familiar with the talks`: the official
    if not nouns:
        return None
    if (
        len(nouns) >= 2
        and nouns[-1] in _BODY_NOUNS
        and all(w[:1].isupper() and not _title_like(w) for w in nouns[:-1])
        and not rest
    ):
        # `the Solvanian government`, `the Labour party`: capitalised words name the body.
        return Mention(text, start, end, NAME, name=tuple(nouns), org=True, gender="n")
    noun = strip_possessive(nouns[-1]).lower()
    if noun in FUNCTION_WORDS or (noun in SPEECH_VERBS and noun not in SOURCE_NOUNS | SPEECH_NOUNS):
        return None
    gender = "p" if noun.endswith("s") and not noun.endswith("ss") and noun != "police" else ""
    if noun == "police":
        gender = "p"
    # The head noun tells the gender (`the spokeswoman`), not a modifier (`the best actress award`).
    if noun in MALE_TITLES:
        gender = "m"
    elif noun in FEMALE_TITLES:
        gender = "f"
    if noun in SPEECH_NOUNS:
        gender = "n"
    return Mention(text, start, end, COMMON, role=" ".join(nouns), gender=gender, head=noun)


def _adjective_of_nation(word: str) -> bool:
    return word.lower() in NATIONALITIES


def nationality_noun(low: str) -> bool:
    """`the Norwegian`, `the Italian`: a nationality used as a noun for a person (a closed list,
    since `Julian` and `Lillian` end the same way)."""
    return low in DEMONYMS or low in NATIONALITIES


def _person_inside(words: Sequence[str]) -> bool:
    return any(w.lower() in MALE_NAMES or w.lower() in FEMALE_NAMES for w in words[:-1]) and not any(
        w.lower() in ("of", "for") for w in words
    )


def _np_word(it: Item) -> bool:
    if it.kind != WORD:
        return False
    if it.is_cap and (it.low not in _STOP or it.low in _FIRST_NAMES_TOO):
        return True  # `Mira Tell`, `Nadia Post`, `Per Holm`: a capitalised word is a name, not a verb
    return it.low not in _STOP and it.low not in SPEECH_VERBS


def _verbish(it: Item) -> bool:
    """Lower-case words that are probably verbs or adverbs, where a subject phrase must end."""
    low = it.low
    if it.is_cap or is_role_noun(low) or low in SPEECH_NOUNS:
        return False
    return (
        low.endswith(("ed", "ly")) or (low.endswith("ing") and low not in ("king",)) or low in _IRREGULAR_PAST
    )


# Common past tenses without -ed: `The best actress award went to ...` ends its subject at `went`.
_IRREGULAR_PAST = words(
    """went came took gave got made won lost left met held began became saw found ran fell rose
    hit kept brought bought paid sent spent built stood sat thought felt knew grew drew flew
    threw broke chose drove spoke woke wore tore shook struck fought caught taught sought sold"""
)


def phrase_before(items: Sequence[Item], j: int, lo: int) -> list[Item]:
    """The noun phrase ending at index ``j`` (inclusive), not reaching before ``lo``."""
    out: list[Item] = []
    if j >= lo and items[j].kind == WORD and items[j].low in PRONOUNS:
        return [items[j]]
    i = j
    while i >= lo:
        it = items[i]
        if it.kind != WORD:
            break
        if it.low in _NP_PREPS:
            # Keep a preposition only between two parts of one phrase.
            if not out or i - 1 < lo or not _np_word(items[i - 1]) or _verbish(items[i - 1]):
                break
            out.append(it)
            i -= 1
            continue
        noun_after_det = it.low in SPEAKING_NOUNS and (
            not out or (i - 1 >= lo and items[i - 1].low in _DETERMINERS)
        )
        if (
            not _np_word(it)
            and not noun_after_det
            and not (it.low in ("and", "&") and out and out[-1].is_cap and i > lo and items[i - 1].is_cap)
        ):
            break
        if _verbish(it) and out:
            break
        if out and it.low in _DETERMINERS and it.low not in ("his", "her", "its", "their"):
            out.append(it)
            # A determiner opens the phrase unless a preposition joins it to an earlier part.
            if i - 1 >= lo and items[i - 1].kind == WORD and items[i - 1].low in _NP_PREPS:
                i -= 1
                continue
            break
        out.append(it)
        i -= 1
        if len(out) >= 14:
            break
    out.reverse()
    while out and out[0].low in _NP_PREPS:
        out = out[1:]
    return out


def phrase_after(items: Sequence[Item], i: int, hi: int) -> list[Item]:
    """The noun phrase starting at index ``i``, not reaching ``hi``."""
    out: list[Item] = []
    k = i
    seen_cap = False
    while k < hi:
        it = items[k]
        if it.kind != WORD:
            break
        low = it.low
        if low in PRONOUNS and not out:
            return [it]
        if low in _NP_PREPS:
            nxt = items[k + 1] if k + 1 < hi else None
            if not out or nxt is None or nxt.kind != WORD or (nxt.low in WEEKDAYS_MONTHS):
                break
            # After a name only `of` may continue (an organisation or affiliation).
            if seen_cap and out[-1].is_cap and low != "of":
                break
            if nxt.low in ("the", "a", "an") and k + 2 < hi and items[k + 2].low in WEEKDAYS_MONTHS:
                break
            out.append(it)
            k += 1
            continue
        if low in ("and", "&") and out and out[-1].is_cap and k + 1 < hi and items[k + 1].is_cap:
            out.append(it)
            k += 1
            continue
        if (
            out
            and out[-1].is_cap
            and out[-1].low not in FUNCTION_WORDS
            and out[-1].low not in _DETERMINERS
            and not it.is_cap
            and not is_role_noun(low)
            and low not in TITLES
            and low not in _BODY_NOUNS
            and not _POSSESSIVE.search(out[-1].text)
            and not _modifiers_then_name(items, k, hi)
        ):
            break  # `Harry Kane won the award`: a lower-case word after a name is its verb
        after_det = bool(out) and out[-1].low in _DETERMINERS
        if not (_np_word(it) or (after_det and it.kind == WORD and it.low not in _STOP)):
            break
        if _verbish(it) and out and not after_det:
            break
        if it.is_cap:
            seen_cap = True
        out.append(it)
        k += 1
        if len(out) >= 14:
            break
    while out and (out[-1].low in _NP_PREPS or out[-1].low in ("and", "&")):
        out.pop()
    return out


def _modifiers_then_name(items: Sequence[Item], k: int, hi: int) -> bool:
    """`Republican presidential front-runner Jeb Bush`: lower-case modifiers between a word and a name."""
    for t in range(k, min(hi, k + 3)):
        it = items[t]
        if it.kind != WORD:
            return False
        if it.is_cap:
            return t > k
        low = it.low
        if low in _STOP or low in _DETERMINERS or low in SPEECH_VERBS or _verbish(it):
            return False
        if low.endswith("s") and not is_role_noun(low):
            return False  # `Smith leads Jones`
    return False


def comma_chunks(items: Sequence[Item], lo: int, hi: int) -> list[tuple[int, int]]:
    """(start, end) index ranges of the comma-separated parts of items[lo:hi]."""
    chunks: list[tuple[int, int]] = []
    s = lo
    for k in range(lo, hi):
        if items[k].kind == PUNCT and items[k].text in ",;()":
            if k > s:
                chunks.append((s, k))
            s = k + 1
    if hi > s:
        chunks.append((s, hi))
    return chunks
