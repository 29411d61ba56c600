"""Answering plain questions from the quote store: "who said X?", "what did X say about Y?".

How an answer is found, and why:

1. The question is parsed with a few patterns into what it asks (a speaker, or a quote), the words
   that name or describe a speaker ("Kishida", "the South Korean president", "according to their
   coach") and the words the quote should be about. Readers paraphrase, so nothing is matched as a
   phrase: every part is a bag of stemmed words.
2. Candidates come from the FTS5 index (porter stems): the quotes that contain the most of the
   question's words, each word weighted by its IDF. Searching common words would read a large part
   of a million quotes, so each word's match count is probed first (counting stops at a cap) and
   the search keeps the rarest words within a row budget; a common word is searched only among
   the quotes the rare words found, and still counts in the rerank. A topic word is searched
   together with its synonyms ('jail' OR 'prison'): a paraphrase may share no word with the quote.
   Ranking is by weighted word matches rather than BM25, which costs several microseconds a row
   (see `QuoteReader.search`): the rerank below is the real ranking. When the question names a
   speaker, that speaker's best matches and newest quotes join the pool, so a paraphrase with no
   shared rare word still works.
3. Each candidate is scored 0..1: the IDF-weighted share of the question's words found in the quote
   (full credit), in its sentence or mention (less), or in the article title (little), with typos,
   derivations and acronyms forgiven by matching against the candidates' words; for questions about a
   speaker, how well the speaker's names, aliases and roles cover the words describing them. A
   fragment quoted inside a sentence is described by that sentence, most by the words next to it. A
   confidence factor grows with the total weight matched, so one common word is not an answer.
   For "who", a speaker's quotes in one article count together: a quote cut in two by its
   attribution is one statement.
4. Below `min_score` the answer is "I don't know" (an empty list) rather than a confident guess.

Question text never reaches FTS5 syntax: MATCH expressions are built only from word tokens, each
in double quotes, so `NEAR`, `*`, `-`, `AND`, `:`, `^` or stray quotes in a question are just words.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

from rapidfuzz import fuzz, process

from bot.quotes.lexicon import NATIONALITIES
from bot.quotes.model import NOTE_OPENERS
from bot.quotes.synonyms import near as near_words
from bot.quotes.synonyms import phrasal, synonyms
from bot.settings import QuoteSettings
from bot.store.db import Database
from bot.store.quotes import (
    IRREGULAR_BASES,
    LEAD_SEPARATOR,
    NAME_STOPWORDS,
    PRONOUNS,
    QuoteReader,
    SpeakerProfile,
    StoredQuote,
    TermStemmer,
    acronyms,
    fold,
    normalize_name,
    wordset,
)

log = logging.getLogger(__name__)

# Retrieval limits: how many candidates each search adds to the pool that is reranked.
FTS_CANDIDATES = 30
SPEAKER_CANDIDATES = 20
RECENT_CANDIDATES = 15
# Speakers considered for the words describing one ("the Keldorian prime minister"), and kept.
SPEAKER_LOOKUP = 12
DESCRIBED_LOOKUP = 4  # speakers whose description has most of a who-question's words
DESCRIBED_CANDIDATES = 8  # their newest quotes added to the pool
SPEAKERS_KEPT = 6
# A word matching more quotes than this is "common": probed no further, and searched only among the
# quotes the rarer words found (the rerank still counts it).
PROBE_CAP = 600
# Rows the search may have to rank: bounds the latency at a million quotes.
ROW_BUDGET = 1_000
# Common words searched only where the rare words are (see `_search_terms`).
MAX_INTERSECTIONS = 3
SEARCHED_SYNONYMS = 4  # a topic word's most frequent synonyms searched with it
MAX_QUESTION_WORDS = 32
# A fragment quoted inside a sentence: the words this close to it describe it (more credit).
NEAR_FRAGMENT = 8
FAR_CONTEXT_CREDIT = 0.7
LEAD_CREDIT = 0.5  # a word found only in the writer's lead-in to the quote
SYNONYM_CREDIT = 0.7  # a word found as one of its synonyms (see `synonyms`)
NEAR_CREDIT = 0.5  # ... as a word one step from it ('win' for 'victory', see `near`)
# "What did X post?": a quote whose sentence has the verb asked about ranks above X's others.
VERB_CREDIT = 0.06
NAMING_CREDIT = 0.15  # "how did X describe Y": a fragment whose sentence has the verb (see `_rank`)
NAMING_MAX_WORDS = 2  # ... when Y is a word or two
# A quote whose sentence names nobody the question names as its speaker keeps this share of its score
# when the question names someone ("what did Ishiba say": they would be named), more when it only
# describes them ("what did the outside expert say": the sentence may just say 'he said').
# "Who said he was told ...": the weight of the 'told' (see `_understand`).
REPORTED_WEIGHT = 0.3
# "Who led the dives?": a word the quote lacks but the article's description of its speaker has
# (a role, "who led the dives that confirmed the find") is found, though less surely than in the
# quote: the description is of the person, not of what they said.
SPEAKER_DESCRIBED_CREDIT = 0.6
NOTED_CREDIT = 0.7  # a word describing a speaker found in a note on them, not a role (see `notes`)
# A word describing the speaker found only in the title of the quote's article.
TITLE_DESCRIBED_CREDIT = 0.5
LOOSE_FLOOR_NAMED = 0.3
LOOSE_FLOOR_DESCRIBED = 0.6

_STOPWORDS = wordset("""
    a about above after again against all am an and any are aren as at be because been before being
    below between both but by can cannot could couldn did didn do does doesn doing don down during each
    few for from further had hadn has hasn have haven having he her here hers herself him himself his
    how i if in into is isn it its itself just let me more most mustn my myself no nor not of off on
    once only or other ought our ours ourselves out over own same shan she should shouldn so some such
    than that the their theirs them themselves then there these they this those through to too under
    until up very was wasn we were weren what when where which while who whom whose why will with won
    would wouldn you your yours yourself yourselves s t ll re ve d m o y also ever even get got
    done say said says saying tell told tells telling quote quotes quoted quoting according mention
    mentioned mentions stated state states stating remark remarked
    without within upon onto toward towards among across around behind beyond despite though
    although whether yet via unless since
    """)
# Words in so many quotes that one standing in for a question's word says nothing ('make' for
# 'reach', 'look' for 'rely'): never used as a synonym.
_TOO_COMMON = _STOPWORDS | wordset("""
    make take get give go come look set put see know find keep hold turn run feel think want need
    use call show let seem leave bring begin work move live believe happen thing way time people
    place part point case fact good new old great big little high long hit
    """)
_WH = wordset("who whom whose what which when where why how")
_AUX = wordset("did does do has have had is was were are will would could can should might may shall must")
# Verbs that end the speaker part of "what did <speaker> <verb> ..." or the noun phrase of "which
# coach <verb> ...", with their -s and -ed forms. Verbs of saying come first when both are there
# ("what did the interim report say": "say", not "report"). Only before a verb of saying or
# opinion is the noun phrase a speaker: in "what did people see" it is part of the topic.
_SAY_BASES = "say tell state"
_SPEECH_BASES = """
    think want hope compare point find mean predict describe call recall claim promise post write
    tweet admit believe expect warn suggest add reveal ask plan propose blame accuse praise deny argue
    insist explain note urge vow announce report reply respond answer joke refuse feel thank credit
    criticise criticize defend dismiss welcome confirm estimate worry fear stress emphasise emphasize
    complain acknowledge concede recommend consider label brand dub characterise characterize object
    question condemn slam hail tout assess react summarise summarize
    """
_OTHER_BASES = "see know like need offer give make do rate rank get"


def _inflected(bases: str) -> frozenset[str]:
    forms: set[str] = set()
    for base in bases.split():
        stem = base[:-1] if base.endswith("e") else base
        forms |= {base, base + "s", base + "es", stem + "ed", base + "d", base + "ed"}
    return frozenset(forms)


_SAY_VERBS = _inflected(_SAY_BASES) | wordset("said told")
_SPEECH_VERBS = _inflected(_SPEECH_BASES) | _SAY_VERBS | wordset("thought meant found wrote felt")
_VERBS = _SPEECH_VERBS | _inflected(_OTHER_BASES) | wordset("saw knew gave made did got")
_CONTRACTED = {
    "did": "did", "does": "does", "do": "do", "is": "is", "was": "was", "were": "were", "are": "are",
    "has": "has", "have": "have", "had": "had", "wo": "will", "would": "would", "could": "could",
    "ca": "can", "should": "should", "must": "must",
}  # fmt: skip
_DETERMINERS = wordset("the a an his her their its one this that")
# "What did X compare Y to?": the quote says what Y is like, rarely that it compares.
_VERB_CUES = {
    verb: ("like", "akin", "resemble", "reminds", "similar")
    for verb in ("compare", "compares", "compared", "liken", "likens", "likened")
}
# What a quote says when a reader reports it as an act: "who apologised?" for "We are deeply sorry",
# "who thanked ...?" for "We're grateful to everyone". Keyed by the verb's forms.
_SPEECH_ACT_GROUPS = (
    ("apologise apologize apology apologies", "sorry apologise apologize apology apologies regret"),
    ("thank thanks", "thank thanks grateful gratitude"),
    ("congratulate congratulations", "congratulate congratulations"),
    ("admit admitted admitting", "admit mistake wrong fault"),
)
_SPEECH_ACTS = {
    form: tuple(said.split())
    for forms, said in _SPEECH_ACT_GROUPS
    for form in _inflected(forms) | wordset(forms)
}
_NAMING_VERBS = _inflected("call describe label brand dub term characterise characterize") | wordset("termed")
_REPORTED = wordset("say says said saying tell tells told telling")
_BE = wordset("is was were are be been")
_FILLERS = wordset("so and ok okay hey please parley bot um well")
_KIND_WORDS = wordset("kind kinds sort sorts type types")
_LEADING_PREPOSITIONS = wordset("on in at for from to by with about")
_QUOTE_WORDS = wordset("quote quotes quoted quotation quotations")
_NUMBERS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
    "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70",
    "eighty": "80", "ninety": "90", "hundred": "100", "thousand": "1000", "million": "1000000",
}  # fmt: skip
_WORD_FORMS = {**_NUMBERS, **IRREGULAR_BASES}
# Words a role is written with interchangeably, and their usual abbreviations in titles ('Det Sgt',
# 'Prof'): "the defence lawyer" is the one the article calls "his attorney".
_ROLE_GROUPS = (
    "lawyer attorney counsel solicitor barrister", "spokesperson spokesman spokeswoman",
    "detective det", "sergeant sgt", "inspector insp", "superintendent supt", "professor prof",
    "doctor dr physician", "captain capt", "lieutenant lt",
    "councillor councilor cllr councilman councilwoman",
    "mother mum mom", "father dad", "expert specialist", "chairman chairwoman chairperson chair",
    "boss chief head", "owner proprietor", "priest father fr reverend rev pastor vicar",
    "judge justice magistrate",
)  # fmt: skip
# A word in two groups ('father') takes the others of both.
_ROLE_WORDS = {
    word: tuple(
        other for group in _ROLE_GROUPS if word in group.split() for other in group.split() if other != word
    )
    for word in {w for group in _ROLE_GROUPS for w in group.split()}
}


def _role_alternatives(word: str) -> tuple[str, ...]:
    """Words a description may use instead of `word`: its synonyms as a role, and for an agent
    noun the verb it is made from ("the flower shop owner" is the one "who owns a flower shop",
    "the race leader" the one "who leads the race")."""
    alts = (*_ROLE_WORDS.get(word, ()), *_TITLE_INITIALS.get(word, ()))
    if word in NATIONALITIES:
        alts = (*alts, *synonyms(word))  # "the Peruvian president": 'Peru' in the story's title
    if word in _INITIALS_OF:
        alts = (*alts, _INITIALS_OF[word])
    if len(word) >= 5 and word.endswith(("er", "or")) and word not in _NOT_AGENT_NOUNS:
        bases = [word[:-2], word[:-1]]
        if word[-3] == word[-4]:
            bases.append(word[:-3])  # runner -> run
        alts = (*alts, *bases)
    return alts


# Initials a title is written with in questions or in articles ("the CEO", "Chief executive X").
_TITLE_INITIALS = {
    "ceo": ("chief", "executive"), "cfo": ("chief", "financial"), "coo": ("chief", "operating"),
    "cto": ("chief", "technology"), "mp": ("member", "parliament"), "md": ("managing", "director"),
}  # fmt: skip
_INITIALS_OF = {words[-1]: initials for initials, words in _TITLE_INITIALS.items()}  # the telling word
_NOT_AGENT_NOUNS = wordset("former latter other mother father brother sister daughter member neither either")
_ABBREVIATIONS = {"pm": "prime minister", "gov": "governor", "sen": "senator", "rep": "representative"}

_RAW_TOKEN = re.compile(r"[\w][\w'’.\-]*")
_DIGIT_GROUP = re.compile(r"(\d)[,.](?=\d{3}\b)")  # 1,000 -> 1000
_TOKEN = re.compile(r"\w+")
_POSSESSIVE = re.compile(r"'s\b")
_QUOTE_MARKS = re.compile(r"[\"“”]")


# Parsing ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedQuestion:
    """What a question asks. `kind` is 'who' (the answer is a speaker), 'what' (a quote of someone)
    or 'topic' (quotes about something)."""

    kind: str
    speaker_ref: str  # words naming or describing the speaker asked about ('' if none)
    speaker_hint: str  # "which coach said ...": a description of the speaker to find ('' if none)
    topic: str  # words the quote or its sentence should contain
    verb: str = ""  # "what did X warn about Y": the verb that ends the speaker's words (in `topic` too)


def _raw_tokens(question: str) -> list[str]:
    tokens = [t.rstrip(".'’-") for t in _RAW_TOKEN.findall(question.replace("“", " ").replace("”", " "))]
    # "Why didn't X plan to ...": the auxiliary and its 'not' are two words ("won't" is "will not").
    split: list[str] = []
    for t in tokens:
        word = _low(t)
        if word.endswith("n't") and word[:-3] in _CONTRACTED:
            # Opening the question the 'not' belongs after the subject ("why did X not ..."),
            # where no quote needs it; elsewhere it stays ("who said it is not over").
            opening = not split or _low(split[-1]) in _WH
            split += [_CONTRACTED[word[:-3]]] + ([] if opening else ["not"])
        else:
            split.append(t)
    tokens = [t for t in split if t]
    # "what kind of kid is he": after 'what', 'kind of' only says a description is asked for (no
    # quote says it); in "not that kind of person" it is the writer's own words and stays.
    low = [fold(t) for t in tokens]
    drop: set[int] = set()
    for i in range(1, len(low) - 1):
        if low[i] in _KIND_WORDS and low[i + 1] == "of" and low[i - 1] in ("what", "which"):
            drop |= {i, i + 1}
    return [t for i, t in enumerate(tokens) if i not in drop][:MAX_QUESTION_WORDS]


def _low(token: str) -> str:
    return fold(token).replace("’", "'")


def _is_verb(low: str) -> bool:
    return low in _VERBS or (len(low) > 4 and low.endswith("ed") and low not in _STOPWORDS)


def parse_question(question: str) -> ParsedQuestion:
    """Split a question into its kind, speaker words and topic words (patterns, not a grammar)."""
    tokens = _raw_tokens(question)
    low = [_low(t) for t in tokens]
    while low and low[0] in _FILLERS:
        tokens, low = tokens[1:], low[1:]
    speaker_ref = ""
    # "..., according to X" / "According to X, ...": X is the speaker; a comma may end it.
    for i in range(len(low) - 1):
        if low[i] == "according" and low[i + 1] == "to":
            end = len(low)
            after_comma = _comma_after(question, tokens, i + 2)
            if after_comma is not None:
                end = after_comma
            speaker_ref = " ".join(tokens[i + 2 : end])
            tokens, low = tokens[:i] + tokens[end:], low[:i] + low[end:]
            break
    if not low:
        return ParsedQuestion("topic", speaker_ref, "", "")
    # "On what terms is ...", "In which year did ...": the preposition is noise.
    if len(low) > 1 and low[0] in _LEADING_PREPOSITIONS and low[1] in _WH:
        tokens, low = tokens[1:], low[1:]

    first = low[0]
    if first in ("who", "whom", "whose"):
        return ParsedQuestion("who", speaker_ref, "", " ".join(tokens[1:]))

    if first in ("which", "what") and len(low) > 1 and low[1] not in _AUX:
        # "Which UN official branded ...": a noun phrase, then either a verb (a who-question whose
        # noun phrase describes the speaker) or an auxiliary ("what message did people see").
        for j in range(1, min(len(low), 9)):
            if low[j] in _AUX:
                head = " ".join(tokens[1:j])
                rest = _what_after_aux(low[j], tokens[j + 1 :], low[j + 1 :], speaker_ref)
                return ParsedQuestion("what", rest.speaker_ref, "", f"{head} {rest.topic}".strip(), rest.verb)
            if j > 1 and _is_verb(low[j]):
                return ParsedQuestion("who", speaker_ref, " ".join(tokens[1:j]), " ".join(tokens[j:]))
        return ParsedQuestion("topic", speaker_ref, "", " ".join(tokens[1:]))

    if first in _WH or first in _AUX:
        # "what did X say about Y", "how far did X joke ...", "did X say Y", "when did X say Y"
        start = 0 if first in _AUX else 1
        for j in range(start, min(len(low), start + 5)):
            if low[j] in _AUX:
                head = " ".join(tokens[start:j])
                rest = _what_after_aux(low[j], tokens[j + 1 :], low[j + 1 :], speaker_ref)
                return ParsedQuestion("what", rest.speaker_ref, "", f"{head} {rest.topic}".strip(), rest.verb)
        return ParsedQuestion("what" if speaker_ref else "topic", speaker_ref, "", " ".join(tokens[start:]))

    # "Kishida's quotes on Ukraine", "quotes by Kishida about Ukraine", "quotes about Ukraine"
    for j, word in enumerate(low):
        if word in _QUOTE_WORDS:
            before, after_t, after_l = tokens[:j], tokens[j + 1 :], low[j + 1 :]
            ref = speaker_ref or " ".join(
                t for t in before if _low(t) not in ("show", "me", "find", "any", "all")
            )
            topic_start = 0
            if after_l and after_l[0] in ("by", "from", "of"):
                k = 1
                while k < len(after_l) and after_l[k] not in ("on", "about", "regarding", "concerning"):
                    k += 1
                ref = ref or " ".join(after_t[1:k])
                topic_start = k
            while topic_start < len(after_l) and after_l[topic_start] in (
                "on",
                "about",
                "regarding",
                "concerning",
            ):
                topic_start += 1
            topic = " ".join(after_t[topic_start:])
            return ParsedQuestion("what" if ref else "topic", ref, "", topic)
    return ParsedQuestion("what" if speaker_ref else "topic", speaker_ref, "", " ".join(tokens))


@dataclass(frozen=True)
class _AfterAux:
    speaker_ref: str
    topic: str
    verb: str = ""


def _what_after_aux(aux: str, tokens: Sequence[str], low: Sequence[str], speaker_ref: str) -> _AfterAux:
    """After "what did": the speaker runs up to the first verb ("the South Korean president | say")."""
    if speaker_ref:
        return _AfterAux(speaker_ref, " ".join(tokens))
    window = range(1, min(len(low), 9))
    # Verbs of saying first, then other listed verbs ("the blogger who joined the attack | say"
    # must not stop at "joined"), then anything that looks like a past tense.
    for test in (_SAY_VERBS.__contains__, _VERBS.__contains__, _is_verb):
        for k in window:
            if test(low[k]):
                if aux in _BE or low[k] not in _SPEECH_VERBS:
                    # "what was X told", "what did people see": X is what the quote is about.
                    return _AfterAux("", " ".join(tokens))
                return _AfterAux(" ".join(tokens[:k]), " ".join(tokens[k:]), tokens[k])
    return _AfterAux("", " ".join(tokens))


def _is_description(ref: str) -> bool:
    """Whether words naming a speaker describe them ("the outside expert", "his wife") rather than
    name them ("Ishiba", "the Kremlin" is both: a capitalised word names)."""
    words = ref.split()
    if not words or _low(words[0]) not in _DETERMINERS:
        return False
    return not any(w[:1].isupper() for w in words[1:])


def _comma_after(question: str, tokens: Sequence[str], index: int) -> int | None:
    """Index of the first token after `index` that follows a comma in the question, if any."""
    pos = 0
    found_at: list[int] = []
    for t in tokens:
        pos = question.find(t, pos)
        found_at.append(pos)
        pos += len(t)
    for k in range(index + 1, len(tokens)):
        between = question[found_at[k - 1] + len(tokens[k - 1]) : found_at[k]]
        if "," in between or ";" in between:
            return k
    return None


# Words --------------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """Folded word tokens; hyphenated words give their parts and the joined form. (Written for
    speed: every candidate quote and its sentence go through here on every question.)"""
    if not text:
        return []
    folded = fold(text)
    if "'" in folded or "’" in folded:
        folded = _POSSESSIVE.sub("", folded.replace("’", "'"))
    if _DIGIT_GROUP.search(folded):
        folded = _DIGIT_GROUP.sub(r"\1", folded)
    tokens = _TOKEN.findall(folded)
    if "-" in folded:
        for chunk in folded.split():
            if "-" in chunk:
                parts = _TOKEN.findall(chunk)
                if len(parts) > 1:
                    tokens.append("".join(parts))
    forms = _WORD_FORMS
    return [forms.get(w, w) for w in tokens]


@dataclass(frozen=True)
class _Term:
    word: str  # folded word, as the question has it
    stem: str
    weight: float
    about_speaker: bool = False  # "which coach ...": may match the speaker's names and roles
    optional: bool = False  # counts when matched, is not missed when not (the verb of "what did X warn")
    alts: frozenset[str] = frozenset()  # stems of words meaning the same in a role ('lawyer': 'attorney')
    synonyms: frozenset[str] = frozenset()  # stems of words a paraphrase swaps for it ('regret': 'wish')
    near: frozenset[str] = frozenset()  # stems of words one step from it ('win': 'victory')


@dataclass
class _Candidate:
    quote: StoredQuote
    retrieval: float | None = None  # the search score (None: one of the speaker's newest quotes)
    score: float = 0.0


def _keys(stems: Iterable[str]) -> frozenset[str]:
    """First letters of the question's stems. A word whose stem could equal one of them starts with
    the same three letters, so only such words of a candidate are stemmed: stemming is the costly
    part of reranking, and most words of a candidate cannot match anything asked."""
    return frozenset(s[:3] for s in stems)


class _Fields:
    """One candidate's words (and the stems of those that may matter), computed once per question."""

    __slots__ = (
        "context", "context_credit", "context_words", "lead", "near", "raw", "speaker", "text", "text_words",
        "title",
    )  # fmt: skip

    def __init__(
        self, quote: StoredQuote, stem: TermStemmer, keys: frozenset[str], titles: dict[str, set[str]]
    ) -> None:
        lead, _, sentence = quote.context.rpartition(LEAD_SEPARATOR)
        self.raw = (quote.text, sentence)
        self.text_words = set(_words(quote.text))
        self.context_words = set(_words(f"{sentence} {quote.speaker_mention or ''}"))
        self.text = stem.stems(w for w in self.text_words if w[:3] in keys)
        self.context = stem.stems(w for w in self.context_words if w[:3] in keys)
        # The writer's lead-in ("Ruiz said her customers ...", see `leads`): about the quote, but
        # less surely than the quote's own sentence.
        self.lead = stem.stems(w for w in _words(lead) if w[:3] in keys) if lead else set()
        title = quote.article_title or ""
        if title not in titles:  # candidates often share an article
            titles[title] = stem.stems(w for w in _words(title) if w[:3] in keys)
        self.title = titles[title]
        # A fragment quoted inside the writer's sentence is described by that sentence ("he called
        # Japan 'an indispensable partner'"), so its words count nearly as much as the quote's:
        # those next to it do, at least. When a sentence quotes two fragments ('the embassy had
        # "A" with the company "to B"'), the words around each describe that one.
        self.context_credit = 0.9 if quote.partial else 0.7
        self.near: set[str] | None = None  # stems of the words next to a fragment (None: all count)
        if quote.partial and "..." in sentence and _QUOTE_MARKS.findall(sentence)[2:]:
            before, _, after = sentence.partition("...")
            near = _words(before)[-NEAR_FRAGMENT:] + _words(after)[:NEAR_FRAGMENT]
            self.near = stem.stems(w for w in near if w[:3] in keys)
        self.speaker: set[str] = set()  # stems of the speaker's names and roles, when asked for

    def has_capitals(self, word: str) -> bool:
        """Whether the quote or its sentence writes `word` in capitals, as an acronym ('ATC')."""
        pattern = re.compile(rf"\b{re.escape(word.upper())}s?\b")
        return any(pattern.search(text) for text in self.raw)


@dataclass
class _Asked:
    """One question as the asker works on it (working state, not a domain value)."""

    kind: str  # 'who' | 'what' | 'topic'
    topic: list[_Term]  # words the quote should contain, and those describing a speaker to find
    ref: list[_Term]  # words naming or describing the speaker asked about, who is in the store
    loose: list[_Term]  # words naming someone the store does not know as a speaker
    verb: list[_Term]  # "what did X post" (no other topic): the verb asked about, a tie-breaker
    words: list[str]  # every content word, for the search
    counts: dict[str, int]  # capped match count of each word
    weights: dict[str, float]
    keys: frozenset[str]  # see `_keys`
    speakers: list[tuple[SpeakerProfile, float]]  # speakers the question names, with how well
    speaker_words: dict[int, _SpeakerWords] = field(default_factory=dict)
    profiles: dict[int, SpeakerProfile] = field(default_factory=dict)
    describes_speaker: bool = False  # "which coach said ...": the speakers' roles matter
    loose_described: bool = False  # the `loose` words describe someone ("the outside expert"), not name them
    # A topic word searched with its synonyms ('jail' OR 'prison'): the expression, its match count.
    widened: dict[str, tuple[str, int]] = field(default_factory=dict)
    naming: frozenset[str] = frozenset()  # "how did X describe Y": stems of the verbs of naming


class QuoteAsker:
    """Answers questions from the quote store. All of a question's reads and scoring run in one
    call on the database thread (`Database.run`): one hop instead of one per read, and the scoring
    never holds up the event loop. The stem memo is only touched there, one question at a time."""

    def __init__(self, db: Database, settings: QuoteSettings) -> None:
        self._db = db
        self._settings = settings
        self._stem = TermStemmer()

    async def ask(self, guild_id: int, question: str, limit: int | None = None) -> list[Answer]:
        """The best answers, best first; an empty list means "I don't know"."""
        limit = self._settings.max_answers if limit is None else max(0, limit)
        if limit == 0:
            return []
        return await self._db.run(lambda conn: self._answers(QuoteReader(conn), guild_id, question, limit))

    def _answers(self, reader: QuoteReader, guild_id: int, question: str, limit: int) -> list[Answer]:
        asked = self._understand(reader, guild_id, question)
        if asked is None:
            return []
        pool = self._candidates(reader, guild_id, asked)
        if not pool:
            return []
        self._rank(reader, guild_id, asked, pool)
        chosen = self._dedupe(asked.kind, pool, limit)
        self._read_profiles(reader, guild_id, asked, [c.quote.speaker_id for c in chosen])
        return [_answer(c, asked.profiles.get(c.quote.speaker_id or -1)) for c in chosen]

    def _understand(self, reader: QuoteReader, guild_id: int, question: str) -> _Asked | None:
        """Parse the question, find the speakers it names and weigh its words (None: no words)."""
        parsed = self._named_subject(reader, guild_id, parse_question(question))
        log.debug("question %r parsed as %s", question, parsed)
        ref_words = self._content_words(parsed.speaker_ref)
        topic_words = self._content_words(parsed.topic)
        hint_words = self._content_words(parsed.speaker_hint)
        role_alts = [alt for w in ref_words for alt in _role_alternatives(w)]
        role_alts += [cue for w in self._content_words(parsed.verb) for cue in _VERB_CUES.get(w, ())]
        # "Who said he had been told to be ready": a verb of saying inside the topic is part of what
        # was said (only the first is the question's own 'said').
        reported = [w for w in dict.fromkeys(_words(parsed.topic)[1:]) if w in _REPORTED]
        keys = _keys(self._stem.stems([*ref_words, *topic_words, *hint_words, *role_alts, *reported]))
        speaker_words: dict[int, _SpeakerWords] = {}
        speakers: list[tuple[SpeakerProfile, float]] = []
        if ref_words:
            speakers = self._resolve_speakers(reader, guild_id, ref_words, keys, speaker_words)
        # "What did X post?": the verb that ends the speaker's words says how they said it, which the
        # quote's sentence may or may not tell ('wrote in a letter'). It counts where the sentence
        # has it and is not missed where it does not; alone, it only breaks ties between X's quotes.
        # When nobody in the store is X and nothing else is asked, it stays the topic.
        verb_words = [w for w in self._content_words(parsed.verb) if w in topic_words]
        if verb_words and (speakers or len(topic_words) > len(verb_words)):
            topic_words = [w for w in topic_words if w not in verb_words]
        else:
            verb_words = []
        loose_words: list[str] = []
        if ref_words and not speakers:
            # Nobody in the store answers to these words. They may describe who the quote is about
            # ("what was North Korea's military told"), so quotes must still mention them; with no
            # other topic they are the topic.
            loose_words, ref_words = ref_words, []
            if not topic_words:
                topic_words, loose_words = loose_words, []
        if not topic_words:
            reported = []
        words = list(dict.fromkeys(topic_words + ref_words + hint_words + loose_words + verb_words))
        if not words:
            return None
        weights, counts = self._weights(reader, words)
        particles = _particles(parsed.topic)
        topic = [
            replace(
                t,
                # what the act is said with ('apologised': sorry) counts as the word's own
                alts=frozenset(self._stem.stem(w) for w in _SPEECH_ACTS.get(t.word, ())),
                synonyms=self._synonyms(t.word, synonyms) | self._phrasal(t.word, particles.get(t.word, "")),
                near=self._synonyms(t.word, near_words),
            )
            for t in self._terms(topic_words, weights)
        ]
        widened = self._widened(reader, [t.word for t in topic])
        # only when little else is asked: "how did X describe the link between A and B" is about A, B
        named_by_verb = set(_words(parsed.verb)) & _NAMING_VERBS and len(topic_words) <= NAMING_MAX_WORDS
        naming = self._naming_stems() if named_by_verb else frozenset()
        keys |= _keys(naming)
        keys |= _keys(
            s for t in topic for s in (*t.synonyms, *t.near, *t.alts)
        )  # a candidate's 'buying' for 'purchase'
        # "Which coach said ...": the coach may be in the quote's sentence or in the speaker's roles.
        topic += [
            _Term(t.word, t.stem, t.weight, about_speaker=True)
            for t in self._terms(hint_words, weights)
            if t.stem not in {u.stem for u in topic}
        ]
        verb = [
            _Term(t.word, t.stem, t.weight, alts=self._cues(t.word)) for t in self._terms(verb_words, weights)
        ]
        if topic:  # the verb is part of what the quote is about, but need not be in its sentence
            # Verbs of saying are in most quotes' sentences: never searched or probed (the latency),
            # they get a small fixed weight.
            extra = [*verb, *self._terms(reported, {w: REPORTED_WEIGHT for w in reported})]
            topic += [_Term(t.word, t.stem, t.weight, optional=True, alts=t.alts) for t in extra]
            verb = []
        return _Asked(
            kind=parsed.kind,
            topic=topic,
            ref=self._role_terms(ref_words),
            loose=self._terms(loose_words, weights),
            verb=verb,
            words=words,
            counts=counts,
            weights=weights,
            keys=keys,
            speakers=speakers,
            speaker_words=speaker_words,
            profiles={p.id: p for p, _ in speakers},
            describes_speaker=bool(hint_words),
            loose_described=_is_description(parsed.speaker_ref),
            widened=widened,
            naming=naming,
        )

    def _rank(self, reader: QuoteReader, guild_id: int, asked: _Asked, pool: list[_Candidate]) -> None:
        """Score every candidate (see the module docstring) and sort the pool best first."""
        titles: dict[str, set[str]] = {}
        fields = {c.quote.id: _Fields(c.quote, self._stem, asked.keys, titles) for c in pool}
        alternatives = self._alternatives([*asked.topic, *asked.loose], fields)
        # "Which coach said ...", "who led the dives ...": the candidates' roles and notes may hold
        # the description.
        if asked.describes_speaker or (asked.kind == "who" and asked.topic):
            # Only which of the asked words each speaker has: one indexed lookup, not their profiles.
            ids = sorted({c.quote.speaker_id for c in pool if c.quote.speaker_id is not None})
            described = reader.speaker_terms_of(guild_id, ids, sorted({t.stem for t in asked.topic}))
            for c in pool:
                fields[c.quote.id].speaker = described.get(c.quote.speaker_id or -1, set())
        for c in pool:
            f = fields[c.quote.id]
            c.score = self._score(asked, c, f, alternatives)
            if asked.loose:
                # Words naming someone who is not a speaker in the store: the quote or the sentence
                # around it must name them (as the source it was attributed to, or as its subject);
                # the sentence counts fully, it is where a source is named.
                total = sum(t.weight for t in asked.loose)
                matches = self._matches(asked.loose, alternatives, f)
                found = sum(
                    t.weight * (1.0 if t.stem in f.context else m)
                    for t, m in zip(asked.loose, matches, strict=True)
                )
                floor = LOOSE_FLOOR_DESCRIBED if asked.loose_described else LOOSE_FLOOR_NAMED
                c.score *= floor + (1 - floor) * found / total
            if asked.verb and any(
                t.stem in f.text or t.stem in f.context or not t.alts.isdisjoint(f.text) for t in asked.verb
            ):
                c.score = min(1.0, c.score + VERB_CREDIT)
            if asked.naming and c.quote.partial and not asked.naming.isdisjoint(f.near or f.context):
                # "How did the priest describe her?": the answer is the words he called her, a
                # fragment in a sentence with that verb ('called her "the conscience of this block"')
                c.score = min(1.0, c.score + NAMING_CREDIT)
        if asked.kind == "who" and asked.topic:
            self._pool_by_speaker(asked, pool, fields, alternatives)
        pool.sort(key=lambda c: (-c.score, -(c.retrieval or 0.0), -c.quote.id))

    def _pool_by_speaker(
        self,
        asked: _Asked,
        pool: list[_Candidate],
        fields: dict[int, _Fields],
        alternatives: dict[str, dict[str, float]],
    ) -> None:
        """For "who": a speaker's quotes in one article are one statement, often cut in two by the
        attribution ("A," she said. "B."), so a question may paraphrase words from both. The best
        quote of each speaker and article is scored on the words found in any of them."""
        groups: dict[tuple[object, object], list[_Candidate]] = {}
        for c in pool:
            if c.quote.speaker:
                groups.setdefault((c.quote.speaker_id or c.quote.speaker, c.quote.article_id), []).append(c)
        for members in groups.values():
            if len(members) < 2:
                continue
            best = max(members, key=lambda c: c.score)
            union = [
                max(ms)
                for ms in zip(
                    *(self._matches(asked.topic, alternatives, fields[c.quote.id]) for c in members),
                    strict=True,
                )
            ]
            best.score = max(best.score, 0.9 * self._cover(asked.topic, union))

    def _read_profiles(
        self, reader: QuoteReader, guild_id: int, asked: _Asked, speaker_ids: Iterable[int | None]
    ) -> None:
        missing = {sid for sid in speaker_ids if sid is not None} - set(asked.profiles)
        for p in reader.speaker_profiles(guild_id, sorted(missing)):
            asked.profiles[p.id] = p
            asked.speaker_words[p.id] = _SpeakerWords(p, self._stem, asked.keys)

    # Words and weights ----------------------------------------------------------------------------

    def _content_words(self, text: str) -> list[str]:
        out: list[str] = []
        for w in _words(text):
            for part in _ABBREVIATIONS.get(w, w).split():
                if part not in _STOPWORDS and (len(part) > 1 or part.isdigit()):
                    out.append(part)
        return list(dict.fromkeys(out))[:MAX_QUESTION_WORDS]

    def _weights(self, reader: QuoteReader, words: Sequence[str]) -> tuple[dict[str, float], dict[str, int]]:
        """IDF of each word from a capped match count (a count at the cap means "at least")."""
        total, counts = reader.match_counts([_phrase(w) for w in words], PROBE_CAP)
        total = max(total, 1)
        rarest = math.log(1.0 + (total - 0.5) / 1.5)
        weights: dict[str, float] = {}
        for word, df in zip(words, counts, strict=True):
            df_eff = df if df > 0 else 1  # unseen: as rare as can be (a typo is forgiven later)
            idf = math.log(1.0 + (total - df_eff + 0.5) / (df_eff + 0.5))
            # Scaled to 0..1 so that "how much matched" means the same in small and large stores.
            weights[word] = max(idf / rarest, 0.05) * (0.8 if df == 0 else 1.0)
        return weights, dict(zip(words, counts, strict=True))

    def _synonyms(self, word: str, table: Callable[[str], tuple[str, ...]]) -> frozenset[str]:
        stem = self._stem.stem
        return frozenset(stem(w) for w in table(word) if w not in _TOO_COMMON)

    def _named_subject(self, reader: QuoteReader, guild_id: int, parsed: ParsedQuestion) -> ParsedQuestion:
        """ "How did Herrera know it was new?": the verb ('know') is not one the parser takes as
        ending a speaker, so the name stayed in the topic. A capitalised name opening the topic
        that is a speaker's name in the store is the speaker asked about."""
        if parsed.kind != "what" or parsed.speaker_ref or not parsed.topic:
            return parsed
        tokens = parsed.topic.split()
        k = 0
        while k < len(tokens) and tokens[k][:1].isupper() and k < 3:
            k += 1
        if k == 0 or k == len(tokens):
            return parsed
        name = [fold(t).strip(".,;:!?'’") for t in tokens[:k]]
        if any(w in _STOPWORDS for w in name):
            return parsed
        stems = [self._stem.stem(w) for w in name]
        if set(stems) - reader.known_speaker_terms(guild_id, stems):
            return parsed
        return replace(parsed, speaker_ref=" ".join(tokens[:k]), topic=" ".join(tokens[k:]))

    def _phrasal(self, verb: str, particle: str) -> frozenset[str]:
        """ "Who threatened to cut off people": 'cut off' is 'disconnect' in the quote."""
        if not particle:
            return frozenset()
        return frozenset(self._stem.stem(w) for w in phrasal(verb, particle) if w not in _TOO_COMMON)

    def _naming_stems(self) -> frozenset[str]:
        """ "How did X describe Y?" is answered by what X called Y, labelled or branded it: any verb
        of naming in the fragment's sentence will do."""
        return frozenset(self._stem.stem(w) for w in _NAMING_VERBS)

    def _widened(self, reader: QuoteReader, words: Sequence[str]) -> dict[str, tuple[str, int]]:
        """Topic words to search together with their synonyms: a reader who remembers 'jail' for
        'prison' shares no word with the quote, and the rerank only sees what the search found.
        Each expression is probed like a word (its count decides whether it is searched alone)."""
        exprs = {}
        for w in words:
            syns = [x for x in (*_SPEECH_ACTS.get(w, ()), *synonyms(w)) if x not in _TOO_COMMON and x != w]
            syns = list(dict.fromkeys(syns))[:SEARCHED_SYNONYMS]
            if syns:
                exprs[w] = " OR ".join(_phrase(x) for x in [w, *syns])
        if not exprs:
            return {}
        _, counts = reader.match_counts(list(exprs.values()), PROBE_CAP)
        return {w: (e, n) for (w, e), n in zip(exprs.items(), counts, strict=True)}

    def _cues(self, verb: str) -> frozenset[str]:
        return frozenset(self._stem.stem(w) for w in _VERB_CUES.get(verb, ()))

    def _role_terms(self, words: Sequence[str]) -> list[_Term]:
        """Words describing a speaker, each with the stems of the words a role may use instead."""
        terms = self._terms(words, {w: 1.0 for w in words})
        stem = self._stem.stem
        return [
            _Term(t.word, t.stem, t.weight, alts=frozenset(stem(a) for a in _role_alternatives(t.word)))
            for t in terms
        ]

    def _terms(self, words: Sequence[str], weights: dict[str, float]) -> list[_Term]:
        seen: dict[str, _Term] = {}
        for w in words:
            s = self._stem.stem(w)
            if s not in seen:
                seen[s] = _Term(w, s, weights.get(w, 1.0))
        return list(seen.values())

    # Retrieval ------------------------------------------------------------------------------------

    def _candidates(self, reader: QuoteReader, guild_id: int, asked: _Asked) -> list[_Candidate]:
        """The pool to rerank: the guild's quotes matching most of the rarest words, the best of the
        speakers asked about, and those speakers' newest quotes (a paraphrase may share no word)."""
        topic_words = [t.word for t in asked.topic]
        widened = asked.widened
        terms = _search_terms(
            {w: widened[w][1] if w in widened else asked.counts.get(w, 0) for w in topic_words},
            {w: asked.counts.get(w, 0) for w in asked.words if w not in topic_words},
            asked.weights,
            {w: e for w, (e, _) in widened.items()},
        )
        ids = [p.id for p, _ in asked.speakers]
        pool: dict[int, _Candidate] = {}
        together = len(terms) == 1 and " AND " in terms[0][0] and not terms[0][0].startswith("(")
        if together and (reader.match_counts([terms[0][0]], PROBE_CAP))[1][0] >= PROBE_CAP:
            terms = []  # common words that go together ('police chief'): too many quotes
        if terms:
            # A speaker named outright leaves less room for quotes of anyone else.
            named = any(score >= 0.85 for _, score in asked.speakers)
            general = FTS_CANDIDATES // 2 if named else FTS_CANDIDATES
            found = dict(reader.search(guild_id, terms, general, ids, SPEAKER_CANDIDATES))
        else:
            found = {}
        if ids:
            recent = RECENT_CANDIDATES if asked.topic else 2 * RECENT_CANDIDATES
            for quote in reader.recent_quotes(guild_id, ids, recent):
                pool[quote.id] = _Candidate(quote, found.get(quote.id))
        for quote in reader.quotes_by_ids(guild_id, [i for i in found if i not in pool]):
            pool[quote.id] = _Candidate(quote, found[quote.id])
        described = self._described_speakers(reader, guild_id, asked)
        for quote in reader.recent_quotes(guild_id, described, DESCRIBED_CANDIDATES):
            pool.setdefault(quote.id, _Candidate(quote))
        return list(pool.values())

    def _described_speakers(self, reader: QuoteReader, guild_id: int, asked: _Asked) -> list[int]:
        """For "who led the dives that confirmed the wreck?": speakers whose roles and notes have
        most of the question's words, though none of their quotes may (see `notes`)."""
        if asked.kind != "who":
            return []
        stems = sorted({t.stem for t in asked.topic if not t.optional})
        if len(stems) < 2:
            return []
        need = max(2, (len(stems) + 1) // 2)
        found = reader.speakers_by_terms(guild_id, stems, DESCRIBED_LOOKUP)
        return [sid for sid, n in found if n >= need]

    def _resolve_speakers(
        self,
        reader: QuoteReader,
        guild_id: int,
        ref_words: Sequence[str],
        keys: frozenset[str],
        speaker_words: dict[int, _SpeakerWords],
    ) -> list[tuple[SpeakerProfile, float]]:
        """Speakers whose names, aliases or roles cover the words describing them, best first."""
        terms = sorted({self._stem.stem(w) for w in ref_words})
        alts = sorted({a for t in self._role_terms(ref_words) for a in t.alts} - set(terms))
        found = reader.speakers_by_terms(guild_id, terms + alts, SPEAKER_LOOKUP)
        if not found or found[0][1] < len(terms):  # some word names nobody: maybe misspelt
            known = reader.known_speaker_terms(guild_id, terms)
            unknown = [t for t in terms if t not in known]
            extra = self._misspelt(reader, guild_id, unknown)
            if extra:
                found = reader.speakers_by_terms(guild_id, terms + alts + extra, SPEAKER_LOOKUP)
        if not found:
            return []
        profiles = reader.speaker_profiles(guild_id, [sid for sid, _ in found])
        ref = self._role_terms(ref_words)
        for p in profiles:
            speaker_words[p.id] = _SpeakerWords(p, self._stem, keys)
        scored = [(p, _speaker_cover(ref, speaker_words[p.id], None)) for p in profiles]
        scored = [(p, s) for p, s in scored if s >= 0.4]
        if not scored:
            return []
        best = max(s for _, s in scored)
        scored = [(p, s) for p, s in scored if s >= best - 0.2]
        scored.sort(key=lambda ps: -ps[1])
        return scored[:SPEAKERS_KEPT]

    def _misspelt(self, reader: QuoteReader, guild_id: int, terms: Sequence[str]) -> list[str]:
        """Speaker words close to a question word that matches none ('kishda' -> 'kishida')."""
        long_terms = [t for t in terms if len(t) >= 6]  # one letter off in a shorter word is another word
        extra: list[str] = []
        for term, near in (reader.speaker_terms_near(guild_id, long_terms)).items():
            if term not in near:
                match = process.extract(term, near, scorer=fuzz.ratio, score_cutoff=85, limit=3)
                extra.extend(m[0] for m in match)
        return extra

    # Scoring --------------------------------------------------------------------------------------

    def _alternatives(
        self, topic: Sequence[_Term], fields: dict[int, _Fields]
    ) -> dict[str, dict[str, float]]:
        """Forgive typos, derivations and acronyms: a question word found in no candidate may match
        a close spelling ('ukriane', 'favours'), a longer word built on it ('cleanup', 'cowardice'),
        or with its neighbours the initials a candidate uses ('air traffic control' -> 'ATC').
        Returns, per question stem, the candidates' words it may match and the credit each earns."""
        found: dict[str, dict[str, float]] = {}
        if not topic:
            return found
        vocab: set[str] = set()
        stems: set[str] = set()
        for f in fields.values():
            vocab |= f.text_words | f.context_words
            stems |= f.text | f.context
        vocab_list = sorted(v for v in vocab if len(v) >= 3 and not v.isdigit())

        def add(term: _Term, word: str, credit: float) -> None:
            alts = found.setdefault(term.stem, {})
            alts[word] = max(credit, alts.get(word, 0.0))

        for term in topic:
            if term.stem in stems or len(term.word) < 3 or term.word.isdigit():
                continue
            if len(term.word) >= 4:
                for word, _, _ in process.extract(
                    term.word, vocab_list, scorer=fuzz.ratio, score_cutoff=84, limit=5
                ):
                    add(term, word, 0.8)
            if len(term.stem) >= 5:
                for word in vocab_list:
                    if len(word) >= len(term.stem) + 2 and word.startswith(term.stem):
                        add(term, word, 0.6)
        for size in (3, 4, 5):
            for i in range(len(topic) - size + 1):
                run = topic[i : i + size]
                initials = "".join(t.word[0] for t in run)
                # Only a word written in capitals is an acronym: 'new opera triumph' is not 'not'.
                if initials in vocab and any(f.has_capitals(initials) for f in fields.values()):
                    for term in run:
                        add(term, initials, 0.9)
        return found

    @staticmethod
    def _matches(
        topic: Sequence[_Term], alternatives: dict[str, dict[str, float]], f: _Fields
    ) -> list[float]:
        """How well each topic word is found in a candidate, 0..1."""
        found = []
        for t in topic:
            if t.stem in f.text:
                m = 1.0
            elif t.stem in f.context:
                m = f.context_credit if f.near is None or t.stem in f.near else FAR_CONTEXT_CREDIT
            elif t.stem in f.lead:
                m = LEAD_CREDIT
            elif t.stem in f.speaker:
                m = 0.9 if t.about_speaker else SPEAKER_DESCRIBED_CREDIT
            elif t.alts and not t.alts.isdisjoint(f.text):
                m = 0.8
            elif t.synonyms and not t.synonyms.isdisjoint(f.text):
                m = SYNONYM_CREDIT
            elif t.synonyms and not t.synonyms.isdisjoint(f.context):
                m = SYNONYM_CREDIT * f.context_credit
            else:
                m = 0.3 if t.stem in f.title else 0.0
                if t.near and not t.near.isdisjoint(f.text):
                    m = NEAR_CREDIT
                elif t.near and not t.near.isdisjoint(f.context):
                    m = max(m, NEAR_CREDIT * f.context_credit)
                for word, credit in alternatives.get(t.stem, {}).items():
                    if word in f.text_words:
                        m = max(m, credit)
                    elif word in f.context_words:
                        m = max(m, credit * f.context_credit)
            found.append(m)
        return found

    @staticmethod
    def _cover(topic: Sequence[_Term], matches: Sequence[float]) -> float:
        """The weighted share of topic words matched, discounted when little weight matched in all
        (one common word is not an answer)."""
        total = sum(t.weight * (m if t.optional else 1.0) for t, m in zip(topic, matches, strict=True))
        if not total:
            return 0.0
        mass = sum(t.weight * m for t, m in zip(topic, matches, strict=True))
        confidence = 1.0 - math.exp(-mass / 0.6)
        return mass / total * (0.55 + 0.45 * confidence)

    def _topic_cover(
        self, topic: Sequence[_Term], alternatives: dict[str, dict[str, float]], f: _Fields
    ) -> float:
        return self._cover(topic, self._matches(topic, alternatives, f))

    def _score(
        self, asked: _Asked, c: _Candidate, f: _Fields, alternatives: dict[str, dict[str, float]]
    ) -> float:
        words = asked.speaker_words.get(c.quote.speaker_id or -1)
        topic, ref = asked.topic, asked.ref
        topic_score = self._topic_cover(topic, alternatives, f) if topic else 0.0
        if ref:
            spk = _speaker_cover(ref, words, f)
            # Salience only breaks near-ties between quotes of the speaker that match equally. A
            # quote of the right speaker on none of the asked topic is not an answer by itself.
            with_topic = 0.45 * spk + 0.52 * topic_score + 0.03 * _salience(c.quote)
            if topic_score == 0.0:
                with_topic *= 0.7
            score = with_topic if topic else spk * (0.8 + 0.2 * _salience(c.quote))
        else:
            score = topic_score
        if asked.kind == "who" and not c.quote.speaker:
            score *= 0.7  # a quote with no known speaker cannot answer "who"
        return max(0.0, min(1.0, score))

    def _dedupe(self, kind: str, pool: Sequence[_Candidate], limit: int) -> list[_Candidate]:
        """Best first above the threshold; one answer per speaker for "who", per text otherwise."""
        chosen: list[_Candidate] = []
        seen: set[object] = set()
        for c in pool:
            if c.score < self._settings.min_score:
                break
            key: object = (
                ("speaker", c.quote.speaker_id or c.quote.speaker)
                if kind == "who" and c.quote.speaker
                else ("text", normalize_name(c.quote.text))
            )
            if key in seen:
                continue
            seen.add(key)
            chosen.append(c)
            if len(chosen) >= limit:
                break
        return chosen


class _SpeakerWords:
    """A speaker's names and descriptions as stems, computed once per speaker per question (only
    the words that may match the question, see `_keys`)."""

    __slots__ = ("canonical", "canonical_size", "described", "generic_names", "names", "noted", "raw")

    def __init__(self, profile: SpeakerProfile, stem: TermStemmer, keys: frozenset[str]) -> None:
        # names: a whole name, a surname, a one-word alias ('KCNA'), an acronym of the name;
        # described: any word of the name, longer aliases ('Prime Minister Ishiba') and roles;
        # raw: every word unstemmed, for typos ('defence' ~ 'defense').
        def terms(text: str) -> set[str]:
            words = [_WORD_FORMS.get(w, w) for w in normalize_name(text).split() if w not in NAME_STOPWORDS]
            self.raw.update(words)
            found = stem.stems(w for w in words if w[:3] in keys)
            return found | {stem.stem(a) for a in acronyms(text) if a[:3] in keys}

        self.raw: set[str] = set()
        self.names: set[str] = set()
        # An organisation's head noun ('police' of 'Suffolk Police') is a common noun too: it names
        # the organisation surely only when it is all the question says ("the police").
        self.generic_names = profile.kind == "organisation"
        self.described: set[str] = set()
        canonical_words = [
            w for w in normalize_name(profile.canonical_name).split() if w not in NAME_STOPWORDS
        ]
        self.canonical_size = len(canonical_words)
        self.canonical = stem.stems(w for w in canonical_words if w[:3] in keys)
        self.noted: set[str] = set()  # words of the article's notes on them ("who led the dives")
        for text in (profile.canonical_name, *profile.aliases, *profile.roles):
            if text.lower().startswith(NOTE_OPENERS):
                raw = set(self.raw)
                self.noted |= terms(text)
                self.raw = raw  # a note's words are no name to forgive a typo against
            else:
                self.described |= terms(text)
        self.noted -= self.described
        if profile.kind == "unnamed":
            return
        if canonical_words and canonical_words[-1][:3] in keys:
            self.names.add(stem.stem(canonical_words[-1]))  # the surname, an organisation's head noun
        self.names |= {stem.stem(a) for a in acronyms(profile.canonical_name) if len(a) > 2 and a[:3] in keys}
        for alias in profile.aliases:
            if len(normalize_name(alias).split()) == 1:
                self.names |= terms(alias)


def _speaker_cover(ref: Sequence[_Term], words: _SpeakerWords | None, f: _Fields | None) -> float:
    """How well a speaker fits the words describing them: names count fully, roles nearly so, the
    mention and the sentence around the quote less (they may name someone else)."""
    if not ref:
        return 0.0
    total = matched = 0.0
    strong = False
    missed = 0
    hits_in_name = 0
    for t in ref:
        total += t.weight
        if words is not None and t.stem in words.canonical:
            hits_in_name += 1
        if words is not None and t.stem in words.names:
            m = 1.0
            strong = True
        elif words is not None and (t.stem in words.described or not t.alts.isdisjoint(words.described)):
            m = 0.9
        elif words is not None and (t.stem in words.noted or not t.alts.isdisjoint(words.noted)):
            m = NOTED_CREDIT
        elif f is not None and (
            t.stem in f.context or t.stem in f.lead or not t.alts.isdisjoint(f.context | f.lead)
        ):
            m = 0.6
        elif f is not None and (t.stem in f.title or not t.alts.isdisjoint(f.title)):
            m = TITLE_DESCRIBED_CREDIT  # "Lumora's CEO": the story is about Lumora
        elif words is not None and _fuzzy_in(t.word, words.raw):
            m = 0.8
        else:
            m = 0.0
            missed += 1
        matched += t.weight * m
    cover = matched / total if total else 0.0
    if strong and missed and words is not None and words.generic_names:
        strong = False  # "the police chief" is not "Suffolk Police"
    in_name = words is not None and words.canonical_size > 0 and hits_in_name >= min(2, words.canonical_size)
    if strong or in_name:
        # A name is decisive even when the rest of the description is not; the rest still ranks
        # the named speaker's quotes ("according to X's announcement": the one whose sentence
        # says 'announced').
        cover = max(cover, 0.85 + 0.15 * cover)
    return cover


def _fuzzy_in(word: str, words: Iterable[str]) -> bool:
    if len(word) < 6:
        return False
    return process.extractOne(word, list(words), scorer=fuzz.ratio, score_cutoff=84) is not None


def _salience(q: StoredQuote) -> float:
    """For "what did X say" with no topic: whole quotes of a sentence or two say most about X."""
    n = len(q.text.split())
    length = min(n, 40) / 40 if n <= 60 else 0.6
    return 0.6 * length + 0.4 * (0.0 if q.partial else 1.0)


_PARTICLES = wordset("up down off out in on back away over through around about into")


def _particles(text: str) -> dict[str, str]:
    """Each word of `text` followed by a verb particle, with it ('cut off' -> {'cut': 'off'})."""
    words = _words(text)
    return {w: p for w, p in pairwise(words) if p in _PARTICLES and w not in _STOPWORDS}


def _search_terms(
    first: dict[str, int],
    then: dict[str, int],
    weights: dict[str, float],
    widened: dict[str, str] | None = None,
) -> list[tuple[str, float]]:
    """FTS5 terms and weights to search for, from words and their match counts.

    The rarest words of `first` (the topic) that fit the row budget are searched alone, then the
    rarest of `then` in what is left. A word left out (too common, or over the budget) still
    counts, in an intersection with the words searched (`("a" OR "b") AND "common"`): reading it
    stops at the rows the rare words already found, so a quote with a rare word and a common one
    ranks above one with the rare word only. When every word is common, one AND of the rarest few
    is searched (still selective, but the caller probes it: words may go together). Misspelt words
    match nothing and are left to the rerank: a prefix query would cost more than the budget."""
    chosen: list[str] = []
    rest: list[str] = []
    budget = 0
    for group in (first, then):
        for n, word in sorted((n, w) for w, n in group.items() if n > 0):
            if n < PROBE_CAP and (not chosen or budget + n <= ROW_BUDGET):
                chosen.append(word)
                budget += n
            else:
                rest.append(word)
    if chosen:
        widened = widened or {}

        def expr(w: str) -> str:
            return f"({widened[w]})" if w in widened else _phrase(w)

        anchor = " OR ".join(expr(w) for w in chosen)
        together = [(f"({anchor}) AND {expr(w)}", weights.get(w, 1.0)) for w in rest[:MAX_INTERSECTIONS]]
        return [(expr(w), weights.get(w, 1.0)) for w in chosen] + together
    if len(rest) < 2:
        return []  # one common word alone would match a large part of the store: too vague to search
    return [(" AND ".join(_phrase(w) for w in rest[:3]), 1.0)]


def _phrase(word: str) -> str:
    """A word as an FTS5 string: inside double quotes every character is literal (quotes doubled)."""
    return '"' + word.replace('"', '""') + '"'


@dataclass(frozen=True)
class Answer:
    quote_id: int
    quote: str
    speaker: str | None
    speaker_role: str | None
    article_id: int | None
    article_title: str | None
    article_url: str | None
    score: float
    source: str  # 'article' | 'chat'
    message_id: int | None
    channel_id: int | None


def _answer(c: _Candidate, profile: SpeakerProfile | None) -> Answer:
    q = c.quote
    role = profile.role if profile is not None else None
    speaker = q.speaker
    if speaker and q.speaker_kind != "unnamed" and fold(speaker) in PRONOUNS:
        speaker = None
    return Answer(
        quote_id=q.id,
        quote=q.text,
        speaker=speaker,
        speaker_role=role,
        article_id=q.article_id,
        article_title=q.article_title,
        article_url=q.article_url,
        score=round(c.score, 4),
        source=q.source,
        message_id=q.message_id,
        channel_id=q.channel_id,
    )
