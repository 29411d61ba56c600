"""Attribution cues: the writer's words that say who speaks a quote.

Read within one sentence, around one quote: after it (`"...," said X`, `"...," X said`, `"...,"
according to X`, `" — X`) and before it (`X said: "..."`, `X told reporters, "..."`, `calling him a
"..."`, `according to X, "..."`). The result names the subject phrase as written; resolving it to a
person (pronouns, aliases) is the speaker module's job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.quotes.lexicon import (
    DESCRIBING_VERBS,
    POSSESSIVES,
    SPEECH_NOUNS,
    SPEECH_VERBS,
    TITLES,
    is_role_noun,
    words,
)
from bot.quotes.mentions import (
    COMMON,
    NAME,
    PRONOUN,
    Mention,
    analyse,
    comma_chunks,
    is_name_token,
    phrase_after,
    phrase_before,
)
from bot.quotes.tokens import PUNCT, QUOTE, WORD, Item

_CONJUNCTIONS = words("and but yet so")
_NOT_IN_SUBJECT = words(
    """that which who whom what where when why how if than because while although though is was
    were are be been has have had do does did not to into about over after before during since
    until it he she they we i you him them us me there"""
)
_NOUNABLE = SPEECH_NOUNS | words(
    """term terms call calls note notes claim claims answer reply response warning promise question
    quote word remark comment charge plea vow boast complaint joke read"""
)
# Verbs whose object is the listener, never the speaker (`told The Post`, `asked Smith`).
_OBJECT_VERBS = words("told tell tells telling asked asks ask warned warns urged urges informed assured")
_NOUN_DETERMINERS = words(
    "a an the his her its their our my your this that each every one two three some any no another"
)
_PASSIVE = words("been was were is are be being")
_ADVERBS = words(
    """also later then once famously previously recently earlier reportedly simply just only further
    again finally quickly bluntly has have had would will could might may did does do not never
    often always later subsequently then-"""
)
# Words opening a comma-separated part that is an adverbial, not a subject or an apposition.
_ADVERBIAL = words(
    """in on at after before during while when as since despite following speaking according
    with without for from by to under over through although though because if but and yet so
    however meanwhile asked who which whose where near outside inside behind beyond across around
    toward towards via per amid among like unlike"""
)
_SOURCE_PHRASES = (("according", "to"), ("in", "the", "words", "of"), ("quoting",), ("quoted",))
_DASHES = frozenset("—–-")
# Letters after a name that are not part of it (`Mark Tedeschi, QC`).
_HONORIFICS = words("qc kc sc jr sr esq phd md mp obe mbe cbe")
_MAX_RIGHT = 12
# `"...," Ann Roe, the chief geologist at the Northern Basin Survey, said.`: a name with a long
# apposition may put the verb farther off.
_MAX_RIGHT_APPOSED = 20


@dataclass(slots=True)
class Attribution:
    """Who a cue says speaks: a mention, or the sentence's subject for `..., writing "..."`."""

    mention: Mention | None
    cue: str
    side: str  # "left" or "right"
    needs_subject: bool = False
    role: str = ""  # an apposition read next to the speaker (`, the president of Vantoria,`)


def _words(items: Sequence[Item], lo: int, hi: int) -> str:
    return " ".join(it.text for it in items[lo:hi] if it.kind != QUOTE)


def _is_speech_verb(items: Sequence[Item], i: int) -> bool:
    it = items[i]
    if it.kind != WORD or it.low not in SPEECH_VERBS:
        return False
    if it.is_cap and i > 0 and items[i - 1].kind == WORD:
        return False  # `Call`, `Post` inside a name are not verbs
    if i > 0 and items[i - 1].low in ("the", "a", "an"):
        return False  # `the accused`
    if it.low in _NOUNABLE:
        # `writing in a blog post "..."`, `the local term "..."`: after a determiner it is the noun.
        # But `"...," the listing read.`: a verb ending the clause after `the N` reports.
        ends = i + 1 >= len(items) or (items[i + 1].kind == PUNCT and items[i + 1].text in ".,;")
        for back in (1, 2) if not ends else (1,):
            if i - back >= 0 and items[i - back].kind == WORD and items[i - back].low in _NOUN_DETERMINERS:
                return False
    return True


def _is_passive(items: Sequence[Item], v: int, lo: int) -> bool:
    k = v - 1
    while k >= lo and items[k].kind == WORD and items[k].low in ("not", "also", "never", "reportedly"):
        k -= 1
    return k >= lo and items[k].kind == WORD and items[k].low in _PASSIVE


def _skip_adverbs_back(items: Sequence[Item], k: int, lo: int) -> int:
    while (
        k >= lo
        and items[k].kind == WORD
        and (items[k].low in _ADVERBS or (items[k].low.endswith("ly") and not items[k].is_cap))
    ):
        k -= 1
    return k


def _valid_name(m: Mention | None) -> bool:
    return (
        m is not None
        and m.kind == NAME
        and bool(m.name)
        and not all(w.lower().rstrip(".") in TITLES for w in m.name)
    )


def subject_before(items: Sequence[Item], lo: int, end: int) -> tuple[Mention | None, str]:
    """The subject phrase that ends right before ``end`` (a verb), with any apposition as role."""
    k = _skip_adverbs_back(items, end - 1, lo)
    if k < lo:
        return None, ""
    if not (items[k].kind == PUNCT and items[k].text == ","):
        phrase = phrase_before(items, k, lo)
        return (analyse(phrase) if phrase else None), ""
    chunks = comma_chunks(items, lo, k)
    found: list[tuple[Mention, bool]] = []  # (mention, chunk was read whole)
    for cs, ce in reversed(chunks[-4:]):
        while cs < ce and items[cs].kind == WORD and items[cs].low in _CONJUNCTIONS:
            cs += 1  # `..., and former midfielder Dietmar Hamann, now a pundit, told`
        if cs >= ce:
            break
        first = items[cs]
        if ce - cs == 1 and first.text.isdigit():
            continue  # an age: `Dalca, 54, said`
        if first.kind == WORD and not first.is_cap and first.low.endswith("ing"):
            continue  # `Kerry, addressing reporters in Geneva, said`
        if first.kind == WORD and not first.is_cap and cs + 1 < ce and items[cs + 1].low == "by":
            continue  # `The jury, led by the actress Celine Marchetti, praised`
        if first.kind == WORD and first.low in _ADVERBIAL and found:
            break
        if first.kind == WORD and first.low in ("who", "whose") and cs > lo:
            continue  # `A city official, who was not authorized to speak publicly, said`
        phrase = phrase_before(items, ce - 1, cs)
        whole = bool(phrase) and phrase[0].start == items[cs].start
        m = analyse(phrase) if phrase else None
        if m is not None and m.kind == COMMON and not whole and first.low in _ROLE_OPENERS | _COUNTERS:
            # `Wrobel, a lunar geologist at the university who was not involved in the study,`,
            # `A city official familiar with the inspections, ... said`: the apposition or the
            # source is the phrase that opens the chunk, not the noun that ends it
            relative = any(items[x].low in ("who", "whose") for x in range(cs, ce))
            opening = phrase_after(items, cs, ce)
            m_open = analyse(opening) if opening else None
            if (
                m_open is not None
                and m_open.kind == COMMON
                and (relative or (is_role_noun(m_open.head) and not is_role_noun(m.head)))
            ):
                m = m_open
        if m is not None and m.kind == NAME and first.low in ("a", "an"):
            m = None  # `One victim, a retired teacher from Roundhay who ..., said`: a place in it
        if m is None:
            if found:
                break
            continue
        if first.kind == WORD and first.low in _ADVERBIAL and not whole:
            continue
        found.append((m, whole))
        if _valid_name(m) and whole:
            break
    # A name read whole beats one found at the end of a clause (`..., before leaving for London,`).
    names = [m for m, whole in found if _valid_name(m) and whole] or [m for m, _ in found if _valid_name(m)]
    appos = [m for m, _ in found if m.kind == COMMON]
    if names:
        role = appos[0].text if appos else ""
        return names[0], role
    if found:
        return found[-1][0], ""
    return None, ""


def _np_forward(items: Sequence[Item], i: int, hi: int) -> tuple[Mention | None, str, int]:
    """A speaker phrase after a cue (`said the chief secretary, Aya Morimoto`), with its apposition."""
    phrase = phrase_after(items, i, hi)
    if not phrase:
        return None, "", i
    m = analyse(phrase)
    j = i + len(phrase)
    role = ""
    # `the chief cabinet secretary, Aya Morimoto` / `Elena Marsh, the president of Vantoria,`
    if j + 1 < hi and items[j].kind == PUNCT and items[j].text == ",":
        nxt = phrase_after(items, j + 1, hi)
        m2 = analyse(nxt) if nxt else None
        if m is not None and m.kind == COMMON and _valid_name(m2):
            role, m = m.text, m2
            j = j + 1 + len(nxt)
        elif _valid_name(m) and m2 is not None and m2.kind == COMMON:
            role = m2.text
            j = j + 1 + len(nxt)
            # `Helena Marsh, a planetary scientist at Leicester and the mission's principal
            # investigator`: a second role joined by `and`
            if j + 2 < hi and items[j].low == "and" and items[j + 1].low in _ROLE_OPENERS:
                more = phrase_after(items, j + 1, hi)
                m3 = analyse(more) if more else None
                if m3 is not None and m3.kind == COMMON:
                    role = f"{role} and {m3.text}"
                    j = j + 1 + len(more)
            if j < hi and items[j].kind == PUNCT and items[j].text == ",":
                j += 1
    return m, role, j


_ROLE_OPENERS = words("the a an its his her their")
_COUNTERS = words("another one")  # `Another parent, who ...`, `One victim, a 79-year-old ...`
_SOURCE_FIRST = frozenset(p[0] for p in _SOURCE_PHRASES)
# Nouns of a spoken or written message: `The message from X was clear: "..."`.
_MESSAGE_NOUNS = words(
    """message messages statement response reply answer warning verdict advice plea promise words
    instruction instructions order orders demand explanation reaction comment comments note"""
)


def _source_phrase_at(items: Sequence[Item], i: int, hi: int) -> int:
    """Length of an `according to`-like phrase starting at i, or 0."""
    if items[i].low not in _SOURCE_FIRST:
        return 0
    for phrase in _SOURCE_PHRASES:
        n = len(phrase)
        if i + n <= hi and all(items[i + t].kind == WORD and items[i + t].low == phrase[t] for t in range(n)):
            if phrase == ("quoted",) and not (i + 1 < hi and items[i + 1].low in ("by",)):
                continue
            return n + (1 if phrase == ("quoted",) else 0)
    return 0


def right_attribution(items: Sequence[Item], k: int, hi: int) -> Attribution | None:
    """Attribution written after the quote at index k, up to index hi."""
    i = k + 1
    dash = False
    while i < hi and items[i].kind == PUNCT and items[i].text in ",:" + "".join(_DASHES):
        dash = dash or items[i].text in _DASHES
        i += 1
    if i >= hi:
        return None
    n = _source_phrase_at(items, i, hi)
    if n:
        m, role, _ = _np_forward(items, i + n, hi)
        if m is not None:
            return Attribution(m, _words(items, i, i + n), "right", role=role)
        return None
    if _is_speech_verb(items, i):
        m, role, _ = _np_forward(items, i + 1, hi)
        if m is not None:
            return Attribution(m, items[i].text, "right", role=role)
        return None
    for v in range(i, min(hi, i + _MAX_RIGHT_APPOSED)):
        it = items[v]
        if it.kind == QUOTE:
            break
        if v - i >= _MAX_RIGHT and not _after_apposed_name(items, i, v):
            continue
        if _is_speech_verb(items, v) and not _is_passive(items, v, i):
            told = quoted_object(items, v, i, hi)
            if told is not None:
                return Attribution(told, "quoted ... as saying", "right")
            quoted = _quoted_as(items, v, i)
            m, role = subject_before(items, i, quoted if quoted >= 0 else v)
            if m is None:
                return None
            if not _opens_segment(items, i, m):
                return None
            return Attribution(m, it.text, "right", role=role)
    if dash:
        # `" —Commissioner Paul Adeyemi`: the name is all that follows the dash.
        # A comma may add the occasion: `" – Ian Broadbent, on his side's promotion hopes.`
        m, role, j = _np_forward(items, i, hi)
        rest = items[j:hi]
        if (
            m is not None
            and m.kind == NAME
            and (all(it.kind == PUNCT for it in rest) or (rest[0].kind == PUNCT and rest[0].text == ","))
        ):
            return Attribution(m, items[i - 1].text, "right", role=role)
    return None


def _after_apposed_name(items: Sequence[Item], i: int, v: int) -> bool:
    """A verb far after the quote reports it only as `NAME, apposition, said`: a name opens the
    attribution, and a comma ends the apposition right before a finite verb (not `, calling`)."""
    return (
        items[i].kind == WORD
        and is_name_token(items[i])
        and items[v - 1].kind == PUNCT
        and items[v - 1].text == ","
        and not participle_of(items[v])
    )


def _opens_segment(items: Sequence[Item], i: int, m: Mention) -> bool:
    """The subject found after a quote must open the attribution (`, the ministry said`)."""
    for it in items[i:]:
        if it.start >= m.start:
            return True
        if it.kind == PUNCT and it.text == ",":
            continue  # `"...," Aslan's father, Mehmet Aslan, told CNN`
        if it.kind != WORD or it.low in _NOT_IN_SUBJECT or it.low in SPEECH_VERBS:
            return False
    return False


def left_attribution(items: Sequence[Item], k: int, lo: int) -> Attribution | None:
    """Attribution written before the quote at index k, back to index lo."""
    # `according to X, "..."`, `in the words of X, "..."`, `quoting X, "..."`
    for i in range(lo, k):
        n = _source_phrase_at(items, i, k)
        if n:
            m, role, j = _np_forward(items, i + n, k)
            rest = items[j:k]
            if m is not None and (
                all(it.kind == PUNCT or it.low.rstrip(".") in _HONORIFICS for it in rest)
                or _apposition_only(rest)
            ):
                return Attribution(m, _words(items, i, i + n), "left", role=role)
            if m is not None and items[i].low == "quoting":
                return Attribution(m, "quoting", "left", role=role)
            if m is not None and i == lo and j < k and items[j].text == ",":
                # `According to police, the man "was armed."`: the source opens the sentence.
                return Attribution(m, _words(items, i, i + n), "left", role=role)
    v = k - 1
    while v >= lo:
        # A quote earlier in the clause is crossed: one verb reports both (`said it had "A" and "B"`).
        if _is_speech_verb(items, v):
            if not _is_passive(items, v, lo):
                return _subject_of_verb(items, v, k, lo)
            agent = _passive_agent(items, v, k)
            if agent is not None:
                return agent
        v -= 1
    # `Smith: "..."`
    if k - 1 > lo and items[k - 1].kind == PUNCT and items[k - 1].text == ":":
        phrase = phrase_before(items, k - 2, lo)
        m = analyse(phrase) if phrase else None
        if _valid_name(m) and phrase and phrase[0].start == items[lo].start:
            return Attribution(m, ":", "left")
        return _message_before_colon(items, k, lo)
    return None


def _passive_agent(items: Sequence[Item], v: int, k: int) -> Attribution | None:
    """`being told by a professor that it was "..."`, `described by police as "..."`: the agent of
    a passive speech verb speaks what follows it (not `the post was written by an aide "..."`,
    where the quote is no content of the verb)."""
    if v + 2 >= k or items[v + 1].low != "by":
        return None
    m, role, j = _np_forward(items, v + 2, k)
    if m is None or m.kind == PRONOUN or not m.can_speak:
        return None
    if j >= k or items[j].low not in ("that", ":", "as"):
        return None
    return Attribution(m, f"{items[v].text} by", "left", role=role)


def _message_before_colon(items: Sequence[Item], k: int, lo: int) -> Attribution | None:
    """`The message from Mayor Ann Lee was clear: "..."`, `Her answer was short: "..."`: a noun of
    speech before the colon makes the quote speech; `from X` or an owner `X's` names the speaker."""
    for n in range(lo, k - 1):
        it = items[n]
        if it.kind != WORD or it.low not in _MESSAGE_NOUNS:
            continue
        if n + 1 < k and items[n + 1].low == "from":
            m, role, _ = _np_forward(items, n + 2, k)
            if m is not None and m.can_speak:
                return Attribution(m, f"{it.text} from", "left", role=role)
        owner = items[n - 1] if n > lo else None
        if owner is not None and owner.low in POSSESSIVES:
            # `Her answer was short: "..."`: whoever `her` is.
            mention = Mention(owner.text, owner.start, owner.end, PRONOUN, gender=POSSESSIVES[owner.low])
            return Attribution(mention, it.text, "left")
        if owner is not None and owner.is_cap and owner.text.endswith(("'s", "’s")):
            phrase = phrase_before(items, n - 1, lo)
            m = analyse(phrase) if phrase else None
            if _valid_name(m):
                return Attribution(m, it.text, "left")
        return Attribution(None, it.text, "left", needs_subject=True)
    return None


def _apposition_only(rest: Sequence[Item]) -> bool:
    """`according to Margit Held, leader of the Unity Party in the province, "..."`: what stands
    between the source and its quote is a comma-enclosed description with no verb of its own."""
    if len(rest) < 2 or rest[-1].text != "," or len(rest) > 16:
        return False
    return all(
        (it.kind == WORD and it.low not in SPEECH_VERBS and it.low not in _NOT_IN_SUBJECT)
        or (it.kind == PUNCT and it.text in ",()")
        for it in rest[:-1]
    )


def quoted_object(items: Sequence[Item], v: int, lo: int, hi: int) -> Mention | None:
    """`the Free Press quoted Barnett as saying`: the person between `quoted` and `as saying`."""
    if v - 2 < lo or items[v - 1].low != "as":
        return None
    for q in range(v - 2, max(lo - 1, v - 8), -1):
        if items[q].low == "quoted":
            phrase = phrase_after(items, q + 1, min(hi, v - 1))
            m = analyse(phrase) if phrase else None
            return m if m is not None and m.can_speak else None
        if items[q].kind != WORD:
            return None
    return None


def _quoted_as(items: Sequence[Item], v: int, lo: int) -> int:
    """`Lopez was quoted as saying`: the index of `was`, where the speaker's phrase ends, or -1."""
    if v - 3 >= lo and items[v - 1].low == "as" and items[v - 2].low == "quoted":
        aux = v - 3
        while aux > lo and items[aux].low in ("also", "reportedly", "later"):
            aux -= 1
        if items[aux].low in _PASSIVE:
            return aux
    return -1


def _subject_of_verb(items: Sequence[Item], v: int, k: int, lo: int) -> Attribution | None:
    verb = items[v]
    cue_end = v + 1
    while cue_end < k and items[cue_end].kind == WORD and cue_end - v <= 5:
        cue_end += 1
    cue = _words(items, v, cue_end)
    told = quoted_object(items, v, lo, k)
    if told is not None:
        return Attribution(told, "quoted ... as saying", "left")
    quoted = _quoted_as(items, v, lo)
    if quoted >= 0:
        m, role = subject_before(items, lo, quoted)
        return Attribution(m, cue, "left", needs_subject=m is None, role=role)
    # Inverted before the quote: `said Smith: "..."`, `says Tom Smith, "..."`.
    if v + 1 < k and items[v + 1].is_cap and verb.low not in _OBJECT_VERBS:
        m, role, j = _np_forward(items, v + 1, k)
        if _valid_name(m) and j < k and all(it.kind == PUNCT for it in items[j:k]):
            return Attribution(m, verb.text, "left", role=role)
    before = _skip_adverbs_back(items, v - 1, lo)
    if before > lo and items[before].low in ("who", "which"):
        # `..., Bishop Jack Moyer, who wrote that ...`: the relative pronoun's antecedent speaks.
        end = before - 1 if items[before - 1].text == "," else before
        run = end
        while run > lo and (is_name_token(items[run - 1]) or items[run - 1].low in TITLES):
            run -= 1
        if run < end:
            m = analyse(items[run:end])
            if _valid_name(m):
                return Attribution(m, cue, "left")
        m, role = subject_before(items, lo, end)
        if m is not None:
            return Attribution(m, cue, "left", role=role)
    if before > lo and items[before].low == "to" and not participle_of(verb):
        # `prompted the club's president, Jean Dupont, to tell reporters: "..."`
        m, role = subject_before(items, lo, before)
        if _valid_name(m) or (m is not None and m.kind == COMMON and m.can_speak):
            return Attribution(m, cue, "left", role=role)
    participle = participle_of(verb)
    # `..., writing "..."`, `issued a statement saying "..."`: the clause's subject speaks.
    if participle and (
        before < lo
        or items[before].kind == PUNCT
        or items[before].low in ("and", "by")
        or items[before].low in SPEECH_NOUNS
    ):
        return Attribution(None, cue, "left", needs_subject=True)
    if before >= lo and items[before].kind == WORD and items[before].low in ("and", "but", "then"):
        return Attribution(None, cue, "left", needs_subject=True)
    m, role = subject_before(items, lo, v)
    if m is None:
        return Attribution(None, cue, "left", needs_subject=True)
    return Attribution(m, cue, "left", role=role)


def participle_of(verb: Item) -> bool:
    return verb.low.endswith("ing")


def describing_cue_before(items: Sequence[Item], k: int, lo: int) -> bool:
    """`called him a "..."` / `described her as "..."`: a description in quotes, not a name."""
    for v in range(max(lo, k - 6), k):
        if items[v].kind == WORD and items[v].low in DESCRIBING_VERBS:
            return v < k - 1
    return False
