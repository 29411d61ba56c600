"""Quotes, speakers, their aliases and roles, per guild, and the reads the question answerer needs.

Why it is shaped this way:

* Article quotes are written in batches (`replace_article_quotes`) with `executemany` inside one
  transaction: the FTS5 index is kept in sync by triggers, and at a million quotes the per-statement
  and per-transaction overhead, not SQLite, is what limits the build rate.
* Re-indexing an article deletes its quotes and writes them again, so ingesting the same article
  twice never duplicates a quote. Speakers are merged by (guild, canonical name): every alias and
  role seen in any article of the guild stays attached to the one speaker.
* Speaker words (names, aliases, roles) also go to `speaker_terms`, an inverted index of stems, so
  "the South Korean president" is resolved with indexed lookups instead of scanning every role.
* Chat speakers ("Save as quote") are keyed by their Discord member id, never merged with an
  article speaker of the same name: their canonical name carries the member id, and the name shown
  is the member's display name.
* Every read filters by guild: one guild never sees another's quotes or speakers.
"""

from __future__ import annotations

import enum
import logging
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite
import snowballstemmer

from bot.quotes.model import shown_role
from bot.store.db import Database
from bot.store.guilds import ensure_guild

log = logging.getLogger(__name__)

_SQL_CHUNK = 500  # bound parameters per IN (...) list, well under SQLite's limit
_SEARCH_POOL = 100  # best matches of all guilds looked up for their guild, see `QuoteRepo.search`
_NON_WORD = re.compile(r"[^\w]+")
_POSSESSIVE = re.compile(r"(\w)['’]s\b")
_LIKE_SPECIAL = re.compile(r"([\\%_])")
# Combining marks left by NFKD decomposition: Latin, extended and symbol diacritics.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def wordset(text: str) -> frozenset[str]:
    """A set of words written as one string: easier to read and edit than a list literal."""
    return frozenset(text.split())


# Words that say nothing about who a speaker is; never indexed as speaker terms.
NAME_STOPWORDS = wordset(
    "the a an of and or for in on at to from by with his her their its as is was who which that"
)
# A bare pronoun is a mention, never an alias.
PRONOUNS = wordset("he she they him her them his hers their theirs it its we us our i me my you your one")

KINDS = frozenset({"person", "organisation", "unnamed"})


def fold(text: str) -> str:
    """Lower-case without accents, so 'Wallström' and 'Wallstrom' are one name."""
    if text.isascii():
        return text.lower()
    if unicodedata.is_normalized("NFKD", text):  # curly quotes and dashes, but no accents
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()


def normalize_name(text: str) -> str:
    """The lookup form of a name or role: folded, possessive 's dropped, punctuation as spaces."""
    folded = _POSSESSIVE.sub(r"\1", fold(text))
    return " ".join(_NON_WORD.sub(" ", folded).replace("_", " ").split())


class TermStemmer:
    """Snowball (Porter 2) English stems with a bounded memo.

    The pure-Python stemmer costs about 50 µs a word, far too slow to stem every candidate quote on
    each question; news vocabulary repeats, so a memo makes it nearly free. The memo is per object
    (one per asker/repository), not module state.
    """

    def __init__(self, max_size: int = 200_000) -> None:
        self._stemmer = snowballstemmer.stemmer("english")
        self._memo: dict[str, str] = {}
        self._max_size = max_size

    def stem(self, word: str) -> str:
        found = self._memo.get(word)
        if found is None:
            found = self._stemmer.stemWord(word)
            if len(self._memo) >= self._max_size:
                self._memo.clear()
            self._memo[word] = found
        return found

    def stems(self, words: Iterable[str]) -> set[str]:
        """The stems of many words (the hot path of reranking: memo hits without method calls)."""
        memo = self._memo
        return {memo[w] if w in memo else self.stem(w) for w in words}


# Irregular past forms and participles, as their base, in speaker words and questions alike: a
# question's "who led the trial" and a sentence's "the lead author" or "leading it" share a stem
# then (stemming leaves "led" alone).
# Not 'thought' and 'felt': as the verb of "who thought ...", they would find every "I think".
IRREGULAR_BASES = {
    past: base
    for base, forms in (
        ("lead", "led"), ("write", "wrote written"), ("speak", "spoke spoken"), ("give", "gave given"),
        ("take", "took taken"), ("know", "knew known"), ("find", "found"),
        ("hear", "heard"), ("keep", "kept"), ("mean", "meant"), ("lose", "lost"),
        ("win", "won"), ("fall", "fell fallen"), ("hold", "held"), ("make", "made"), ("see", "saw seen"),
        ("send", "sent"), ("spend", "spent"), ("pay", "paid"), ("sell", "sold"), ("buy", "bought"),
        ("bring", "brought"), ("teach", "taught"), ("catch", "caught"), ("fight", "fought"),
        ("begin", "began begun"), ("choose", "chose chosen"), ("drive", "drove driven"), ("run", "ran"),
        ("build", "built"), ("stand", "stood"), ("understand", "understood"), ("sing", "sang sung"),
        ("grow", "grew grown"), ("throw", "threw thrown"), ("break", "broke broken"), ("come", "came"),
        ("swim", "swam swum"), ("fly", "flew flown"), ("shake", "shook shaken"), ("wake", "woke woken"),
    )
    for past in forms.split()
}  # fmt: skip


def name_terms(text: str, stemmer: TermStemmer) -> set[str]:
    """Stems of the meaningful words of a name or role ('Prime Minister Ishiba' -> prime, minist,
    ishiba), and the acronyms of its capitalised runs ('United Nations official' -> un)."""
    forms = IRREGULAR_BASES
    terms = {stemmer.stem(forms.get(w, w)) for w in normalize_name(text).split() if w not in NAME_STOPWORDS}
    return terms | {stemmer.stem(a) for a in acronyms(text)}


_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’.-]*(?:\s+(?:(?:of|and|for|the|de)\s+)*[A-Z][\w'’.-]*)+")
_RUN_FILLERS = frozenset({"of", "and", "for", "the", "de"})


def acronyms(text: str) -> set[str]:
    """Initials of runs of capitalised words and of their parts ('Korean Central News Agency' ->
    kcna, kcn, cna, ...; 'Department of Agriculture' -> da), lower-cased: news writes 'UN' for
    'United Nations' and 'KCNA' for the agency, and readers ask either way."""
    found: set[str] = set()
    for run in _CAPITALISED_RUN.findall(text):
        words = [w for w in run.split() if w.lower() not in _RUN_FILLERS][:8]
        initials = "".join(_initials(w) for w in words)
        for i in range(len(initials)):
            for j in range(i + 2, min(len(initials), i + 6) + 1):
                found.add(initials[i:j])
    return found


def _initials(word: str) -> str:
    """'United' -> 'u'; a dotted abbreviation gives all its letters ('U.S.' -> 'us')."""
    letters = word.replace(".", "")
    if "." in word and letters.isalpha() and letters.isupper() and len(letters) <= 4:
        return fold(letters)
    return fold(word[0])


# Values written -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeakerRecord:
    """A speaker as one article (or a chat message) presents them."""

    canonical: str
    kind: str = "person"
    aliases: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


# A quote's stored context is its sentence, after the writer's lead-in to it when there is one;
# the two are told apart by this separator (a sentence is stored on one line).
LEAD_SEPARATOR = "\n"


@dataclass(frozen=True)
class QuoteRecord:
    text: str
    speaker: str | None  # canonical name of a SpeakerRecord of the same batch, or None
    speaker_mention: str | None = None
    start: int | None = None
    end: int | None = None
    cue: str | None = None
    partial: bool = False
    named: bool = True
    context: str = ""  # the sentence around, after its lead-in and LEAD_SEPARATOR when it has one


@dataclass(frozen=True)
class ArticleQuotes:
    """Everything to (re)write for one article: its quotes replace the ones stored before."""

    article_id: int
    quotes: tuple[QuoteRecord, ...]
    speakers: tuple[SpeakerRecord, ...]


# Values read --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredQuote:
    id: int
    guild_id: int
    article_id: int | None
    speaker_id: int | None
    speaker: str | None  # name to show: canonical name, or a chat member's display name
    speaker_kind: str | None
    speaker_mention: str | None
    text: str
    context: str
    partial: bool
    named: bool
    source: str  # 'article' | 'chat'
    channel_id: int | None
    message_id: int | None
    author_id: int | None
    article_title: str | None
    article_url: str | None


@dataclass(frozen=True)
class SpeakerProfile:
    id: int
    name: str  # name to show
    canonical_name: str
    kind: str
    aliases: tuple[str, ...]
    roles: tuple[str, ...]  # titles and appositions, then notes ("who led the trial")
    discord_user_id: int | None

    @property
    def role(self) -> str | None:
        """The role to show next to the name (never a note)."""
        return shown_role(self.roles)


@dataclass(frozen=True)
class QuoteCounts:
    quotes: int
    article_quotes: int
    chat_quotes: int
    speakers: int
    articles_with_quotes: int


class DeleteOutcome(enum.Enum):
    DELETED = "deleted"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"  # the requester is not the member who said it


@dataclass(frozen=True)
class ChatQuoteSaved:
    quote_id: int
    created: bool  # False when the message had already been saved


def _chunks(items: Sequence[object], size: int = _SQL_CHUNK) -> Iterable[Sequence[object]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _clean_aliases(speaker: SpeakerRecord) -> list[tuple[str, str]]:
    """(alias as written, lookup form) for the canonical name and every alias that is not a pronoun."""
    seen: dict[str, str] = {}
    for alias in (speaker.canonical, *speaker.aliases):
        alias = " ".join(alias.split())
        norm = normalize_name(alias)
        if not norm or norm in PRONOUNS or norm in seen:
            continue
        seen[norm] = alias
    return [(alias, norm) for norm, alias in seen.items()]


def _clean_roles(speaker: SpeakerRecord) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for role in speaker.roles:
        role = " ".join(role.split())
        norm = normalize_name(role)
        if norm and norm not in seen:
            seen[norm] = role
    return [(role, norm) for norm, role in seen.items()]


_QUOTE_ROWS = (
    "SELECT q.id, q.guild_id, q.article_id, q.speaker_id, q.speaker_mention, q.text, q.context, "
    "q.partial, q.named, q.source, q.channel_id, q.message_id, q.author_id, "
    "s.canonical_name, s.kind, s.discord_user_id, a.title, coalesce(a.canonical_url, a.url) "
    "FROM quotes q LEFT JOIN speakers s ON s.id = q.speaker_id LEFT JOIN articles a ON a.id = q.article_id"
)


def _stored_quote(r: Sequence[Any]) -> StoredQuote:
    is_member = r[15] is not None  # a chat speaker is shown by the name they had in that message
    return StoredQuote(
        id=int(r[0]),
        guild_id=int(r[1]),
        article_id=r[2],
        speaker_id=r[3],
        speaker=(r[4] or r[13]) if is_member else r[13],
        speaker_kind=r[14],
        speaker_mention=r[4],
        text=r[5],
        context=r[6] or "",
        partial=bool(r[7]),
        named=bool(r[8]),
        source=r[9],
        channel_id=r[10],
        message_id=r[11],
        author_id=r[12],
        article_title=r[16],
        article_url=r[17],
    )


class QuoteRepo:
    def __init__(self, db: Database, stemmer: TermStemmer | None = None) -> None:
        self._db = db
        self._stemmer = stemmer or TermStemmer()

    @property
    def stemmer(self) -> TermStemmer:
        return self._stemmer

    # Article quotes -------------------------------------------------------------------------------

    async def replace_article_quotes(self, guild_id: int, batch: Sequence[ArticleQuotes]) -> int:
        """Write the quotes of each article in `batch`, replacing what was stored for it, in one
        transaction. Returns the number of quotes written."""
        if not batch:
            return 0
        async with self._db.transaction() as conn:
            article_ids = [item.article_id for item in batch]
            previous = await self._speakers_of_articles(conn, guild_id, article_ids)
            await conn.executemany(
                # "+guild_id": look the article up by its index, not every quote of the guild.
                "DELETE FROM quotes WHERE article_id = ? AND +guild_id = ?",
                [(a, guild_id) for a in article_ids],
            )
            speakers = self._merge_speaker_records(batch)
            ids = await self._upsert_speakers(conn, guild_id, list(speakers.values()))
            rows = []
            for item in batch:
                for q in item.quotes:
                    speaker_id = ids.get(q.speaker) if q.speaker else None
                    rows.append(
                        (
                            guild_id,
                            item.article_id,
                            speaker_id,
                            q.speaker_mention,
                            q.text,
                            q.start,
                            q.end,
                            q.cue,
                            int(q.partial),
                            int(q.named),
                            q.context or "",
                        )
                    )
            await conn.executemany(
                'INSERT INTO quotes(guild_id, article_id, speaker_id, speaker_mention, text, start, "end", '
                "cue, partial, named, context, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'article')",
                rows,
            )
            stale = previous - set(ids.values())
            if stale:
                await self._drop_unquoted_speakers(conn, sorted(stale))
        return len(rows)

    @staticmethod
    def _merge_speaker_records(batch: Sequence[ArticleQuotes]) -> dict[str, SpeakerRecord]:
        """One record per canonical name in the batch, aliases and roles united; a quote whose speaker
        has no record gets one (unnamed when the quote says its source is not named)."""
        merged: dict[str, SpeakerRecord] = {}

        def add(rec: SpeakerRecord) -> None:
            old = merged.get(rec.canonical)
            if old is None:
                merged[rec.canonical] = rec
                return
            kind = old.kind if old.kind != "unnamed" else rec.kind
            merged[rec.canonical] = SpeakerRecord(
                old.canonical,
                kind,
                tuple(dict.fromkeys(old.aliases + rec.aliases)),
                tuple(dict.fromkeys(old.roles + rec.roles)),
            )

        for item in batch:
            for rec in item.speakers:
                if rec.canonical.strip():
                    add(rec)
            for q in item.quotes:
                if q.speaker and q.speaker not in merged:
                    add(SpeakerRecord(q.speaker, "person" if q.named else "unnamed"))
        return merged

    async def _speakers_of_articles(
        self, conn: aiosqlite.Connection, guild_id: int, article_ids: Sequence[int]
    ) -> set[int]:
        found: set[int] = set()
        for chunk in _chunks(article_ids):
            async with conn.execute(
                "SELECT DISTINCT speaker_id FROM quotes WHERE +guild_id = ? "
                f"AND article_id IN ({_marks(len(chunk))}) AND speaker_id IS NOT NULL",
                (guild_id, *chunk),
            ) as cur:
                found.update(int(r[0]) for r in await cur.fetchall())
        return found

    async def _upsert_speakers(
        self, conn: aiosqlite.Connection, guild_id: int, speakers: Sequence[SpeakerRecord]
    ) -> dict[str, int]:
        """Speaker ids by canonical name, creating the missing ones and adding aliases, roles, terms."""
        if not speakers:
            return {}
        await conn.executemany(
            "INSERT INTO speakers(guild_id, canonical_name, kind) VALUES (?, ?, ?) "
            "ON CONFLICT(guild_id, canonical_name) DO UPDATE SET kind = excluded.kind "
            "WHERE speakers.kind = 'unnamed' AND excluded.kind != 'unnamed'",
            [(guild_id, s.canonical, s.kind if s.kind in KINDS else "person") for s in speakers],
        )
        ids: dict[str, int] = {}
        names = [s.canonical for s in speakers]
        for chunk in _chunks(names):
            async with conn.execute(
                "SELECT id, canonical_name FROM speakers WHERE guild_id = ? "
                f"AND canonical_name IN ({_marks(len(chunk))})",
                (guild_id, *chunk),
            ) as cur:
                for row in await cur.fetchall():
                    ids[row[1]] = int(row[0])
        alias_rows: list[tuple[int, str, str]] = []
        role_rows: list[tuple[int, str, str]] = []
        term_rows: set[tuple[int, str, int, str]] = set()
        for s in speakers:
            sid = ids[s.canonical]
            for alias, norm in _clean_aliases(s):
                alias_rows.append((sid, alias, norm))
                term_rows.update((guild_id, t, sid, "name") for t in name_terms(alias, self._stemmer))
            for role, norm in _clean_roles(s):
                role_rows.append((sid, role, norm))
                term_rows.update((guild_id, t, sid, "role") for t in name_terms(role, self._stemmer))
        await conn.executemany(
            "INSERT OR IGNORE INTO speaker_aliases(speaker_id, alias, alias_norm) VALUES (?, ?, ?)",
            alias_rows,
        )
        await conn.executemany(
            "INSERT OR IGNORE INTO speaker_roles(speaker_id, role, role_norm) VALUES (?, ?, ?)", role_rows
        )
        await conn.executemany(
            "INSERT OR IGNORE INTO speaker_terms(guild_id, term, speaker_id, field) VALUES (?, ?, ?, ?)",
            sorted(term_rows),
        )
        return ids

    async def _drop_unquoted_speakers(self, conn: aiosqlite.Connection, speaker_ids: Sequence[int]) -> None:
        """Forget article speakers left without any quote (their article was re-indexed without them)."""
        for chunk in _chunks(speaker_ids):
            await conn.execute(
                f"DELETE FROM speakers WHERE id IN ({_marks(len(chunk))}) AND discord_user_id IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM quotes q WHERE q.speaker_id = speakers.id)",
                tuple(chunk),
            )

    # Chat quotes ----------------------------------------------------------------------------------

    async def add_chat_quote(
        self,
        guild_id: int,
        channel_id: int,
        message_id: int,
        author_id: int,
        author_name: str,
        text: str,
        saved_by: int,
    ) -> ChatQuoteSaved:
        """Save a member's message as a quote; saving the same message again changes nothing."""
        text = text.strip()
        if not text:
            raise ValueError("an empty message cannot be saved as a quote")
        display = " ".join(author_name.split()) or f"member {author_id}"
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT id FROM quotes WHERE guild_id = ? AND message_id = ?", (guild_id, message_id)
            ) as cur:
                row = await cur.fetchone()
            if row is not None:
                return ChatQuoteSaved(int(row[0]), created=False)
            await ensure_guild(conn, guild_id)
            speaker_id = await self._chat_speaker(conn, guild_id, author_id, display)
            cur = await conn.execute(
                "INSERT INTO quotes(guild_id, speaker_id, speaker_mention, text, source, channel_id, "
                "message_id, author_id, saved_by, partial, named) "
                "VALUES (?, ?, ?, ?, 'chat', ?, ?, ?, ?, 0, 1)",
                (guild_id, speaker_id, display, text, channel_id, message_id, author_id, saved_by),
            )
            quote_id = int(cur.lastrowid or 0)
            await cur.close()
        return ChatQuoteSaved(quote_id, created=True)

    async def _chat_speaker(
        self, conn: aiosqlite.Connection, guild_id: int, author_id: int, display: str
    ) -> int:
        async with conn.execute(
            "SELECT id FROM speakers WHERE guild_id = ? AND discord_user_id = ?", (guild_id, author_id)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            cur = await conn.execute(
                "INSERT INTO speakers(guild_id, canonical_name, kind, discord_user_id) "
                "VALUES (?, ?, 'person', ?)",
                (guild_id, f"{display} (member {author_id})", author_id),
            )
            speaker_id = int(cur.lastrowid or 0)
            await cur.close()
        else:
            speaker_id = int(row[0])
        norm = normalize_name(display)
        if norm:
            await conn.execute(
                "INSERT OR IGNORE INTO speaker_aliases(speaker_id, alias, alias_norm) VALUES (?, ?, ?)",
                (speaker_id, display, norm),
            )
            await conn.executemany(
                "INSERT OR IGNORE INTO speaker_terms(guild_id, term, speaker_id, field) "
                "VALUES (?, ?, ?, 'name')",
                [(guild_id, t, speaker_id) for t in sorted(name_terms(display, self._stemmer))],
            )
        return speaker_id

    async def delete_chat_quote(self, guild_id: int, message_id: int, requester_id: int) -> DeleteOutcome:
        """Delete a saved chat quote; only the member who said it may."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT id, author_id, speaker_id FROM quotes WHERE guild_id = ? AND message_id = ? "
                "AND source = 'chat'",
                (guild_id, message_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return DeleteOutcome.NOT_FOUND
            if row[1] != requester_id:
                return DeleteOutcome.FORBIDDEN
            await conn.execute("DELETE FROM quotes WHERE id = ?", (row[0],))
            await self._drop_chat_speaker_if_unquoted(conn, guild_id, requester_id)
        return DeleteOutcome.DELETED

    async def delete_chat_quotes_by_author(self, guild_id: int, author_id: int) -> int:
        """Forget every chat quote of a member in a guild (and the member as a speaker)."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM quotes WHERE guild_id = ? AND author_id = ? AND source = 'chat'",
                (guild_id, author_id),
            )
            deleted = int(cur.rowcount or 0)
            await cur.close()
            await self._drop_chat_speaker_if_unquoted(conn, guild_id, author_id)
        return deleted

    async def _drop_chat_speaker_if_unquoted(
        self, conn: aiosqlite.Connection, guild_id: int, author_id: int
    ) -> None:
        await conn.execute(
            "DELETE FROM speakers WHERE guild_id = ? AND discord_user_id = ? "
            "AND NOT EXISTS (SELECT 1 FROM quotes q WHERE q.speaker_id = speakers.id)",
            (guild_id, author_id),
        )

    # Reads, one hop each (see QuoteReader) ---------------------------------------------------------

    async def search_speakers(
        self, guild_id: int, prefix_or_words: str, limit: int = 25
    ) -> list[SpeakerProfile]:
        return await self._db.run(
            lambda conn: QuoteReader(conn).search_speakers(guild_id, prefix_or_words, limit)
        )

    async def speaker_profiles(self, guild_id: int, speaker_ids: Sequence[int]) -> list[SpeakerProfile]:
        return await self._db.run(lambda conn: QuoteReader(conn).speaker_profiles(guild_id, speaker_ids))

    async def speakers_by_terms(
        self, guild_id: int, terms: Sequence[str], limit: int = 40
    ) -> list[tuple[int, int]]:
        return await self._db.run(lambda conn: QuoteReader(conn).speakers_by_terms(guild_id, terms, limit))

    async def known_speaker_terms(self, guild_id: int, terms: Sequence[str]) -> set[str]:
        return await self._db.run(lambda conn: QuoteReader(conn).known_speaker_terms(guild_id, terms))

    async def speaker_terms_near(self, guild_id: int, words: Sequence[str]) -> dict[str, list[str]]:
        return await self._db.run(lambda conn: QuoteReader(conn).speaker_terms_near(guild_id, words))

    async def match_counts(self, expressions: Sequence[str], cap: int) -> tuple[int, list[int]]:
        return await self._db.run(lambda conn: QuoteReader(conn).match_counts(expressions, cap))

    async def search(
        self,
        guild_id: int,
        terms: Sequence[tuple[str, float]],
        limit: int,
        speaker_ids: Sequence[int] = (),
        speaker_limit: int = 0,
    ) -> list[tuple[int, float]]:
        return await self._db.run(
            lambda conn: QuoteReader(conn).search(guild_id, terms, limit, speaker_ids, speaker_limit)
        )

    async def recent_quote_ids(self, guild_id: int, speaker_ids: Sequence[int], limit: int) -> list[int]:
        return await self._db.run(
            lambda conn: QuoteReader(conn).recent_quote_ids(guild_id, speaker_ids, limit)
        )

    async def recent_quotes(self, guild_id: int, speaker_ids: Sequence[int], limit: int) -> list[StoredQuote]:
        return await self._db.run(lambda conn: QuoteReader(conn).recent_quotes(guild_id, speaker_ids, limit))

    async def quotes_by_ids(self, guild_id: int, quote_ids: Sequence[int]) -> list[StoredQuote]:
        return await self._db.run(lambda conn: QuoteReader(conn).quotes_by_ids(guild_id, quote_ids))

    async def for_article(self, guild_id: int, article_id: int) -> list[StoredQuote]:
        return await self._db.run(lambda conn: QuoteReader(conn).for_article(guild_id, article_id))

    async def counts(self, guild_id: int) -> QuoteCounts:
        return await self._db.run(lambda conn: QuoteReader(conn).counts(guild_id))


class QuoteReader:
    """The store's reads as plain calls on the `sqlite3.Connection`, for `Database.run`: a caller
    with many reads to make (the question answerer) makes them all in one hop to the database
    thread instead of one hop each. `QuoteRepo` offers each read on its own as a coroutine."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        return self._conn.execute(sql, tuple(params)).fetchall()

    def _one(self, sql: str, params: Iterable[Any] = ()) -> Any:
        return self._conn.execute(sql, tuple(params)).fetchone()

    def _val(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = self._one(sql, params)
        return None if row is None else row[0]

    # Speakers -------------------------------------------------------------------------------------

    def search_speakers(self, guild_id: int, prefix_or_words: str, limit: int = 25) -> list[SpeakerProfile]:
        """Speakers for autocomplete: every typed word must start a word of one of their names,
        aliases or roles ('kish', 'prime min', 'lee jae'). No words: the newest speakers."""
        words = normalize_name(prefix_or_words).split()[:6]
        if not words:
            rows = self._all(
                "SELECT id FROM speakers WHERE guild_id = ? ORDER BY id DESC LIMIT ?", (guild_id, limit)
            )
            return self.speaker_profiles(guild_id, [int(r[0]) for r in rows])
        conditions = []
        params: list[object] = [guild_id]
        for word in words:
            pattern = _LIKE_SPECIAL.sub(r"\\\1", word)
            conditions.append(
                "(EXISTS (SELECT 1 FROM speaker_aliases a WHERE a.speaker_id = s.id AND "
                "(a.alias_norm LIKE ? ESCAPE '\\' OR a.alias_norm LIKE ? ESCAPE '\\')) OR "
                "EXISTS (SELECT 1 FROM speaker_roles r WHERE r.speaker_id = s.id AND "
                "(r.role_norm LIKE ? ESCAPE '\\' OR r.role_norm LIKE ? ESCAPE '\\')))"
            )
            params += [f"{pattern}%", f"% {pattern}%"] * 2
        first = _LIKE_SPECIAL.sub(r"\\\1", " ".join(words))
        sql = (
            "SELECT s.id FROM speakers s WHERE s.guild_id = ? AND "
            + " AND ".join(conditions)
            + " ORDER BY EXISTS (SELECT 1 FROM speaker_aliases a WHERE a.speaker_id = s.id "
            "AND a.alias_norm LIKE ? ESCAPE '\\') DESC, s.canonical_name LIMIT ?"
        )
        rows = self._all(sql, [*params, f"{first}%", limit])
        return self.speaker_profiles(guild_id, [int(r[0]) for r in rows])

    def speaker_profiles(self, guild_id: int, speaker_ids: Sequence[int]) -> list[SpeakerProfile]:
        """Profiles in the order of `speaker_ids` (ids of another guild are left out)."""
        base: dict[int, tuple[str, str, int | None]] = {}
        aliases: dict[int, list[str]] = {}
        roles: dict[int, list[str]] = {}
        for chunk in _chunks(list(dict.fromkeys(speaker_ids))):
            # One round trip: the speakers, then their aliases and roles in the order they came.
            marks = _marks(len(chunk))
            rows = self._all(
                "SELECT s.id, 0, s.canonical_name, s.kind, s.discord_user_id FROM speakers s "
                f"WHERE s.guild_id = ? AND s.id IN ({marks}) "
                "UNION ALL SELECT a.speaker_id, 1, a.alias, NULL, a.rowid FROM speaker_aliases a "
                f"WHERE a.speaker_id IN ({marks}) "
                "UNION ALL SELECT r.speaker_id, 2, r.role, NULL, r.rowid FROM speaker_roles r "
                f"WHERE r.speaker_id IN ({marks}) ORDER BY 2, 5",
                (guild_id, *chunk, *chunk, *chunk),
            )
            for sid, part, text, kind, extra in rows:
                if part == 0:
                    base[int(sid)] = (text, kind, extra)
                else:
                    (aliases if part == 1 else roles).setdefault(int(sid), []).append(text)
        profiles = []
        for sid in dict.fromkeys(speaker_ids):
            if sid not in base:
                continue
            canonical, kind, discord_user_id = base[sid]
            names = aliases.get(sid, [])
            shown = names[-1] if discord_user_id is not None and names else canonical
            profiles.append(
                SpeakerProfile(
                    id=sid,
                    name=shown,
                    canonical_name=canonical,
                    kind=kind,
                    aliases=tuple(names),
                    roles=tuple(roles.get(sid, [])),
                    discord_user_id=discord_user_id,
                )
            )
        return profiles

    def speakers_by_terms(
        self, guild_id: int, terms: Sequence[str], limit: int = 40
    ) -> list[tuple[int, int]]:
        """(speaker id, number of `terms` in their names/roles), most terms first."""
        terms = sorted(set(terms))
        if not terms:
            return []
        rows = self._all(
            "SELECT speaker_id, count(DISTINCT term) AS n FROM speaker_terms WHERE guild_id = ? "
            f"AND term IN ({_marks(len(terms))}) "
            "GROUP BY speaker_id ORDER BY n DESC, speaker_id DESC LIMIT ?",
            (guild_id, *terms, limit),
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    def speaker_terms_of(
        self, guild_id: int, speaker_ids: Sequence[int], terms: Sequence[str]
    ) -> dict[int, set[str]]:
        """Which of these stems are words of each of these speakers' names, aliases and roles (seeks
        on the primary key, however many speakers share a common word)."""
        found: dict[int, set[str]] = {}
        terms = sorted(set(terms))
        if not terms or not speaker_ids:
            return found
        for chunk in _chunks(list(speaker_ids), _SQL_CHUNK - len(terms)):
            rows = self._all(
                "SELECT DISTINCT speaker_id, term FROM speaker_terms WHERE guild_id = ? "
                f"AND term IN ({_marks(len(terms))}) AND speaker_id IN ({_marks(len(chunk))})",
                (guild_id, *terms, *chunk),
            )
            for sid, term in rows:
                found.setdefault(int(sid), set()).add(str(term))
        return found

    def known_speaker_terms(self, guild_id: int, terms: Sequence[str]) -> set[str]:
        """Which of these stems are words of some speaker of the guild."""
        terms = sorted(set(terms))
        if not terms:
            return set()
        rows = self._all(
            f"SELECT DISTINCT term FROM speaker_terms WHERE guild_id = ? AND term IN ({_marks(len(terms))})",
            (guild_id, *terms),
        )
        return {str(r[0]) for r in rows}

    def speaker_terms_near(self, guild_id: int, words: Sequence[str]) -> dict[str, list[str]]:
        """For each word, the guild's speaker words (names and roles) with its first letter and about
        its length: the candidates when a name or role in a question is misspelt or spelt the other
        way ('aduriz' -> 'arduriz', 'councillor' -> 'councilor')."""
        words = [w for w in dict.fromkeys(words) if w]
        if not words:
            return {}
        part = (
            "SELECT DISTINCT ?, term FROM speaker_terms WHERE guild_id = ? AND term >= ? AND term < ? "
            "AND length(term) BETWEEN ? AND ?"
        )
        params: list[object] = []
        for w in words:
            params += [w, guild_id, w[0], w[0] + "\U0010ffff", len(w) - 2, len(w) + 2]
        rows = self._all(" UNION ALL ".join([part] * len(words)), params)
        found: dict[str, list[str]] = {w: [] for w in words}
        for word, term in rows:
            found[word].append(term)
        return found

    # Search ---------------------------------------------------------------------------------------

    def match_counts(self, expressions: Sequence[str], cap: int) -> tuple[int, list[int]]:
        """(roughly how many quotes the index holds, how many quotes each FTS5 expression matches
        counting no further than `cap`), over all guilds: a bounded probe that tells rare words from
        common ones without reading whole posting lists."""
        probe = "(SELECT count(*) FROM (SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH ? LIMIT ?))"
        sql = "SELECT (SELECT coalesce(max(id), 0) FROM quotes)" + "".join(f", {probe}" for _ in expressions)
        params: list[object] = []
        for expr in expressions:
            params += [expr, cap]
        row = self._one(sql, params)
        if row is None:
            return 0, [0] * len(expressions)
        return int(row[0]), [int(v) for v in row[1:]]

    def search(
        self,
        guild_id: int,
        terms: Sequence[tuple[str, float]],
        limit: int,
        speaker_ids: Sequence[int] = (),
        speaker_limit: int = 0,
    ) -> list[tuple[int, float]]:
        """(quote id, score) of the guild's quotes that match the most of `terms`, best first: the
        best `limit` of all and the best `speaker_limit` of the given speakers.

        Each term is an FTS5 expression with a weight (the caller's IDF); a quote scores the sum of
        the weights of the terms it matches. This is coordination-level ranking, not BM25: reading
        the posting lists costs a fraction of a microsecond a row while BM25 costs several (it reads
        each row's column sizes and term positions), and the caller reranks the pool anyway. Ties go
        to the newest quote. The expressions must be built by the caller from quoted tokens: they
        are passed to MATCH as they are.

        The index is shared by all guilds, so the best `_SEARCH_POOL` ids of all are kept and only
        those are looked up for their guild and speaker; when other guilds crowd this one out of that
        pool, the slower exact query (every match looked up) runs instead. Only ids come back: the
        rows of the few chosen are read by the caller."""
        if not terms:
            return []
        union = " UNION ALL ".join(
            ["SELECT rowid AS id, ? AS w FROM quotes_fts WHERE quotes_fts MATCH ?"] * len(terms)
        )
        grouped = f"SELECT id, sum(w) AS s FROM ({union}) GROUP BY id"
        params: list[object] = []
        for expr, weight in terms:
            params += [weight, expr]
        rows = self._all(f"{grouped} ORDER BY s DESC, id DESC LIMIT ?", [*params, _SEARCH_POOL])
        scores = {int(r[0]): float(r[1]) for r in rows}
        owners = self._speakers_in_guild(guild_id, list(scores))
        if len(owners) < limit and len(scores) == _SEARCH_POOL:
            exact = self._all(
                f"SELECT g.id, g.s, q.speaker_id FROM ({grouped}) g JOIN quotes q ON q.id = g.id "
                "WHERE +q.guild_id = ? ORDER BY g.s DESC, g.id DESC LIMIT ?",
                [*params, guild_id, _SEARCH_POOL],
            )
            scores = {int(r[0]): float(r[1]) for r in exact}
            owners = {int(r[0]): r[2] for r in exact}
        ranked = [qid for qid in scores if qid in owners]  # already best first
        chosen = ranked[:limit]
        if speaker_limit > 0 and speaker_ids:
            wanted = set(speaker_ids)
            chosen += [qid for qid in ranked[limit:] if owners[qid] in wanted][:speaker_limit]
        return [(qid, scores[qid]) for qid in chosen]

    def _speakers_in_guild(self, guild_id: int, quote_ids: Sequence[int]) -> dict[int, int | None]:
        """Speaker id by quote id, for the quotes among `quote_ids` that belong to the guild."""
        found: dict[int, int | None] = {}
        for chunk in _chunks(quote_ids):
            rows = self._all(
                f"SELECT id, speaker_id FROM quotes WHERE id IN ({_marks(len(chunk))}) AND +guild_id = ?",
                (*chunk, guild_id),
            )
            found.update((int(r[0]), r[1]) for r in rows)
        return found

    def recent_quote_ids(self, guild_id: int, speaker_ids: Sequence[int], limit: int) -> list[int]:
        """The newest quotes of these speakers, about `limit` in all, shared out between them: the
        pool for "what did X say" with no topic. Each speaker's newest are read from the end of its
        index range, so a speaker with fifty thousand quotes costs no more than one with five."""
        sql, params = self._recent_sql(guild_id, speaker_ids, limit)
        return [int(r[0]) for r in self._all(sql, params)] if sql else []

    def recent_quotes(self, guild_id: int, speaker_ids: Sequence[int], limit: int) -> list[StoredQuote]:
        """`recent_quote_ids` read in the same round trip."""
        sql, params = self._recent_sql(guild_id, speaker_ids, limit)
        if not sql:
            return []
        rows = self._all(f"{_QUOTE_ROWS} WHERE q.id IN ({sql})", params)
        return [_stored_quote(r) for r in rows]

    @staticmethod
    def _recent_sql(guild_id: int, speaker_ids: Sequence[int], limit: int) -> tuple[str, list[object]]:
        ids = list(dict.fromkeys(speaker_ids))[:50]
        if not ids:
            return "", []
        each = max(3, -(-limit // len(ids)))
        part = (
            "SELECT * FROM (SELECT id FROM quotes WHERE speaker_id = ? AND +guild_id = ? "
            "ORDER BY id DESC LIMIT ?)"
        )
        params: list[object] = []
        for sid in ids:
            params += [sid, guild_id, each]
        return " UNION ALL ".join([part] * len(ids)), params

    def quotes_by_ids(self, guild_id: int, quote_ids: Sequence[int]) -> list[StoredQuote]:
        """The guild's quotes with these ids, with speaker and article, in no particular order."""
        found: list[StoredQuote] = []
        for chunk in _chunks(list(dict.fromkeys(quote_ids))):
            rows = self._all(
                f"{_QUOTE_ROWS} WHERE +q.guild_id = ? AND q.id IN ({_marks(len(chunk))})",
                (guild_id, *chunk),
            )
            found.extend(_stored_quote(r) for r in rows)
        return found

    def for_article(self, guild_id: int, article_id: int) -> list[StoredQuote]:
        """An article's quotes in reading order (the demo, exports)."""
        rows = self._all(
            f"{_QUOTE_ROWS} WHERE q.article_id = ? AND +q.guild_id = ? ORDER BY q.start, q.id",
            (article_id, guild_id),
        )
        return [_stored_quote(r) for r in rows]

    def counts(self, guild_id: int) -> QuoteCounts:
        row = self._one(
            "SELECT count(*), coalesce(sum(source = 'article'), 0), coalesce(sum(source = 'chat'), 0), "
            "count(DISTINCT article_id) FROM quotes WHERE guild_id = ?",
            (guild_id,),
        )
        speakers = self._val("SELECT count(*) FROM speakers WHERE guild_id = ?", (guild_id,))
        if row is None:  # an aggregate always returns a row
            return QuoteCounts(0, 0, 0, int(speakers or 0), 0)
        return QuoteCounts(
            quotes=int(row[0]),
            article_quotes=int(row[1]),
            chat_quotes=int(row[2]),
            speakers=int(speakers or 0),
            articles_with_quotes=int(row[3]),
        )
