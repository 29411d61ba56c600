"""Article discussion threads: which Discord thread (or forum post) belongs to which article.

The posting side registers a thread when it opens one; the comment side asks whether a channel is a
tracked thread and where its history sync should resume. Article <-> thread is one-to-one (UNIQUE).
"""

from __future__ import annotations

import json
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
        await self._db.execute(ADVANCE_CURSORS_SQL, (json.dumps({str(thread_id): message_id}),))


# Move threads' sync cursors forward only (a late event for an old message never rewinds them), for
# many threads in one statement; run it inside the transaction that stores the messages it vouches
# for. ?1 is a JSON object {"thread id": message id}.
ADVANCE_CURSORS_SQL = """
UPDATE threads SET last_message_id = json_extract(?1, '$."' || id || '"')
WHERE id IN (SELECT CAST(key AS INTEGER) FROM json_each(?1))
  AND (last_message_id IS NULL OR last_message_id < json_extract(?1, '$."' || id || '"'))
"""
