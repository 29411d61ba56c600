"""The outbox: one row per (article, channel) that must be posted exactly once.

A row is written before anything is sent, so the intent to post survives a crash; the UNIQUE
(article_id, channel_id) key makes queueing the same article for the same channel twice a no-op. The
row's state moves pending -> sent (or failed); a pending row that already has a `message_id` was
posted and only its thread is still missing. `attempts` is committed *before* each send: a pending
row with attempts > 0 and no message id may have been posted by a process that died before it could
record the fact, which is what tells `bot.posting` to look for the post before sending again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import aiosqlite

from bot.store.db import Database

MODES = ("thread", "forum")
# Discord accepts nonces of at most 25 characters.
NONCE_LENGTH = 25


@dataclass(frozen=True)
class OutboxRow:
    id: int
    guild_id: int
    article_id: int
    channel_id: int
    mode: str
    nonce: str
    state: str
    message_id: int | None
    thread_id: int | None
    attempts: int
    last_error: str | None
    created_at: str
    sent_at: str | None


@dataclass(frozen=True)
class OutboxCounts:
    pending: int = 0
    sent: int = 0
    failed: int = 0


def make_nonce(article_id: int, channel_id: int) -> str:
    """A nonce fixed by the row's key, so every retry of one post carries the same nonce and Discord
    can drop a duplicate it has seen recently (`enforce_nonce`)."""
    digest = hashlib.sha256(f"parley:{article_id}:{channel_id}".encode()).hexdigest()
    return "p" + digest[: NONCE_LENGTH - 1]


def _row(row: aiosqlite.Row) -> OutboxRow:
    return OutboxRow(
        id=row["id"],
        guild_id=row["guild_id"],
        article_id=row["article_id"],
        channel_id=row["channel_id"],
        mode=row["mode"],
        nonce=row["nonce"],
        state=row["state"],
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        sent_at=row["sent_at"],
    )


class OutboxRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue(self, *, guild_id: int, article_id: int, channel_id: int, mode: str) -> OutboxRow:
        """Queue a post; queueing an article for a channel it is already queued for (or was posted
        to) returns the existing row unchanged."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        await self._db.execute(
            "INSERT INTO outbox(guild_id, article_id, channel_id, mode, nonce) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(article_id, channel_id) DO NOTHING",
            (guild_id, article_id, channel_id, mode, make_nonce(article_id, channel_id)),
        )
        row = await self.find(article_id, channel_id)
        assert row is not None
        return row

    async def get(self, row_id: int) -> OutboxRow | None:
        row = await self._db.fetchone("SELECT * FROM outbox WHERE id = ?", (row_id,))
        return _row(row) if row else None

    async def find(self, article_id: int, channel_id: int) -> OutboxRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM outbox WHERE article_id = ? AND channel_id = ?", (article_id, channel_id)
        )
        return _row(row) if row else None

    async def pending(self, guild_id: int | None = None) -> list[OutboxRow]:
        """Pending rows oldest first (queue order is posting order)."""
        if guild_id is None:
            rows = await self._db.fetchall("SELECT * FROM outbox WHERE state = 'pending' ORDER BY id")
        else:
            rows = await self._db.fetchall(
                "SELECT * FROM outbox WHERE state = 'pending' AND guild_id = ? ORDER BY id", (guild_id,)
            )
        return [_row(r) for r in rows]

    async def begin_attempt(self, row_id: int) -> None:
        """Count an attempt before sending; committed on its own so a crash mid-send leaves a trace."""
        await self._db.execute("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", (row_id,))

    async def record_message(self, row_id: int, message_id: int, thread_id: int | None) -> None:
        """The post exists on Discord: remember it before doing anything else with it."""
        await self._db.execute(
            "UPDATE outbox SET message_id = ?, thread_id = coalesce(?, thread_id) WHERE id = ?",
            (message_id, thread_id, row_id),
        )

    async def mark_sent(self, row_id: int, message_id: int, thread_id: int | None) -> None:
        await self._db.execute(
            "UPDATE outbox SET state = 'sent', message_id = ?, thread_id = ?, last_error = NULL, "
            "sent_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now') WHERE id = ?",
            (message_id, thread_id, row_id),
        )

    async def record_error(self, row_id: int, error: str) -> None:
        await self._db.execute("UPDATE outbox SET last_error = ? WHERE id = ?", (error, row_id))

    async def mark_failed(self, row_id: int, error: str) -> None:
        await self._db.execute(
            "UPDATE outbox SET state = 'failed', last_error = ? WHERE id = ?", (error, row_id)
        )

    async def retry_failed(self, guild_id: int) -> int:
        """Put a guild's failed rows back in the queue (after an admin fixed the channel's
        permissions); their attempt count is kept, so the history check still runs."""
        return await self._db.execute(
            "UPDATE outbox SET state = 'pending', last_error = NULL WHERE guild_id = ? AND state = 'failed'",
            (guild_id,),
        )

    async def counts(self, guild_id: int) -> OutboxCounts:
        rows = await self._db.fetchall(
            "SELECT state, count(*) AS n FROM outbox WHERE guild_id = ? GROUP BY state", (guild_id,)
        )
        found = {r["state"]: int(r["n"]) for r in rows}
        return OutboxCounts(
            pending=found.get("pending", 0), sent=found.get("sent", 0), failed=found.get("failed", 0)
        )
