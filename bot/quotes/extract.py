"""Quote extraction: spans, then speech or not, then who speaks, sentence by sentence.

The article is read in order because attribution depends on what came before: a pronoun points
back to the subject of an earlier sentence, and a quote with no cue continues the last speaker.
Each decision is a small rule with its own unit test; see the sibling modules for the rules.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from bot.quotes.aliases import ORGANISATION, PERSON, UNNAMED, AliasTable, Entity
from bot.quotes.cues import Attribution, describing_cue_before, left_attribution, right_attribution
from bot.quotes.lexicon import (
    FUNCTION_WORDS,
    HONORIFICS,
    NAMING_VERBS,
    NEWSMAKER_NOUNS,
    ORG_WORDS,
    SPEECH_NOUNS,
    SPEECH_VERBS,
    TITLES,
    WEEKDAYS_MONTHS,
    is_role_noun,
    words,
)
from bot.quotes.mentions import (
    COMMON,
    NAME,
    PRONOUN,
    Mention,
    analyse,
    is_name_token,
    nationality_noun,
    phrase_after,
    speaking_noun,
    strip_possessive,
)
from bot.quotes.model import Extraction, Quote
from bot.quotes.spans import RawQuote, find_quote_spans
from bot.quotes.tokens import (
    PUNCT,
    QUOTE,
    WORD,
    Item,
    Sentence,
    build_items,
    quote_windows,
    raw_sentence_starts,
    split_sentences,
)

log = logging.getLogger(__name__)

_ANY_MARK = re.compile('["“”„«»]')
_TERMINAL = re.compile(r"[.?!…][)\]’']*$")
# Words that may open a report in the writer's words (checked against every word).
_SPEECH_CLUES = SPEECH_VERBS | SPEECH_NOUNS | {"according"}
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SMALL = words("a an the of and or for to in on at by with from as is vs vs. de la")
_PREPOSITIONS = words("on in at of for from by with about into onto via")
_SCARE = frozenset(("so-called", "term", "word", "phrase", "slogan", "hashtag", "motto", "words"))
_LOOKBACK = 2
_LEAD = 1
_SUBJECT_PRONOUNS = words("he she it they we i")
# Verbs that give something a name; with `the` right before the quote the quote is that name.
_NAME_GIVING = words("call calls called calling name names named dub dubs dubbed nickname nicknamed")
_TERM_NOUNS = words("phrase term word label nickname slogan expression moniker epithet catchphrase motto")
_PRONOUN_GENDER = {"he": "m", "his": "m", "him": "m", "himself": "m", "she": "f", "her": "f", "herself": "f"}
_POSSESSIVE_END = re.compile(r"['’]s?$")
_NAME_JOINERS = words("of de al bin van von la le da du del &")
_TIME_NOUNS = words(
    "days weeks months years times day week month year time moment point night morning evening afternoon"
)
_DET_START = words("the a an one some two three several many most this that these those his her its their")
_CLAUSE_OPENERS = words(
    """in on at after before during while when since despite following according with without for
    from by to under over through although though because if yesterday today last this asked
    speaking writing having given unlike amid among like outside inside near behind beyond across
    around toward towards later earlier afterwards once upon"""
)
_RELATIVES = words("who whom whose which where that")
# Words opening a comma-enclosed insert that comes before the subject (`..., as fans demanded, he`).
_INSERTS = _CLAUSE_OPENERS | words("as including especially not even")
_CLAUSE_JOINERS = words(", ; and but so that")
_QUESTION_VERBS = words("asked asks pressed questioned quizzed challenged")
_CLEAR_WIN = 0.5
_SURE = 0.9  # a subject of this or the last sentence, or someone named earlier in this one
_CARRY_ON = words("and but also")
# `known as "X"`, `posting as "X"`: what follows `as` is a name or a handle.
_AS_NAME_VERBS = NAMING_VERBS | words(
    """known posting posts posted writing going goes went signing signed registered trading
    performing performs operating listed"""
)
# Who calls a thing by a name, between the verb and `as` (`known among traders as`).
_NAMED_BY = words("among to by in within across around")
_PASSIVE_AUX = words("is are was were be been being")
_KIN = words(
    """mother father son daughter wife husband brother sister parents parent grandmother grandfather
    grandson granddaughter uncle aunt cousin niece nephew widow widower stepmother stepfather twin
    sibling mother-in-law father-in-law"""
)
_DESCRIBED = re.compile(r",\s+who\b")
_ONE_OF = ("one ", "a ", "an ", "another ")
_DEFINITE = ("the ", "that ", "this ")
_CITING = words("citing quoting cited quoted according from")
_ISSUING = words("issued released published posted put sent wrote statement")
_QUESTION_ITEMS = 30  # an interviewer's question is short
_INTERVIEW_PRONOUNS = words("you your he she him her")
_APPOSITION_OPENERS = words("a an the his her their its")
# Plain reporting verbs: `..., Alexander said.` makes the speaker the main clause's subject.
_REPORTING = words(
    "said says told tells added adds wrote writes explained explains noted notes stated states"
)
_NOT_AFTER_POSSESSIVE = words("to that whether if about into on up down out off back")
# How likely a person of unknown gender is `he` or `she` in news copy, and how far back to look.
_UNKNOWN_GENDER_ODDS = {"m": 0.7, "f": 0.3}
_SPOKE_BONUS = 0.25
_DECAY = 0.55
_PERSON_DEPTH = 3
_FAR_DEPTH = 12


@dataclass
class _SentenceInfo:
    """What later sentences need to know about an earlier one."""

    subject: Entity | None = None
    speech_subject: Entity | None = None  # subject of a speech verb or noun outside quotes
    speakers: list[Entity] = field(default_factory=list)
    mentions: list[tuple[int, Entity]] = field(default_factory=list)  # (offset, entity)
    addressee: Entity | None = None  # `The prosecutor asked Pugliese ...`: who is to answer


@dataclass
class _Found:
    raw: RawQuote
    sentence: int
    entity: Entity | None
    mention: str | None
    cue: str | None
    partial: bool


def _is_title_case(text: str) -> bool:
    words = _first_words(text, 9)
    if not words or len(words) > 8:
        return False
    content = [w for w in words if w.lower() not in _SMALL]
    return bool(content) and all(w[:1].isupper() or w[:1].isdigit() for w in content)


@lru_cache(maxsize=1024)
def _first_words(text: str, n: int) -> tuple[str, ...]:
    """The first ``n`` words: rules ask whether a quote is short (several rules, the same quote),
    and quotes can be long."""
    out: list[str] = []
    for m in _WORD.finditer(text):
        out.append(m.group())
        if len(out) == n:
            break
    return tuple(out)


def clear_word_cache() -> None:
    _first_words.cache_clear()


def _word_count(text: str, most: int = 10) -> int:
    """Words in ``text``, counted up to ``most`` (enough for every rule's `short quote` test)."""
    return len(_first_words(text, most))


def _speaker_names_it(items: tuple[Item, ...], v: int) -> bool:
    """`promised what she called "every crown we have"`: a subject right before the naming verb
    means someone used these words, unlike `a dog called "Biscuit"` (a participle naming a thing)."""
    if v < 1:
        return False
    before = items[v - 1]
    if before.kind == WORD and before.low in _SUBJECT_PRONOUNS:
        return True
    for j in range(v - 1, max(-1, v - 6), -1):
        it = items[j]
        if it.kind != WORD:
            return False
        if it.low in ("what", "which"):
            return j < v - 1
    return False


def _named_as(items: tuple[Item, ...], j: int) -> bool:
    """`known as "X"`, `known among traders as "X"`, `known locally as "X"`: the words after `as`
    are a name. A short phrase saying to whom (a preposition and up to three words, or an adverb)
    may stand between the verb and `as`; `described the signing as` describes (a determiner before
    the verb makes it a noun)."""
    for v in range(j - 1, max(-1, j - 6), -1):
        it = items[v]
        if it.kind != WORD:
            return False
        if it.low in _AS_NAME_VERBS:
            if v > 0 and items[v - 1].low in _DET_START:
                return False
            if v == j - 1:
                return True
            gap = items[v + 1].low
            return gap in _NAMED_BY or (gap.endswith("ly") and v + 2 == j)
        if it.low in SPEECH_VERBS:
            return False
    return False


def _habitual_name(items: tuple[Item, ...], v: int) -> bool:
    """`what scientists call a "heat dome"`, `what is called a "dead zone"`: a present-tense naming
    verb after a generic plural, or a passive one, gives the usual name of a thing. A named or
    pronoun subject (`what Lee calls a "farce"`, `what he called a "farce"`) uses the words."""
    if v < 1 or items[v].kind != WORD:
        return False
    verb = items[v].low
    before = items[v - 1]
    if before.kind != WORD:
        return False
    if verb in ("call", "calls"):
        return not before.is_cap and before.low.endswith("s") and before.low not in _SUBJECT_PRONOUNS
    if verb == "called":
        return before.low in _PASSIVE_AUX or before.low.endswith(("'s", "’s"))
    return False


def _term_apposition(items: tuple[Item, ...], k: int) -> bool:
    """`labelled it "difficult second novel," a phrase she finds funny`: the writer says it is a term."""
    j = k + 1
    if j < len(items) and items[j].kind == PUNCT and items[j].text == ",":
        j += 1
    if j + 1 >= len(items) or items[j].low not in ("a", "an", "the"):
        return False
    if items[j + 1].low not in _TERM_NOUNS:
        return False
    # `"...," the slogan read` reports the words; `"...," a phrase she finds funny` names them.
    return not (j + 2 < len(items) and items[j + 2].low in SPEECH_VERBS)


def _apposed_role(items: tuple[Item, ...], j: int, org: bool = False) -> Mention | None:
    """`, a nurse who ...` / `, the club's captain,` right after a name: a description of them
    (of a body: `, the operators' association,`)."""
    if j + 2 >= len(items) or items[j].text != "," or items[j + 1].low not in _APPOSITION_OPENERS:
        return None
    phrase = phrase_after(items, j + 1, len(items))
    m = analyse(phrase) if phrase else None
    if (
        m is None
        or m.kind != COMMON
        or (m.head not in ORG_WORDS if org else not is_role_noun(m.head))
        or m.gender == "p"
    ):
        return None
    return m


def _bare_role(text: str) -> str:
    """`the president of Lorvania` -> `president of Lorvania`, `Its chair` -> `chair`: the role
    without the article or possessive determiner that introduced it."""
    first, _, rest = text.partition(" ")
    return rest if rest and first.lower() in _APPOSITION_OPENERS else text


def _preposed_role(items: tuple[Item, ...], b: int, cut: int, org: bool = False) -> Mention | None:
    """`The festival director, NAME,` / `Its chair, NAME, warned`: a role set before a full name
    between commas (or the name ends the sentence: `said the finance minister, NAME.`).

    A role ending in a capitalised word is left alone: in `The mayor of Rochester, Michigan,` the
    words after the comma complete a place, they name no one."""
    if (
        b < 3
        or cut - b < 1
        or items[b - 1].text != ","
        or (items[b - 2].is_cap and not _owned_title(items, b))
    ):
        return None
    if cut < len(items) and items[cut].text not in (",", ".", ";", ")"):
        return None  # `After meeting the coach, NAME said`: no apposition
    o = b - 2
    while o >= 0 and b - 2 - o < 8 and items[o].kind == WORD and not _opens_role(items, o):
        o -= 1
    while o > 0 and items[o].low == "the" and items[o - 1].low in ("at", "of", "for"):
        # `A spokesman at the Ministry of Health`: that `the` opens the body, not the role
        o -= 1
        while o >= 0 and b - 2 - o < 8 and items[o].kind == WORD and not _opens_role(items, o):
            o -= 1
    if o < 0 or items[o].kind != WORD or not _opens_role(items, o) or o == b - 2:
        return None
    if cut - b < 2 and items[o].low not in ("his", "her", "their"):
        return None  # a lone name only after an owned role: `His wife, Morag,`
    phrase = list(items[o : b - 1])
    if items[o].low not in _APPOSITION_OPENERS:
        # `Denmark's foreign minister, NAME,`: the owner is part of the role, and the phrase
        # reader stops at it
        m = analyse(phrase[1:])
        if (
            m is None
            or m.kind != COMMON
            or m.gender == "p"
            or (not is_role_noun(m.head) and m.head not in TITLES)
        ):
            return None
        return replace(m, text=" ".join(it.text for it in phrase), start=phrase[0].start)
    read = phrase_after(items, o, b - 1)
    if read != phrase and not _noun_tail(phrase, len(read)):
        return None
    m = analyse(phrase)
    if m is None or m.kind != COMMON or (m.gender == "p" and not org):
        return None
    if org:
        return m if m.head in ORG_WORDS else None
    if not is_role_noun(m.head) and (m.head not in TITLES or m.head in HONORIFICS):
        return None
    return m


def _noun_tail(phrase: list[Item], k: int) -> bool:
    """`The chair of the NSW Farmers grains committee`: the phrase reader stops after the capitals
    (a lower-case word after a name is usually its verb), but lower-case nouns up to the comma
    still belong to the phrase when none of them can be a verb or a function word."""
    tail = phrase[k:]
    return (
        k >= 2
        and phrase[k - 1].is_cap
        and all(
            it.kind == WORD
            and not it.is_cap
            and it.low not in FUNCTION_WORDS
            and it.low not in SPEECH_VERBS
            and not it.low.endswith(("ed", "ing", "ly"))
            for it in tail
        )
    )


def _inverted_subject(items: tuple[Item, ...], i: int) -> Mention | None:
    """`Among them was Joan Pritchard, 88, who ...`: a place phrase, a form of `be`, then a full
    name; the name is the sentence's subject (and a `she said` next is hers)."""
    if i >= len(items) or items[i].low not in _INVERSION_OPENERS:
        return None
    for k in range(i + 1, min(len(items) - 1, i + 6)):
        if items[k].kind != WORD:
            return None
        if items[k].low in ("was", "were", "is", "are"):
            phrase = phrase_after(items, k + 1, len(items))
            m = analyse(phrase) if phrase else None
            return m if m is not None and m.kind == NAME and len(m.name) >= 2 else None
    return None


_INVERSION_OPENERS = words("among amongst also joining inside outside")


def _age_after(items: tuple[Item, ...], j: int) -> str | None:
    """`NAME, 81,`: the age between commas right after a name, as a role ('81-year-old')."""
    if j + 2 >= len(items) or items[j].text != "," or items[j + 2].text != ",":
        return None
    age = items[j + 1].text
    if not age.isdigit() or not 0 < int(age) < 120:
        return None
    return f"{age}-year-old"


def _reported_self(items: tuple[Item, ...]) -> str:
    """`One victim, ..., said she had transferred £8,500`: the pronoun right after the verb of
    saying is the one who said it, and tells an unnamed source's gender ("" when none does)."""
    for v in range(1, len(items) - 1):
        if items[v].low in _REPORTING and items[v + 1].low in ("he", "she"):
            return "m" if items[v + 1].low == "he" else "f"
    return ""


def _owned_title(items: tuple[Item, ...], b: int) -> bool:
    """`Indonesia's Minister for Maritime Affairs, NAME`, `Her editor at Fenwick Press, NAME`: a
    role owned by a place or a person, or one held at a body, may end in capitals (a place's name
    after a role cannot, as in `The mayor of Rochester, Michigan,`)."""
    for o in range(b - 3, max(-1, b - 9), -1):
        if items[o].kind != WORD:
            return False
        if items[o].low == "at" and not items[o].is_cap:
            nxt = o + 2 if items[o + 1].low == "the" else o + 1
            return nxt < b - 1 and items[nxt].is_cap
        if items[o].low in _OWNERS:
            return True
        if _opens_role(items, o) and items[o].low not in _APPOSITION_OPENERS:
            return items[o + 1].low in TITLES
    return False


_OWNERS = words("his her their its")


def _opens_role(items: tuple[Item, ...], o: int) -> bool:
    """An article or possessive determiner, or a place or body's possessive opening a sentence
    or clause (`Denmark's foreign minister`, `the club's captain` is read from `the`)."""
    it = items[o]
    if it.low in _APPOSITION_OPENERS:
        return True
    return (
        it.is_cap
        and _POSSESSIVE_END.search(it.text) is not None
        and (o == 0 or items[o - 1].kind != WORD or items[o - 1].low in ("and", "but", "while"))
    )


def _owned_role_then_given_name(items: tuple[Item, ...], i: int, end: int, role: Mention) -> bool:
    """`His wife, Morag, remembers`: after an owned role (`his`, `her`, `their` and a person noun)
    a lone name between commas is that person (no place follows `his wife,`)."""
    return (
        items[i].low in ("his", "her", "their")
        and is_role_noun(role.head)
        and end < len(items)
        and items[end].text == ","
    )


def _relative_of(items: tuple[Item, ...], b: int, m: Mention) -> str | None:
    """`Miles's mother, Denise Miles,`: a relative named after the one whose surname they share.
    The bare surname (folded) then means the other person, never this one."""
    if b < 3 or len(m.name) < 2 or items[b - 1].text != "," or items[b - 2].low not in _KIN:
        return None
    owner = items[b - 3]
    if owner.kind != WORD or not owner.is_cap or not _POSSESSIVE_END.search(owner.text):
        return None
    surname = m.name[-1].lower().rstrip(".")
    return surname if strip_possessive(owner.low) == surname else None


_PARENTHETICAL = re.compile(r"[^\W\d][\w.'’ -]*,\s*")
_AGE = re.compile(r"^\d{1,3}-year-old$")


def _newsmaker(m: Mention) -> bool:
    """`the actress`, `the former champion`, `the 34-year-old`: a definite, singular description of
    someone news is about (not `the man` or `the officer`, who are often never named)."""
    words = m.text.lower().split()
    if not words or words[0] != "the" or m.gender == "p":
        return False
    return m.head in NEWSMAKER_NOUNS or bool(_AGE.match(m.head)) or nationality_noun(m.head)


def _after_dateline(items: tuple[Item, ...]) -> int:
    """Index past a dateline opening the text: `(CNN)`, `LONDON, England (CNN) --`, `PARIS (AP) —`."""
    for k in range(min(len(items), 8)):
        it = items[k]
        if it.kind == PUNCT and it.text == ")":
            if k >= 2 and items[k - 2].text == "(" and items[k - 1].text.isupper():
                j = k + 1
                while j < len(items) and items[j].kind == PUNCT and items[j].text in "-—–":
                    j += 1
                return j
            return 0
        if it.kind == WORD and not it.is_cap:
            return 0
    return 0


def _trailing_speaker(items: tuple[Item, ...]) -> Mention | None:
    """The speaker of a sentence ending in `, NAME said.` with no quote: its main-clause subject."""
    n = len(items)
    last_comma = -1
    for k in range(n - 1, max(0, n - 9), -1):
        it = items[k]
        if it.text == ",":
            last_comma = k
            break
    if last_comma < 2:
        return None
    tail = items[last_comma + 1 :]
    if not any(it.low in _REPORTING for it in tail) or any(it.kind == QUOTE for it in items):
        return None
    v = next((k for k, it in enumerate(tail) if it.kind == WORD and it.low in _REPORTING), None)
    if v is None or v == 0:
        return None  # `..., said he would stay` is no attribution
    if any(it.kind == WORD and (it.low in _PRONOUN_GENDER or it.low == "that") for it in tail[v + 1 :]):
        return None
    att = right_attribution(items, last_comma - 1, n)
    return att.mention if att is not None else None


def _can_speak(ent: Entity | None) -> bool:
    """People and bodies speak; `The fear` or `Items` do not."""
    if ent is None:
        return False
    return ent.kind != UNNAMED or (bool(ent.roles) and speaking_noun(ent.roles[0]))


class _Reader:
    """One pass over one article (state lives here, never in module globals)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.raw = find_quote_spans(text)
        self.starts = raw_sentence_starts(text)
        self.windows = quote_windows(text, self.raw, self.starts, back=_LOOKBACK + 1, ahead=1, lead=_LEAD)
        self.items = build_items(text, self.raw, self.windows)
        self.sentences = split_sentences(text, self.items, frozenset(lo for lo, _ in self.windows))
        self.table = AliasTable()
        self._lower_words: set[str] | None = None
        self._mid_cap_words: set[str] | None = None
        self.info: list[_SentenceInfo] = [_SentenceInfo() for _ in self.sentences]
        # Sentences that attribution may read: those with a quote and the few before them.
        self.near: list[bool] = [False] * len(self.sentences)
        lead_end = self.starts[_LEAD] if len(self.starts) > _LEAD else len(text)
        for si, sent in enumerate(self.sentences):
            if sent.has_quote:
                for back in range(max(0, si - _LOOKBACK), si + 1):
                    self.near[back] = True
            elif sent.start < lead_end:
                self.near[si] = True  # the lead: where full names are introduced
        self.found: list[_Found] = []
        self.last_speaker: Entity | None = None
        self.spoke: set[int] = set()  # entities that were cue subjects: people or bodies

    # -- names ---------------------------------------------------------------------------------

    def _name_start(self, sent: Sentence, i: int) -> bool:
        it = sent.items[i]
        if not is_name_token(it):
            return False
        low = strip_possessive(it.low)
        if low in FUNCTION_WORDS or low in WEEKDAYS_MONTHS:
            return False  # `He's`, `Whoever`
        first = i == 0 or (sent.items[i - 1].kind in (PUNCT, QUOTE) and sent.items[i - 1].text in '—:"(')
        if not first:
            return True
        if self._used_lower(low):
            return False
        # A lone capitalised word opening a sentence (`Others`, `Items`) is a name only if the
        # article also capitalises it mid-sentence.
        nxt = sent.items[i + 1] if i + 1 < len(sent.items) else None
        if low.rstrip(".") in TITLES:
            return True  # `Secretary of State John Kerry stressed ...`
        return (nxt is not None and is_name_token(nxt)) or low in self._mid_caps()

    def _mid_caps(self) -> set[str]:
        if self._mid_cap_words is None:
            self._mid_cap_words = {
                strip_possessive(it.low)
                for s in self.sentences
                for k, it in enumerate(s.items)
                if k > 0
                and it.is_cap
                and (s.items[k - 1].kind == WORD or s.items[k - 1].text in ",;(")  # `His son, Mark Roe`
            }
        return self._mid_cap_words

    def _used_lower(self, low: str) -> bool:
        """Whether the word also appears in lower case: then sentence-initially it is no name."""
        if self._lower_words is None:
            self._lower_words = {it.low for it in self.items if it.kind == WORD and not it.is_cap}
        return low in self._lower_words

    def harvest_names(self, sentences: list[tuple[int, Sentence]], wanted: set[str] | None = None) -> None:
        """Register capitalised names with their titles, longest first, in the alias table.

        The first pass reads the sentences near quotes. Sentences far from any quote are read at
        the end, and only for names that contain a speaker's name (`Shigeru Ishiba` for a quoted
        `Ishiba`), so that canonical names are the fullest while most of the article is skipped.
        """
        found: list[tuple[int, Mention]] = []
        parsed: dict[tuple[str, ...], Mention | None] = {}
        appositions: dict[int, Mention] = {}
        ages: dict[int, str] = {}  # `Whitfield, 81,` -> '81-year-old'
        relatives: dict[int, str] = {}  # `Miles's mother, Denise Miles`: start -> the other `miles`
        for si, sent in sentences:
            items = sent.items
            i = 0
            while i < len(items):
                if not items[i].is_cap or not self._name_start(sent, i):
                    i += 1
                    continue
                # Extend back over titles/roles glued to the name (`Prime Minister`, `coach`).
                b = i
                while b > 0 and items[b - 1].kind == WORD:
                    if self._role_word(items[b - 1]):
                        b -= 1
                    elif b > 1 and items[b - 1].low == "of" and items[b - 2].low in TITLES:
                        b -= 2  # `Governor of Washington Chris Gregoire`
                    else:
                        break
                cut = i
                while cut < len(items):
                    w = items[cut]
                    if cut > i and _POSSESSIVE_END.search(items[cut - 1].text):
                        break  # `South Korea's Liberation Day`: the owner ends the name
                    if is_name_token(w) or (
                        w.kind == WORD
                        and w.low in _NAME_JOINERS
                        and cut + 1 < len(items)
                        and is_name_token(items[cut + 1])
                    ):
                        cut += 1
                        continue
                    break
                if wanted is not None and (
                    cut - b < 2 or not any(strip_possessive(it.low) in wanted for it in items[i:cut])
                ):
                    i = max(cut, i + 1)
                    continue
                key = tuple(it.text for it in items[b:cut])
                if key in parsed:
                    known = parsed[key]
                    m = (
                        None
                        if known is None
                        else replace(known, start=items[b].start, end=items[cut - 1].end)
                    )
                else:
                    m = parsed[key] = analyse(items[b:cut])
                if m is not None and m.kind == NAME and m.name:
                    found.append((si, m))
                    after = cut
                    age = None if m.org else _age_after(items, cut)
                    if age is not None:
                        ages[m.start] = age
                        after = cut + 2  # `Dolores Whitfield, 81, a retired nurse,`
                    role = _apposed_role(items, after, m.org) or _preposed_role(items, b, cut, m.org)
                    if role is not None:
                        appositions[m.start] = role
                    kin = None if m.org else _relative_of(items, b, m)
                    if kin is not None:
                        relatives[m.start] = kin
                i = max(cut, i + 1)
        for si, m in sorted(found, key=lambda x: -len(x[1].name)):
            ent = self.table.add_name(m)
            if m.start in relatives:
                ent.not_short.add(relatives[m.start])
            if si >= 0:
                self.info[si].mentions.append((m.start, ent))
            role = appositions.get(m.start)
            if role is not None and ent.kind == ORGANISATION:
                # `The operators' association, Rotterdam Terminal Group,`: `the association` later
                bare = _bare_role(role.text)
                if bare.lower() not in (r.lower() for r in ent.roles):
                    ent.roles.append(bare)
            elif role is not None and ent.kind == PERSON:
                # `Amina Yusuf, a nurse who ...`: a person, and `the nurse` later means her.
                bare = _bare_role(role.text)
                if bare.lower() not in (r.lower() for r in ent.roles):
                    ent.roles.append(bare)
                ent.titled = True
                if role.gender in ("m", "f") and not ent.gender:
                    ent.gender = role.gender
            if m.start in ages and ent.kind == PERSON and ages[m.start] not in ent.roles:
                # "what did the 81-year-old say?": news names people by their age (after any role)
                ent.roles.append(ages[m.start])
        for inf in self.info:
            inf.mentions.sort(key=lambda x: x[0])

    @staticmethod
    def _role_word(it: Item) -> bool:
        low = it.low.rstrip(".")
        return low in TITLES or is_role_noun(low) or (it.is_cap and low.endswith(("an", "ese", "ish")))

    # -- subjects and pronouns -----------------------------------------------------------------

    def sentence_subject(self, si: int) -> Mention | None:
        items = self.sentences[si].items
        trailing = _trailing_speaker(items)
        if trailing is not None:
            return trailing  # `The man charged at him, Alexander said.`: the main clause's subject
        i = _after_dateline(items)
        while i < len(items) and items[i].kind == WORD and items[i].low in ("but", "and", "yet", "so"):
            i += 1
        if (
            i + 1 < len(items)
            and items[i + 1].text == ","
            and items[i].kind == WORD
            and (items[i].low in FUNCTION_WORDS or (items[i].low.endswith("ly") and not items[i].is_cap))
        ):
            i += 2  # `Still, Gabbana has dropped hints`: a sentence adverb before the subject
        if i < len(items) and items[i].kind == QUOTE:
            return None
        inverted = _inverted_subject(items, i)
        if inverted is not None:
            return inverted
        first = items[i] if i < len(items) else None
        opener = (
            first is not None
            and first.kind == WORD
            and (
                first.low in _CLAUSE_OPENERS
                or (
                    first.low.endswith(("ing", "ed"))
                    and first.low not in _DET_START
                    and not self._modifies_a_name(items, i + 1)
                )
            )
        )
        if opener:
            # `After the match, X ...`, `Raised in Turin, X ...`: the subject follows the comma,
            # past any relative clause (`When asked about Drozd, who called it "a farce," she ...`).
            start = next(
                (
                    k + 1
                    for k in range(i, min(len(items) - 1, i + 40))
                    if self._comma_at(items[k])
                    and not (
                        items[k + 1].kind == WORD
                        and (
                            items[k + 1].low in _RELATIVES
                            or items[k + 1].low in _INSERTS
                            # `I met Amina Yusuf, a nurse who ...`: an apposition, not the subject
                            or (items[k + 1].low in ("a", "an") and is_name_token(items[k - 1]))
                        )
                    )
                ),
                None,
            )
            if start is None:
                return None
            i = start
        phrase = phrase_after(items, i, len(items))
        m = analyse(phrase) if phrase else None
        j = i + len(phrase)
        if m is not None and m.kind == COMMON:
            # `A resident of Kilbride village, Seamus Rourke, 70, said`: the apposed name speaks.
            while (
                j < min(len(items), i + len(phrase) + 4)
                and items[j].kind == WORD
                and (items[j].low not in SPEECH_VERBS and not items[j].low.endswith(("ed", "ly")))
            ):
                j += 1
        if m is not None and m.kind == COMMON and j + 1 < len(items) and items[j].text == ",":
            nxt = phrase_after(items, j + 1, len(items))
            m2 = analyse(nxt) if nxt else None
            if (
                m2 is not None
                and m2.kind == NAME
                and not m2.org
                and (len(m2.name) >= 2 or _owned_role_then_given_name(items, i, j + 1 + len(nxt), m))
            ):
                return m2  # not `The mayor of Rochester, Michigan,`: a place
        time_first = m is not None and m.kind == COMMON and m.head in _TIME_NOUNS
        if time_first and j < len(items) and items[j].text == ",":
            # `These days, Fatiya is busy`: a time phrase before the subject.
            phrase = phrase_after(items, j + 1, len(items))
            m = analyse(phrase) if phrase else None
        lone = m is not None and m.kind == NAME and len(m.name) == 1 and not m.role
        if m is not None and lone and phrase[0].start == m.start:
            k = next((k for k, it in enumerate(items) if it.start == m.start), -1)
            if k == 0 and not self._name_start(self.sentences[si], 0):
                return None  # `Victory in the final was ...`: a common word opening the sentence
        return m

    @staticmethod
    def _modifies_a_name(items: tuple[Item, ...], j: int) -> bool:
        """`Presiding judge Nino Abashidze said`, `Retired teacher Ann Roe`: the -ing or -ed word
        is an adjective of the subject (a role or a name follows), not a clause opener."""
        if j >= len(items) or items[j].kind != WORD:
            return False
        nxt = items[j]
        return nxt.is_cap or nxt.low.rstrip(".") in TITLES or is_role_noun(nxt.low)

    def _comma_at(self, it: Item) -> bool:
        """A comma of the writer, or one inside the marks of a quote (`"a farce," she said`)."""
        if it.kind == QUOTE:
            close = self.raw[it.qi].close_mark
            return close is not None and self.text[close - 1] == ","
        return it.kind == PUNCT and it.text == ","

    def resolve(self, m: Mention | None, si: int, pos: int, prefer: Entity | None = None) -> Entity | None:
        if m is None:
            return None
        if m.kind == PRONOUN:
            return self.resolve_pronoun(m, si, pos)
        if (
            m.kind == COMMON
            and m.text.lower() in ("one", "another")
            # `One, who runs a cafe, said`: the writer describes someone new, not one of the last.
            and not _DESCRIBED.match(self.text, m.end)
        ):
            group = self.one_of(si, pos)
            if group is not None:
                return group
        if m.kind == COMMON and _newsmaker(m) and self.table.by_role(m, pos) is None:
            # `the Spaniard said`, `the 22-year-old said`: a definite description of a person
            # points back to someone already named, the likeliest one as for a pronoun.
            gender = m.gender if m.gender in ("m", "f") else ""
            person = self._resolve_person(gender, si, self._here(si, pos), named_only=True)
            if person is not None and person.kind == PERSON:
                person.note(m)
                return person
        if (
            m.kind == COMMON
            and m.head in SPEECH_NOUNS
            and m.text.lower().startswith(_DEFINITE)
            # Not `the post by an unknown author` or `the anonymous email`, which say whose.
            and (len(m.text.split()) == 2 or m.text.lower().split()[1] in ("press", "news", "joint"))
        ):
            author = self.author_of(m.head, si)
            if author is not None:
                return author
        return self.table.resolve(m, pos, prefer)

    def author_of(self, noun: str, si: int) -> Entity | None:
        """`Berg said in a press release ... "...," the release stated`: the document's author."""
        for back in range(si - 1, max(-1, si - 4), -1):
            items = self.sentences[back].items
            hit = next((n for n, it in enumerate(items) if it.kind == WORD and it.low == noun), -1)
            if hit < 0:
                continue
            before = items[max(0, hit - 4) : hit]
            if any(it.low in _CITING for it in before):
                return None  # `Tass reported, citing a Defense Ministry statement`: not Tass's
            if not any(it.low in SPEECH_VERBS or it.low in _ISSUING for it in before):
                return None  # `received a link in an email`: the email is somebody else's
            prev = self.info[back]
            if prev.speech_subject is not None:
                return prev.speech_subject  # `X issued a statement saying ...`: X
            return prev.speakers[-1] if prev.speakers else None
        return None

    def one_of(self, si: int, pos: int) -> Entity | None:
        """`"...," one said. "...," read another.`: one of the unnamed people just described.

        The group is the last unnamed person who spoke (`one user posted ... Another wrote`), else
        a people noun just before (`student after student streamed by`) makes `one student`.
        """
        last = self.last_speaker
        if last is not None and last.kind == UNNAMED and last.canonical.lower().startswith(_ONE_OF):
            return last
        for back in (si, si - 1):
            if back < 0:
                break
            for it in reversed(self.sentences[back].items):
                if it.start >= pos or it.kind != WORD or it.is_cap:
                    continue
                noun = it.low[:-1] if it.low.endswith("s") and is_role_noun(it.low[:-1]) else it.low
                if is_role_noun(noun) and noun not in TITLES:
                    text = f"one {noun}"
                    return self.table.resolve(Mention(text, pos, pos, COMMON, role=noun, head=noun), pos)
        return None

    @staticmethod
    def _agrees(ent: Entity, gender: str) -> bool:
        if gender in ("m", "f"):
            return ent.kind == PERSON and ent.gender in ("", gender)
        if not _can_speak(ent):
            return False
        if gender == "n":
            return ent.kind in (ORGANISATION, UNNAMED)
        if gender == "p":
            return ent.kind == ORGANISATION or ent.gender == "p"
        return True

    def _here(self, si: int, pos: int) -> list[Entity]:
        """Entities of sentence ``si`` before offset ``pos``: its subject, then its mentions."""
        info = self.info[si]
        # `Livni, he said, has denounced ...`: the name before a parenthetical `he said` is what
        # is reported on, never the one reporting.
        told_of = {e.eid for p, e in info.mentions if p < pos and _PARENTHETICAL.fullmatch(self.text, p, pos)}
        here: list[Entity] = []
        subject = info.subject
        if (
            subject is not None
            and subject.positions
            and min(subject.positions) < pos
            and subject.eid not in told_of
        ):
            here.append(subject)
        here += [e for p, e in info.mentions if p < pos and e.eid not in told_of]
        return here

    def resolve_pronoun(self, m: Mention, si: int, pos: int) -> Entity | None:
        """Nearest agreeing antecedent: this sentence, then the subjects of earlier sentences."""
        gender = m.gender
        if gender == "x":
            return None
        levels: list[list[Entity]] = []
        here = self._here(si, pos)
        levels.append(here)
        for back in range(si - 1, max(-1, si - 4), -1):
            prev = self.info[back]
            level = [prev.subject] if prev.subject is not None else []
            level += prev.speakers
            level += [e for _, e in prev.mentions]
            levels.append(level)
        if self.last_speaker is not None:
            levels.append([self.last_speaker])
        person = gender in ("m", "f")
        if person:
            return self._resolve_person(gender, si, levels[0])
        for depth, level in enumerate(levels):
            agreeing = [e for e in level if self._agrees(e, gender)]
            if person:
                # People show themselves by a gender, a title or speaking; an earlier sentence's
                # subject is trusted as it is (`Fatiya is busy. "...," she says.`).
                subject = None if depth == 0 or depth >= len(levels) else self.info[si - depth].subject
                agreeing = [
                    e
                    for e in agreeing
                    if e.gender or e.titled or e.eid in self.spoke or (e is subject and e.kind == PERSON)
                ]
            if agreeing:
                subject = self.info[si - depth].subject if 0 < depth <= si else None
                return min(agreeing, key=lambda e: self._rank(e, depth, subject, gender))
        for level in levels[1:]:
            agreeing = [e for e in level if self._agrees(e, gender)]
            if agreeing:
                return agreeing[0]
        if gender == "p" and si > 0:
            return self.later_clause_subject(si - 1)
        return None

    def later_clause_subject(self, si: int) -> Entity | None:
        """`X sold the diner, but the new owners kept it going. They said ...`: the people who
        are the subject of a later clause of the last sentence (only its first is its subject)."""
        items = self.sentences[si].items
        for k in range(len(items) - 3, 0, -1):
            if items[k].text != "," or items[k + 1].low not in ("but", "and", "while"):
                continue
            phrase = phrase_after(items, k + 2, len(items))
            m = analyse(phrase) if phrase else None
            end = k + 2 + len(phrase)
            if (
                m is not None
                and m.kind == COMMON
                and m.gender == "p"
                and m.text.lower().startswith(_DEFINITE)
                and end < len(items)
                and items[end].kind == WORD
                and speaking_noun(m.head.rstrip("s"))
            ):
                return self.table.resolve(m, m.start)
        return None

    def _resolve_person(
        self, gender: str, si: int, here: list[Entity], named_only: bool = False
    ) -> Entity | None:
        # A description (`the 34-year-old`) re-introduces whoever was just named, subject or not;
        # a pronoun prefers the last subject and people already quoted.
        """`he`/`she`: the likeliest agreeing person by salience times gender agreement.

        Salience falls with distance and is highest for a sentence's subject, then for someone
        quoted, then for a passing mention. A person of unknown gender agrees only with the odds of
        news copy (most people named are men), so a known woman two sentences back beats a subject
        of unknown gender for `she`, while `he` still goes to the subject of the last sentence.
        """
        scores: dict[int, tuple[float, Entity]] = {}

        def consider(e: Entity, salience: float, is_subject: bool, reported: bool = False) -> None:
            if gender and e.gender not in ("", gender):
                return
            if e.kind == UNNAMED:
                # `The woman, who asked not to be named, said ...`, `A senior aide resigned`.
                if named_only or not e.roles or not (e.gender or is_role_noun(e.roles[0])):
                    return
            elif e.kind != PERSON:
                return
            if e.gender or not gender or reported:
                agree = 1.0
            elif e.titled or e.eid in self.spoke or is_subject:
                agree = _UNKNOWN_GENDER_ODDS[gender]
            else:
                return  # a capitalised word nobody showed to be a person
            if e.eid in self.spoke and not is_subject and not named_only:
                salience += _SPOKE_BONUS  # someone quoted beats a passing mention, not a subject
            score = salience * agree
            if score > scores.get(e.eid, (0.0, e))[0]:
                scores[e.eid] = (score, e)

        info = self.info[si]
        for e in here:
            # Earlier in the same sentence beats the last sentence's subject, gender aside
            # (`Mourinho admitted ...: "...," he told Sky Sports`).
            consider(e, 2.0 if e is info.subject else 1.6, e is info.subject)
        for depth in range(1, _PERSON_DEPTH + 1):
            back = si - depth
            if back < 0:
                break
            prev = self.info[back]
            decay = _DECAY ** (depth - 1)
            if prev.subject is not None:
                consider(prev.subject, decay, True)
            if prev.speech_subject is not None:
                # `X said Y did it. "...," he said`: the one reporting, over what is reported.
                # Right after in the same paragraph, `Coach Ann Roe said her side ... "...," she
                # said` is the named subject who reported, whatever the odds of an unknown gender.
                reported = (
                    depth == 1
                    and prev.speech_subject is prev.subject
                    and len(prev.speech_subject.name) >= 2
                    and self.sentences[back].paragraph == self.sentences[si].paragraph
                )
                consider(prev.speech_subject, 1.1 * decay, True, reported)
            if prev.addressee is not None and depth == 1:
                consider(prev.addressee, 1.2, True)  # the one just asked answers
            for e in prev.speakers:
                consider(e, 0.7 * decay, False)
            for _, e in prev.mentions:
                consider(e, (0.9 if named_only else 0.35) * decay, False)
        if self.last_speaker is not None:
            consider(self.last_speaker, 0.1, False)
        if scores:
            ranked = sorted(scores.values(), key=lambda x: -x[0])
            best_score, best = ranked[0]
            clear = len(ranked) == 1 or ranked[1][0] < _CLEAR_WIN * best_score
            if gender and not best.gender and clear and best_score >= _SURE:
                # A clear antecedent of `she` is a woman from now on, so a later `he` is not her.
                best.gender = gender
            return best
        # Nobody near showed themselves a person: any agreeing name near will do.
        for depth in range(1, _PERSON_DEPTH + 1):
            if si - depth < 0:
                break
            prev = self.info[si - depth]
            near = ([prev.subject] if prev.subject is not None else []) + [e for _, e in prev.mentions]
            for e in near:
                if e.kind == PERSON and (not gender or e.gender in ("", gender)) and not named_only:
                    return e
        # Nobody near agrees: the last subject or speaker known to have this gender.
        for back in range(si - _PERSON_DEPTH - 1, max(-1, si - _FAR_DEPTH), -1):
            prev = self.info[back]
            for e in ([prev.subject] if prev.subject is not None else []) + prev.speakers:
                if e.kind == PERSON and e.gender == gender:
                    return e
        # Nobody at all: in a profile or an interview the person the lead is about.
        lead = self.info[0].subject if self.info else None
        if (
            not named_only
            and lead is not None
            and lead.kind == PERSON
            and len(lead.name) >= 2
            and lead.gender in ("", gender)
        ):
            return lead
        return None

    def _rank(self, e: Entity, depth: int, subject: Entity | None, gender: str) -> int:
        """In earlier sentences the subject, then someone already quoted, beat a passing mention."""
        if depth > 0 and e is subject:
            return 0
        if depth > 0 and e.eid in self.spoke:
            return 1
        return 2 if gender in ("m", "f") and e.gender == gender else 3

    def note_gender(self, si: int, subject: Mention, ent: Entity) -> None:
        """`Fatiya ... Now she runs her own business`: the first he/she after a name tells its gender."""
        if ent.gender or ent.kind != PERSON:
            return
        others = {  # other people only: `was convicted by the City Court. He ...` is still about ent
            p
            for k in (si, si + 1)
            if k < len(self.info)
            for p, e in self.info[k].mentions
            if e is not ent and e.kind == PERSON
        }
        # Only a pronoun in subject place tells: `asked her why she ...` is about someone else.
        here = [it for it in self.sentences[si].items if it.start >= subject.end]
        nxt = list(self.sentences[si + 1].items[:3]) if si + 1 < len(self.sentences) else []
        prev: Item | None = None
        words = here[:40] + nxt
        for n, it in enumerate(words):
            if it.start in others:
                return  # someone else is mentioned first: the pronoun may be theirs
            if it.kind == WORD and it.low in _PRONOUN_GENDER:
                after = words[n + 1] if n + 1 < len(words) else None
                reporting = after is not None and after.low in SPEECH_VERBS  # `Livni, he said,`
                tells = (
                    it in nxt
                    or (
                        it.low in ("he", "she")
                        and prev is not None
                        and prev.low in _CLAUSE_JOINERS
                        and not reporting
                    )
                    or (
                        # `said her usual journey`, `played his last match`: a possessive before a noun.
                        it.low in ("his", "her")
                        and after is not None
                        and after.kind == WORD
                        and after.low not in FUNCTION_WORDS
                        and after.low not in _NOT_AFTER_POSSESSIVE
                    )
                )
                if tells:
                    ent.gender = _PRONOUN_GENDER[it.low]
                return
            prev = it

    # -- speech or not -------------------------------------------------------------------------

    def _prev_word(self, items: tuple[Item, ...], k: int) -> Item | None:
        return items[k - 1] if k > 0 else None

    def is_not_speech(self, items: tuple[Item, ...], k: int, att: Attribution | None) -> bool:
        """Scare quotes, titles, names and terms: quoted words that nobody says."""
        q = items[k]
        prev = self._prev_word(items, k)
        prev2 = items[k - 2] if k > 1 else None
        if prev is not None and prev.kind == WORD:
            if prev.low in _SCARE or (prev.low == "called" and prev2 is not None and prev2.low == "so"):
                return True
            if (
                prev.low in NAMING_VERBS
                and not describing_cue_before(items, k, 0)
                and not _speaker_names_it(items, k - 1)
            ):
                return True
            j = k - 1
            while j > 0 and items[j].kind == WORD and items[j].low in ("a", "an", "the"):
                j -= 1
            if items[j].low == "as" and j > 0 and _named_as(items, j):
                return True  # `known as a "least weasel"`, `posting as "kettle_black"`
            if prev.low == "the" and items[j].low in _NAME_GIVING and _word_count(q.text) <= 4:
                return True  # `which farmers call the "ice whistler"`: the article belongs to the name
            if prev.low in ("a", "an") and _habitual_name(items, j) and _word_count(q.text) <= 4:
                return True  # `in what scientists call a "heat dome"`: a term in general use
        nxt = items[k + 1] if k + 1 < len(items) else None
        if nxt is not None and nxt.low in ("word", "words", "term", "phrase", "label", "slogan"):
            return True  # `the "b" word`
        if _term_apposition(items, k):
            return True
        title = _is_title_case(q.text) and (
            not _TERMINAL.search(q.text) or _word_count(q.text) <= 2 or q.text.rstrip()[-1:] == "."
        )
        if title:
            # Only a cue right next to it makes capitalised words speech (`said: "Stop Now."`).
            tight = att is not None and (
                (att.side == "right" and k == 0)
                or (
                    att.side == "left"
                    and prev is not None
                    and prev.kind == PUNCT
                    and prev.text in ",:"
                    and any(it.low in SPEECH_VERBS for it in items[max(0, k - 4) : k])
                )
            )
            if not tight:
                return True
        # `says on "The Daily Countdown"`: the object of a preposition is a name, not speech.
        return (
            prev is not None
            and prev.kind == WORD
            and prev.low in _PREPOSITIONS
            and _word_count(q.text) <= 6
            and q.text[:1].isupper()
        )

    # -- the pass ------------------------------------------------------------------------------

    def run(self) -> Extraction:
        if not self.raw:
            return Extraction((), ())
        self.harvest_names([(si, s) for si, s in enumerate(self.sentences) if self.near[si]])
        for si, sent in enumerate(self.sentences):
            if not self.near[si]:
                continue
            info = self.info[si]
            subj = self.sentence_subject(si)
            if subj is not None and subj.kind != PRONOUN:
                info.subject = self.resolve(subj, si, subj.start)
                if info.subject is not None and subj.kind == NAME:
                    self.note_gender(si, subj, info.subject)
            elif subj is not None:
                info.subject = self.resolve_pronoun(subj, si, subj.start)
            self.read_sentence(si, sent)
            speech = self.speech_subject(si, sent)
            if speech is not None:
                info.speech_subject = speech
                if not speech.gender and speech.kind == UNNAMED:
                    speech.gender = _reported_self(sent.items)
            info.addressee = self.addressee(si, sent)
        return self.build()

    def addressee(self, si: int, sent: Sentence) -> Entity | None:
        """The person asked in `X asked Y whether ...`: the next `"No," he said` is Y's answer."""
        items = sent.items
        for v in range(len(items) - 1):
            it = items[v]
            if it.kind == QUOTE:
                return None
            if it.kind != WORD or it.low not in _QUESTION_VERBS:
                continue
            obj = items[v + 1]
            if obj.kind == WORD and obj.low in ("him", "her"):
                here = [e for e in self._here(si, obj.start) if e is not self.info[si].subject]
                found = self._resolve_person(_PRONOUN_GENDER[obj.low], si, here)
                return None if found is self.info[si].subject else found
            if obj.is_cap:
                m = analyse(phrase_after(items, v + 1, len(items)))
                if m is not None and m.kind == NAME and not m.org:
                    return self.table.resolve(m, m.start)
            return None
        return None

    def speech_subject(self, si: int, sent: Sentence) -> Entity | None:
        """Subject of a speech verb or noun in the writer's words (`Heald noted ...`)."""
        items = sent.items
        for v, it in enumerate(items):
            if it.low not in _SPEECH_CLUES or it.kind != WORD:
                continue
            if (
                0 < v < len(items) - 1
                and items[v - 1].low in ("who", "which")
                and items[v + 1].low in ("not", "to")
            ):
                continue  # `a teacher who asked not to be named, said`: no speech of theirs
            if it.low == "according" and v + 2 < len(items) and items[v + 1].low == "to":
                # `The mistake, according to Degani, was in the method`: Degani said so.
                source = analyse(phrase_after(items, v + 2, len(items)))
                if source is not None and source.kind == NAME:
                    return self.resolve(source, si, source.start)
            if it.low in SPEECH_VERBS or it.low in SPEECH_NOUNS:
                att = left_attribution(items, v + 1, 0) if it.low in SPEECH_VERBS else None
                if att is not None and att.mention is not None:
                    return self.resolve(att.mention, si, att.mention.start)
                return self.info[si].subject
        return None

    def read_sentence(self, si: int, sent: Sentence) -> None:
        if not sent.has_quote:
            return
        items = sent.items
        first = len(self.found)  # this sentence's quotes are the ones found from here on
        qks = [k for k, it in enumerate(items) if it.kind == QUOTE]
        info = self.info[si]
        pending: list[tuple[int, Attribution | None]] = []
        for n, k in enumerate(qks):
            lo = qks[n - 1] + 1 if n > 0 else 0
            hi = qks[n + 1] if n + 1 < len(qks) else len(items)
            initial = all(it.kind == PUNCT for it in items[lo:k]) and (n == 0 or lo > 0)
            att: Attribution | None
            raw = self.raw[items[k].qi]
            comma_inside = raw.close_mark is not None and self.text[raw.close_mark - 1] == ","
            after_comma = comma_inside or (
                k + 1 < hi and items[k + 1].kind == PUNCT and items[k + 1].text in ",—–"
            )
            if initial or after_comma:
                # `"...," X said` binds the quote to the reporting clause right after it.
                att = right_attribution(items, k, hi) or left_attribution(items, k, lo if initial else 0)
            else:
                att = left_attribution(items, k, 0) or right_attribution(items, k, hi)
            if self.is_not_speech(items, k, att):
                continue
            if att is None:
                opening = all(it.kind == PUNCT or it.kind == QUOTE for it in items[:k])
                if not (opening or self._reported_speech_goes_on(si, items)):
                    continue
                if _word_count(items[k].text) < 2:
                    continue
            pending.append((k, att))
        for k, att in pending:
            ent: Entity | None = None
            mention: str | None = None
            cue: str | None = None
            if att is not None:
                cue = att.cue
                if att.needs_subject:
                    ent = info.subject if _can_speak(info.subject) else None
                    mention = None
                elif att.mention is not None and att.side == "left" and not att.mention.can_speak:
                    # `but months of pressure later described him as "..."`: the clause subject.
                    ent = info.subject if _can_speak(info.subject) else None
                elif att.mention is not None:
                    ent = self.resolve(att.mention, si, att.mention.start, self.last_speaker)
                    mention = att.mention.text
                    bare = _bare_role(att.role) if att.role and not att.role.isdigit() else ""
                    if (
                        ent is not None
                        and bare
                        and bare.lower() not in (r.lower() for r in ent.roles)
                        and ent.kind != UNNAMED
                    ):
                        ent.roles.append(bare)
            q = items[k]
            prev = items[k - 1] if k > 0 else None
            partial = bool(re.match(r"\W*[a-z]", q.text)) or (
                prev is not None
                and prev.kind == WORD
                and prev.low not in SPEECH_VERBS
                and not prev.is_cap
                and _word_count(q.text) <= 8
            )
            self.found.append(_Found(self.raw[q.qi], si, ent, mention, cue, partial))
            if ent is not None:
                info.speakers.append(ent)
        # Quotes with no speaker: the other half of a split quote, else the speaker continues.
        mine = self.found[first:]
        for f in mine:
            if f.entity is None:
                same = next((g.entity for g in mine if g.entity is not None), None)
                f.entity = same or self.interviewee(si) or self.inherited(si)
                if f.entity is not None and f.entity not in info.speakers:
                    info.speakers.append(f.entity)
        for f in mine:
            if f.entity is not None:
                self.last_speaker = f.entity
                self.spoke.add(f.entity.eid)

    def _reported_speech_goes_on(self, si: int, items: tuple[Item, ...]) -> bool:
        """`The report says that "...". And Thailand "did not pay much attention,"`: a sentence
        opening with `And`/`But`/`Also` right after reported speech carries on reporting it."""
        if si == 0 or not items or items[0].kind != WORD or items[0].low not in _CARRY_ON:
            return False
        prev = self.info[si - 1]
        return bool(prev.speakers) and self.sentences[si - 1].paragraph == self.sentences[si].paragraph

    def interviewee(self, si: int) -> Entity | None:
        """An interview written as questions and answers: `What surprised you most?` alone in a
        paragraph, then the answer in quotes with no attribution. The answer is the interviewee's
        (the person last named before the question: `We spoke to the study's lead author, Dr
        Camila Herrera`), not whoever spoke last in the story."""
        if si == 0:
            return None
        cur, prev = self.sentences[si], self.sentences[si - 1]
        if prev.paragraph == cur.paragraph or prev.has_quote or self.text[prev.end : cur.start].strip():
            return None
        if not prev.items or prev.items[-1].text != "?" or len(prev.items) > _QUESTION_ITEMS:
            return None
        asks_them = any(it.low in _INTERVIEW_PRONOUNS for it in prev.items)
        if si >= 2 and self.sentences[si - 2].paragraph == prev.paragraph and not asks_them:
            # a question ending a paragraph of the writer's is an interviewer's line only when
            # it asks someone (`Business groups have argued ... Did she accept that?`)
            return None
        best: Entity | None = None
        best_key = (False, -1)
        for e in self.table.entities:
            if e.kind == PERSON:
                # someone titled or known by gender ('Dr Camila Herrera', 'she') over a bare name
                key = (e.titled or bool(e.gender), e.last_before(prev.start))
                if key[1] >= 0 and key > best_key:
                    best, best_key = e, key
        return best

    def inherited(self, si: int) -> Entity | None:
        for back in range(si - 1, max(-1, si - 3), -1):
            prev = self.info[back]
            if prev.speakers:
                return prev.speakers[-1]
            if prev.speech_subject is not None:
                return prev.speech_subject
        return self.last_speaker

    # -- output --------------------------------------------------------------------------------

    def far_sentences(self, names: set[str]) -> list[Sentence]:
        """Sentences outside the read windows that mention one of ``names``."""
        out: list[Sentence] = []
        if not names:
            return out
        starts = self.starts
        w = 0
        for k, lo in enumerate(starts):
            hi = starts[k + 1] if k + 1 < len(starts) else len(self.text)
            while w < len(self.windows) and self.windows[w][1] <= lo:
                w += 1
            if w < len(self.windows) and self.windows[w][0] < hi:
                continue  # read already, inside a window
            chunk = self.text[lo:hi]
            if any(n in chunk for n in names):
                items = build_items(self.text, [], [(lo, hi)])
                if items:
                    out.append(Sentence(tuple(items), lo, hi, -1, False))
        return out

    def build(self) -> Extraction:
        names = {
            w
            for f in self.found
            if f.entity is not None and f.entity.kind != UNNAMED
            for w in f.entity.name
            if len(w) > 1
        }
        far = self.far_sentences(names)
        # and those inside a window that attribution did not need (`Stan Kowalski, 71, has farmed
        # ...` three sentences before `"...," Stan said`)
        far += [
            sent
            for si, sent in enumerate(self.sentences)
            if not self.near[si] and any(n in self.text[sent.start : sent.end] for n in names)
        ]
        if far:
            self.harvest_names([(-1, s) for s in far], wanted={w.lower() for w in names})
        quotes: list[Quote] = []
        used: list[int] = []
        for f in self.found:
            ent = f.entity
            speaker = ent.canonical if ent is not None else None
            named = ent is not None and ent.kind != UNNAMED
            if ent is not None and ent.eid not in used:
                used.append(ent.eid)
            sent = self.sentences[f.sentence]
            quotes.append(
                Quote(
                    text=f.raw.text_in(self.text),
                    start=f.raw.start,
                    end=f.raw.end,
                    speaker=speaker,
                    speaker_mention=f.mention,
                    cue=f.cue,
                    partial=f.partial,
                    named=named,
                    context=self.text[sent.start : sent.end],
                )
            )
        return Extraction(tuple(quotes), self.table.speakers(used))


def extract(text: str) -> Extraction:
    """Every quotation of an article with its speaker, and the article's speakers with aliases."""
    return extract_with_starts(text)[0]


def extract_with_starts(text: str) -> tuple[Extraction, list[int]]:
    """`extract`, and the sentence starts it read the text by (`raw_sentence_starts`; empty when
    the text has no quotation mark), for the passes that read around the quotes after it."""
    if not text or not text.strip() or not _ANY_MARK.search(text):
        return Extraction((), ()), []
    reader = _Reader(text)
    return reader.run(), reader.starts
