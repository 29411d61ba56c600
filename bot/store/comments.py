"""Comment rows: the SQL behind an article's comment section.

Writes take the connection of a transaction the caller already holds (`Database.transaction()`), so
the comment service can commit a whole batch of gateway events, or a history page together with its
sync cursor, as one unit. The thread a message belongs to is resolved by joining `threads` inside
the INSERT itself: a message of an untracked channel (or of a thread removed meanwhile) is simply not
inserted, so no foreign key can fail and take the rest of a batch down with it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import aiosqlite

from bot.store.db import Database
from bot.store.threads import advance_cursor

# SQLite accepts far more, but short IN lists keep each statement's plan cheap.
_IN_CHUNK = 500

# Numbered parameters (?1 = message id, ?2 = guild, ?3 = thread, ?4 = parent, ?5 = author id,
# ?6 = author name, ?7 = content, ?8 = attachments JSON, ?9 = created, ?10 = edited) let one plain
# tuple per row feed every use of a value: executemany binds tuples faster than dicts.
_UPSERT = """
INSERT INTO comments (message_id, guild_id, thread_id, article_id, parent_id, author_id, author_name,
                      content, attachments, created_at, edited_at)
SELECT ?1, t.guild_id, t.id, t.article_id, ?4, ?5, ?6, ?7, ?8, ?9, ?10
FROM threads t
WHERE t.id = ?3 AND t.guild_id = ?2
  AND t.id <> ?1 AND t.starter_message_id IS NOT ?1
  AND NOT EXISTS (SELECT 1 FROM comment_forgotten f
                  WHERE f.guild_id = t.guild_id AND f.author_id = ?5 AND f.before_id >= ?1)
ON CONFLICT (message_id) DO UPDATE SET
    content = excluded.content,
    attachments = excluded.attachments,
    edited_at = excluded.edited_at,
    author_name = excluded.author_name
WHERE comments.deleted = 0
  AND comments.thread_id = excluded.thread_id
  AND (comments.edited_at IS NULL OR excluded.edited_at >= comments.edited_at)
  AND (comments.content IS NOT excluded.content OR comments.attachments IS NOT excluded.attachments
       OR comments.edited_at IS NOT excluded.edited_at OR comments.author_name IS NOT excluded.author_name)
"""

_EDIT = """
UPDATE comments SET content = :content, attachments = coalesce(:attachments, attachments),
                    edited_at = :edited_at
WHERE message_id = :id AND deleted = 0
  AND (edited_at IS NULL OR :edited_at >= edited_at)
  AND (content IS NOT :content OR edited_at IS NOT :edited_at
       OR (:attachments IS NOT NULL AND attachments IS NOT :attachments))
"""


@dataclass(frozen=True)
class CommentRow:
    """One message as it is written: times already UTC ISO-8601 text, attachments as JSON."""

    message_id: int
    guild_id: int
    thread_id: int
    parent_id: int | None
    author_id: int | None
    author_name: str | None
    content: str
    attachments_json: str
    created_at: str
    edited_at: str | None

    def params(self) -> tuple[object, ...]:
        """In the order of the numbered parameters of the upsert."""
        return (
            self.message_id,
            self.guild_id,
            self.thread_id,
            self.parent_id,
            self.author_id,
            self.author_name,
            self.content,
            self.attachments_json,
            self.created_at,
            self.edited_at,
        )


@dataclass(frozen=True)
class StoredComment:
    message_id: int
    guild_id: int
    thread_id: int
    article_id: int
    parent_id: int | None
    author_id: int | None
    author_name: str | None
    content: str
    attachments: tuple[str, ...]
    created_at: str
    edited_at: str | None
    deleted: bool


@dataclass(frozen=True)
class DeleteOutcome:
    """What one delete did: the row removed, kept as a tombstone (it has replies), or nothing."""

    removed: int = 0
    tombstoned: int = 0
    purged: int = 0  # tombstones removed because their last reply went away

    @property
    def changed(self) -> int:
        return self.removed + self.tombstoned


@dataclass(frozen=True)
class DiscussedArticle:
    article_id: int
    title: str
    thread_id: int


def _row(row: aiosqlite.Row) -> StoredComment:
    return StoredComment(
        message_id=row["message_id"],
        guild_id=row["guild_id"],
        thread_id=row["thread_id"],
        article_id=row["article_id"],
        parent_id=row["parent_id"],
        author_id=row["author_id"],
        author_name=row["author_name"],
        content=row["content"],
        attachments=tuple(json.loads(row["attachments"] or "[]")),
        created_at=row["created_at"],
        edited_at=row["edited_at"],
        deleted=bool(row["deleted"]),
    )


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start : start + _IN_CHUNK]


class CommentStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- writes: the caller holds the transaction ------------------------------------------------

    async def tracked_threads(self, conn: aiosqlite.Connection, thread_ids: Iterable[int]) -> set[int]:
        """Which of these channel ids are registered article threads."""
        wanted = sorted(set(thread_ids))
        found: set[int] = set()
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            async with conn.execute(f"SELECT id FROM threads WHERE id IN ({marks})", chunk) as cur:
                found.update(int(r[0]) for r in await cur.fetchall())
        return found

    async def upsert(self, conn: aiosqlite.Connection, rows: Sequence[CommentRow]) -> int:
        """Insert new messages and refresh known ones; returns how many rows changed.

        A known row takes the incoming content only when the incoming edit time is not older, so a
        history page read before a live edit cannot roll the edit back; a tombstone is never revived.
        """
        if not rows:
            return 0
        cur = await conn.executemany(_UPSERT, [r.params() for r in rows])
        changed = max(cur.rowcount, 0)
        await cur.close()
        return changed

    async def edit(
        self,
        conn: aiosqlite.Connection,
        message_id: int,
        content: str,
        edited_at: str,
        attachments_json: str | None,
    ) -> bool:
        cur = await conn.execute(
            _EDIT,
            {"id": message_id, "content": content, "edited_at": edited_at, "attachments": attachments_json},
        )
        changed = cur.rowcount > 0
        await cur.close()
        return changed

    async def delete(self, conn: aiosqlite.Connection, message_id: int, deleted_at: str) -> DeleteOutcome:
        """Remove a comment, or blank it to a tombstone when replies hang below it; removing the last
        reply of a tombstone purges the tombstone too, up the chain."""
        async with conn.execute(
            "SELECT parent_id, deleted FROM comments WHERE message_id = ?", (message_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return DeleteOutcome()
        if await self._has_replies(conn, message_id):
            if row["deleted"]:
                return DeleteOutcome()
            await conn.execute(
                "UPDATE comments SET deleted = 1, deleted_at = ?, content = '', attachments = '[]', "
                "author_id = NULL, author_name = NULL, edited_at = NULL WHERE message_id = ?",
                (deleted_at, message_id),
            )
            return DeleteOutcome(tombstoned=1)
        await conn.execute("DELETE FROM comments WHERE message_id = ?", (message_id,))
        removed = 0 if row["deleted"] else 1
        purged = 1 - removed
        parent = row["parent_id"]
        while parent is not None:
            async with conn.execute(
                "SELECT parent_id, deleted FROM comments WHERE message_id = ?", (parent,)
            ) as cur:
                above = await cur.fetchone()
            if above is None or not above["deleted"] or await self._has_replies(conn, parent):
                break
            await conn.execute("DELETE FROM comments WHERE message_id = ?", (parent,))
            purged += 1
            parent = above["parent_id"]
        return DeleteOutcome(removed=removed, purged=purged)

    async def _has_replies(self, conn: aiosqlite.Connection, message_id: int) -> bool:
        async with conn.execute(
            "SELECT 1 FROM comments WHERE parent_id = ? LIMIT 1", (message_id,)
        ) as cur:
            return await cur.fetchone() is not None

    async def live_ids_between(
        self, conn: aiosqlite.Connection, thread_id: int, after: int | None, through: int
    ) -> set[int]:
        """Stored, not deleted, comments of a thread with after < id <= through."""
        async with conn.execute(
            "SELECT message_id FROM comments WHERE thread_id = ? AND message_id > ? AND message_id <= ? "
            "AND deleted = 0",
            (thread_id, after or 0, through),
        ) as cur:
            return {int(r[0]) for r in await cur.fetchall()}

    async def advance_cursor(self, conn: aiosqlite.Connection, thread_id: int, message_id: int) -> None:
        await advance_cursor(conn, thread_id, message_id)

    async def author_comment_ids(
        self, conn: aiosqlite.Connection, guild_id: int, author_id: int
    ) -> list[int]:
        async with conn.execute(
            "SELECT message_id FROM comments WHERE guild_id = ? AND author_id = ? AND deleted = 0 "
            "ORDER BY message_id DESC",
            (guild_id, author_id),
        ) as cur:
            return [int(r[0]) for r in await cur.fetchall()]

    async def remember_forgotten(
        self, conn: aiosqlite.Connection, guild_id: int, author_id: int, before_id: int
    ) -> None:
        await conn.execute("INSERT INTO guilds(id) VALUES (?) ON CONFLICT(id) DO NOTHING", (guild_id,))
        await conn.execute(
            "INSERT INTO comment_forgotten(guild_id, author_id, before_id) VALUES (?, ?, ?) "
            "ON CONFLICT(guild_id, author_id) DO UPDATE SET before_id = max(before_id, excluded.before_id), "
            "forgotten_at = excluded.forgotten_at",
            (guild_id, author_id, before_id),
        )

    # -- reads --------------------------------------------------------------------------------------

    async def get(self, message_id: int) -> StoredComment | None:
        row = await self._db.fetchone("SELECT * FROM comments WHERE message_id = ?", (message_id,))
        return _row(row) if row else None

    async def for_article(self, guild_id: int, article_id: int) -> list[StoredComment]:
        rows = await self._db.fetchall(
            "SELECT * FROM comments WHERE guild_id = ? AND article_id = ? ORDER BY message_id",
            (guild_id, article_id),
        )
        return [_row(r) for r in rows]

    async def count(self, guild_id: int, article_id: int | None = None) -> int:
        """Visible comments (tombstones left out)."""
        if article_id is None:
            value = await self._db.fetchval(
                "SELECT count(*) FROM comments WHERE guild_id = ? AND deleted = 0", (guild_id,)
            )
        else:
            value = await self._db.fetchval(
                "SELECT count(*) FROM comments WHERE guild_id = ? AND article_id = ? AND deleted = 0",
                (guild_id, article_id),
            )
        return int(value or 0)

    async def discussed_articles(
        self, guild_id: int, query: str = "", limit: int = 25
    ) -> list[DiscussedArticle]:
        """Articles of a guild that have a discussion thread, newest thread first, for pickers."""
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = await self._db.fetchall(
            "SELECT a.id, a.title, t.id AS thread_id FROM threads t "
            "JOIN articles a ON a.id = t.article_id WHERE t.guild_id = ? AND a.guild_id = ? "
            "AND (a.title LIKE ? ESCAPE '\\' OR CAST(a.id AS TEXT) = ?) ORDER BY t.id DESC LIMIT ?",
            (guild_id, guild_id, pattern, query.strip(), limit),
        )
        return [DiscussedArticle(int(r["id"]), r["title"], int(r["thread_id"])) for r in rows]
