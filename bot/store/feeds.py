"""Feeds followed per guild and every feed entry ever seen, with what happened to it.

A feed entry is recorded once, keyed by (feed_id, entry_key), and never forgotten while its feed
exists: that record is what keeps an entry from being posted twice across polls and restarts. The
outcome of a poll (new entries, validators, next poll time, seeded flag) is written in ONE
transaction, so the feed's ETag can never move ahead of the entries it covered: if it did, the next
poll would get a 304 and the unrecorded entries would be lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from bot.news.urls import normalize_url
from bot.store.db import Database
from bot.store.guilds import ensure_guild

MODES = ("thread", "forum")
ENTRY_STATUSES = ("seen", "queued", "ingested", "skipped")


def iso(moment: datetime) -> str:
    """The schema's time format: UTC, whole seconds, `+00:00` (sorts as text)."""
    if moment.tzinfo is None:
        raise ValueError("feed times must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Feed:
    id: int
    guild_id: int
    url: str
    channel_id: int | None
    mode: str
    interval_s: int
    title: str | None
    etag: str | None
    last_modified: str | None
    seeded: bool
    last_polled_at: str | None
    next_poll_at: str | None
    last_error: str | None
    created_at: str


@dataclass(frozen=True)
class FeedEntry:
    id: int
    feed_id: int
    entry_key: str
    link: str | None
    title: str | None
    published_at: str | None
    status: str
    reason: str | None
    article_id: int | None
    seen_at: str


@dataclass(frozen=True)
class EntryRecord:
    """An entry to record: what the poller decided about it and why."""

    entry_key: str
    link: str | None
    title: str | None
    published_at: str | None
    status: str
    reason: str | None = None


class FeedExistsError(Exception):
    """The guild already follows this feed into this channel; `feed` is the existing one."""

    def __init__(self, feed: Feed) -> None:
        where = f"channel {feed.channel_id}" if feed.channel_id is not None else "this server"
        super().__init__(f"that feed is already followed in {where}")
        self.feed = feed


def _feed(row: aiosqlite.Row) -> Feed:
    return Feed(
        id=row["id"],
        guild_id=row["guild_id"],
        url=row["url"],
        channel_id=row["channel_id"],
        mode=row["mode"],
        interval_s=row["interval_s"],
        title=row["title"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        seeded=bool(row["seeded"]),
        last_polled_at=row["last_polled_at"],
        next_poll_at=row["next_poll_at"],
        last_error=row["last_error"],
        created_at=row["created_at"],
    )


def _entry(row: aiosqlite.Row) -> FeedEntry:
    return FeedEntry(
        id=row["id"],
        feed_id=row["feed_id"],
        entry_key=row["entry_key"],
        link=row["link"],
        title=row["title"],
        published_at=row["published_at"],
        status=row["status"],
        reason=row["reason"],
        article_id=row["article_id"],
        seen_at=row["seen_at"],
    )


class FeedRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    # feeds -------------------------------------------------------------------------------------

    async def add(
        self,
        guild_id: int,
        url: str,
        *,
        channel_id: int | None = None,
        mode: str = "thread",
        interval_s: int = 1800,
        title: str | None = None,
        now: datetime | None = None,
    ) -> Feed:
        """Follow a feed (URL normalised); due at once, so its first poll seeds it. Raises
        `URLError` for a URL that is not http(s) and `FeedExistsError` for a duplicate."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if interval_s < 1:
            raise ValueError("interval_s must be positive")
        canonical = normalize_url(url)
        existing = await self._db.fetchone(
            "SELECT * FROM feeds WHERE guild_id = ? AND url = ? AND channel_id IS ?",
            (guild_id, canonical, channel_id),
        )
        if existing is not None:
            raise FeedExistsError(_feed(existing))
        stamp = iso(now or datetime.now(UTC))
        async with self._db.transaction() as conn:
            await ensure_guild(conn, guild_id)
            cur = await conn.execute(
                "INSERT INTO feeds (guild_id, url, channel_id, mode, interval_s, title, next_poll_at, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (guild_id, canonical, channel_id, mode, interval_s, title, stamp, stamp),
            )
            feed_id = int(cur.lastrowid or 0)
            await cur.close()
        feed = await self.get(feed_id)
        assert feed is not None
        return feed

    async def get(self, feed_id: int) -> Feed | None:
        row = await self._db.fetchone("SELECT * FROM feeds WHERE id = ?", (feed_id,))
        return _feed(row) if row else None

    async def get_for_guild(self, guild_id: int, feed_id: int) -> Feed | None:
        """A feed only if it belongs to the guild: one guild never sees another's feeds."""
        row = await self._db.fetchone(
            "SELECT * FROM feeds WHERE id = ? AND guild_id = ?", (feed_id, guild_id)
        )
        return _feed(row) if row else None

    async def find(self, guild_id: int, url: str) -> list[Feed]:
        rows = await self._db.fetchall(
            "SELECT * FROM feeds WHERE guild_id = ? AND url = ? ORDER BY id", (guild_id, normalize_url(url))
        )
        return [_feed(r) for r in rows]

    async def list_for_guild(self, guild_id: int) -> list[Feed]:
        rows = await self._db.fetchall("SELECT * FROM feeds WHERE guild_id = ? ORDER BY id", (guild_id,))
        return [_feed(r) for r in rows]

    async def remove(self, guild_id: int, feed_id: int) -> bool:
        """Stop following a feed (its entry records go with it); False if the guild has no such feed."""
        return (
            await self._db.execute("DELETE FROM feeds WHERE id = ? AND guild_id = ?", (feed_id, guild_id)) > 0
        )

    async def due(self, now: datetime, limit: int | None = None) -> list[Feed]:
        """Feeds whose next poll time has come, most overdue first."""
        sql = "SELECT * FROM feeds WHERE next_poll_at IS NULL OR next_poll_at <= ? ORDER BY next_poll_at, id"
        params: list[object] = [iso(now)]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_feed(r) for r in await self._db.fetchall(sql, params)]

    async def set_interval(self, guild_id: int, feed_id: int, interval_s: int) -> bool:
        if interval_s < 1:
            raise ValueError("interval_s must be positive")
        changed = await self._db.execute(
            "UPDATE feeds SET interval_s = ? WHERE id = ? AND guild_id = ?", (interval_s, feed_id, guild_id)
        )
        return changed > 0

    # polls -------------------------------------------------------------------------------------

    async def record_poll(
        self,
        feed_id: int,
        entries: Sequence[EntryRecord] = (),
        *,
        now: datetime,
        next_poll_at: datetime,
        etag: str | None,
        last_modified: str | None,
        title: str | None = None,
        seeded: bool = True,
    ) -> list[FeedEntry]:
        """Record a successful poll in one transaction: insert the entries not yet known (INSERT OR
        IGNORE on the entry key), store the validators and times, clear `last_error`. Returns the
        entries THIS call inserted, so two overlapping polls never both report one entry as new."""
        stamp = iso(now)
        inserted: list[int] = []
        async with self._db.transaction() as conn:
            for entry in entries:
                if entry.status not in ENTRY_STATUSES:
                    raise ValueError(f"unknown entry status {entry.status!r}")
                cur = await conn.execute(
                    "INSERT OR IGNORE INTO feed_entries "
                    "(feed_id, entry_key, link, title, published_at, status, reason, seen_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (feed_id, entry.entry_key, entry.link, entry.title, entry.published_at, entry.status,
                     entry.reason, stamp),
                )  # fmt: skip
                if cur.rowcount == 1 and cur.lastrowid is not None:
                    inserted.append(cur.lastrowid)
                await cur.close()
            cur = await conn.execute(
                "UPDATE feeds SET etag = ?, last_modified = ?, title = coalesce(?, title), "
                "seeded = max(seeded, ?), last_polled_at = ?, next_poll_at = ?, last_error = NULL "
                "WHERE id = ?",
                (etag, last_modified, title, int(seeded), stamp, iso(next_poll_at), feed_id),
            )
            await cur.close()
        return await self._entries_by_id(inserted)

    async def record_error(self, feed_id: int, *, now: datetime, next_poll_at: datetime, error: str) -> None:
        """A failed poll: only the error and the times change; validators and entries stay."""
        await self._db.execute(
            "UPDATE feeds SET last_error = ?, last_polled_at = ?, next_poll_at = ? WHERE id = ?",
            (error, iso(now), iso(next_poll_at), feed_id),
        )

    # entries -----------------------------------------------------------------------------------

    async def known_keys(self, feed_id: int, keys: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(keys))
        known: set[str] = set()
        for start in range(0, len(wanted), 500):  # stay under SQLite's bound-parameter limit
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = await self._db.fetchall(
                f"SELECT entry_key FROM feed_entries WHERE feed_id = ? AND entry_key IN ({marks})",
                [feed_id, *chunk],
            )
            known.update(r["entry_key"] for r in rows)
        return known

    async def entries(self, feed_id: int, status: str | None = None) -> list[FeedEntry]:
        if status is None:
            rows = await self._db.fetchall(
                "SELECT * FROM feed_entries WHERE feed_id = ? ORDER BY id", (feed_id,)
            )
        else:
            rows = await self._db.fetchall(
                "SELECT * FROM feed_entries WHERE feed_id = ? AND status = ? ORDER BY id", (feed_id, status)
            )
        return [_entry(r) for r in rows]

    async def get_entry(self, entry_id: int) -> FeedEntry | None:
        row = await self._db.fetchone("SELECT * FROM feed_entries WHERE id = ?", (entry_id,))
        return _entry(row) if row else None

    async def queued(self, feed_id: int | None = None) -> list[FeedEntry]:
        """Entries reported as new but not yet ingested or skipped (e.g. the process stopped in
        between): the scheduler retries these, oldest first."""
        sql = "SELECT * FROM feed_entries WHERE status = 'queued'"
        params: list[object] = []
        if feed_id is not None:
            sql += " AND feed_id = ?"
            params.append(feed_id)
        rows = await self._db.fetchall(sql + " ORDER BY coalesce(published_at, seen_at), id", params)
        return [_entry(r) for r in rows]

    async def requeue_seen(self, feed_id: int, count: int, *, reason: str) -> list[FeedEntry]:
        """Queue the newest `count` entries that were only marked seen (with `reason`) and have a
        link: a backfill asked after the feed's first poll. Returned oldest first."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT id FROM feed_entries WHERE feed_id = ? AND status = 'seen' AND reason = ? "
                "AND link IS NOT NULL ORDER BY coalesce(published_at, '') DESC, id DESC LIMIT ?",
                (feed_id, reason, count),
            ) as cur:
                ids = [int(r[0]) for r in await cur.fetchall()]
            await conn.executemany(
                "UPDATE feed_entries SET status = 'queued', reason = NULL WHERE id = ?", [(i,) for i in ids]
            )
        return list(reversed(await self._entries_by_id(ids)))

    async def mark_ingested(self, entry_id: int, article_id: int) -> None:
        await self._db.execute(
            "UPDATE feed_entries SET status = 'ingested', article_id = ?, reason = NULL WHERE id = ?",
            (article_id, entry_id),
        )

    async def mark_skipped(self, entry_id: int, reason: str) -> None:
        """An entry that will not be ingested after all (its page failed, it was a duplicate ...)."""
        await self._db.execute(
            "UPDATE feed_entries SET status = 'skipped', reason = ? WHERE id = ?", (reason, entry_id)
        )

    async def _entries_by_id(self, ids: list[int]) -> list[FeedEntry]:
        if not ids:
            return []
        out: list[FeedEntry] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = await self._db.fetchall(f"SELECT * FROM feed_entries WHERE id IN ({marks})", chunk)
            out.extend(_entry(r) for r in rows)
        order = {entry_id: i for i, entry_id in enumerate(ids)}
        return sorted(out, key=lambda e: order[e.id])
