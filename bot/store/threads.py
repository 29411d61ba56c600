"""Article discussion threads: which Discord thread (or forum post) belongs to which article.

The posting side registers a thread when it opens one; the comment side asks whether a channel is a
tracked thread and where its history sync should resume. Article <-> thread is one-to-one (UNIQUE).
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.store.db import Database
from bot.store.guilds import ensure_guild


@dataclass(frozen=True)
class ThreadRecord:
    id: int
    guild_id: int
    article_id: int
    channel_id: int
    starter_message_id: int | None
    kind: str
    last_message_id: int | None
    archived: bool


def _row(row: aiosqlite.Row) -> ThreadRecord:
    return ThreadRecord(
        id=row["id"],
        guild_id=row["guild_id"],
        article_id=row["article_id"],
        channel_id=row["channel_id"],
        starter_message_id=row["starter_message_id"],
        kind=row["kind"],
        last_message_id=row["last_message_id"],
        archived=bool(row["archived"]),
    )


class ThreadRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        *,
        guild_id: int,
        thread_id: int,
        article_id: int,
        channel_id: int,
        starter_message_id: int | None,
        kind: str = "thread",
    ) -> ThreadRecord:
        """Register a thread for an article; registering the same pair again is a no-op, and the
        existing record is returned when the article already has a thread."""
        async with self._db.transaction() as conn:
            await ensure_guild(conn, guild_id)
            await conn.execute(
                "INSERT INTO threads(id, guild_id, article_id, channel_id, starter_message_id, kind) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (thread_id, guild_id, article_id, channel_id, starter_message_id, kind),
            )
        record = await self.for_article(article_id)
        assert record is not None
        return record

    async def get(self, thread_id: int) -> ThreadRecord | None:
        row = await self._db.fetchone("SELECT * FROM threads WHERE id = ?", (thread_id,))
        return _row(row) if row else None

    async def for_article(self, article_id: int) -> ThreadRecord | None:
        row = await self._db.fetchone("SELECT * FROM threads WHERE article_id = ?", (article_id,))
        return _row(row) if row else None

    async def list_for_guild(self, guild_id: int) -> list[ThreadRecord]:
        rows = await self._db.fetchall(
            "SELECT * FROM threads WHERE guild_id = ? ORDER BY id", (guild_id,)
        )
        return [_row(r) for r in rows]

    async def list_all(self) -> list[ThreadRecord]:
        return [_row(r) for r in await self._db.fetchall("SELECT * FROM threads ORDER BY id")]

    async def set_archived(self, thread_id: int, archived: bool) -> None:
        await self._db.execute(
            "UPDATE threads SET archived = ? WHERE id = ?", (int(archived), thread_id)
        )

    async def advance_last_message(self, thread_id: int, message_id: int) -> None:
        async with self._db.transaction() as conn:
            await advance_cursor(conn, thread_id, message_id)


async def advance_cursor(conn: aiosqlite.Connection, thread_id: int, message_id: int) -> None:
    """Move a thread's sync cursor forward only (a late event for an old message never rewinds it),
    inside the caller's transaction so it commits with the messages it vouches for."""
    await conn.execute(
        "UPDATE threads SET last_message_id = ? "
        "WHERE id = ? AND (last_message_id IS NULL OR last_message_id < ?)",
        (message_id, thread_id, message_id),
    )
