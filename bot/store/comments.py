"""Comment rows: the SQL behind an article's comment section.

Writes are plain functions of a `sqlite3.Connection` inside a transaction the caller already holds:
the comment service runs a whole batch of gateway events (or a history page with its sync cursor)
through `Database.run_in_transaction`, so the batch, commit included, is one trip to the database
thread instead of one per statement, which a busy event loop would make wait a turn each.

The thread a message belongs to is resolved by joining `threads` inside the INSERT itself: a message
of an untracked channel (or of a thread removed meanwhile) is simply not inserted, so no foreign key
can fail and take the rest of a batch down with it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import aiosqlite

from bot.store.db import Database
from bot.store.guilds import ENSURE_GUILD_SQL
from bot.store.threads import ADVANCE_CURSORS_SQL

# The columns of an incoming row, in the order of `CommentRow.params()`.
_ROW_COLUMNS = (
    "id",
    "guild",
    "thread",
    "parent",
    "author",
    "name",
    "content",
    "attachments",
    "created",
    "edited",
)

# A whole run of rows as ONE statement: the rows travel as a JSON array of `params()` arrays and
# json_each unpacks them inside SQLite. executemany would run a statement per row, and between rows
# the database thread has to win the GIL back from a busy event loop, which can take milliseconds
# each (2,000 rows took 0.1 to 2 s that way under a gateway flood; one statement takes 0.1 s).
_JSON_ROWS = (
    "SELECT key AS ord, "
    + ", ".join(f"json_extract(value, '$[{i}]') AS {name}" for i, name in enumerate(_ROW_COLUMNS))
    + " FROM json_each(?1)"
)
# One row from plain parameters, for the rare row json_extract cannot carry (a NUL character
# inside a text ends the text there).
_PARAM_ROW = "SELECT 0 AS ord, " + ", ".join(f"?{i} AS {name}" for i, name in enumerate(_ROW_COLUMNS, 1))

# Upsert from a source of incoming rows `m`, applied in their order (ORDER BY: a message delivered
# twice in one run ends with the later copy). Known rows take the incoming content only under the
# newer-edit-wins rule, tombstones are never revived, and a message of an untracked channel, a
# thread's starter post or a forgotten author's message is not inserted at all.
_UPSERT = """
INSERT INTO comments (message_id, guild_id, thread_id, article_id, parent_id, author_id, author_name,
                      content, attachments, created_at, edited_at)
SELECT m.id, t.guild_id, t.id, t.article_id, m.parent, m.author, m.name, m.content, m.attachments,
       m.created, m.edited
FROM ({source}) m CROSS JOIN threads t
WHERE t.id = m.thread AND t.guild_id = m.guild
  AND t.id <> m.id AND t.starter_message_id IS NOT m.id
  AND NOT EXISTS (SELECT 1 FROM comment_forgotten f
                  WHERE f.guild_id = t.guild_id AND f.author_id = m.author AND f.before_id >= m.id)
ORDER BY m.ord
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
_UPSERT_JSON = _UPSERT.format(source=_JSON_ROWS)
_UPSERT_ROW = _UPSERT.format(source=_PARAM_ROW)

_TRACKED = "SELECT json_group_array(id) FROM threads WHERE id IN (SELECT value FROM json_each(?))"

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


class CommentStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- writes: plain functions of the connection, inside the caller's transaction ---------------

    def tracked_threads(self, conn: sqlite3.Connection, thread_ids: Iterable[int]) -> set[int]:
        """Which of these channel ids are registered article threads (one statement, one row)."""
        found = conn.execute(_TRACKED, (json.dumps(sorted(set(thread_ids))),)).fetchone()
        return {int(i) for i in json.loads(found[0])}

    def upsert(self, conn: sqlite3.Connection, rows: Sequence[CommentRow]) -> int:
        """Insert new messages and refresh known ones, in order; returns how many rows changed.

        A known row takes the incoming content only when the incoming edit time is not older, so a
        history page read before a live edit cannot roll the edit back; a tombstone is never revived.
        """
        changed = 0
        start = 0
        for index, row in enumerate(rows):
            if "\x00" in row.content or (row.author_name is not None and "\x00" in row.author_name):
                changed += self._upsert_json(conn, rows[start:index])
                cur = conn.execute(_UPSERT_ROW, row.params())
                changed += max(cur.rowcount, 0)
                cur.close()
                start = index + 1
        return changed + self._upsert_json(conn, rows[start:])

    def _upsert_json(self, conn: sqlite3.Connection, rows: Sequence[CommentRow]) -> int:
        if not rows:
            return 0
        # ensure_ascii=False: shorter, and a lone surrogate fails the statement as it would fail
        # a bound parameter, instead of being stored as an escape.
        payload = json.dumps([r.params() for r in rows], ensure_ascii=False)
        cur = conn.execute(_UPSERT_JSON, (payload,))
        changed = max(cur.rowcount, 0)
        cur.close()
        return changed

    def edit(
        self,
        conn: sqlite3.Connection,
        message_id: int,
        content: str,
        edited_at: str,
        attachments_json: str | None,
    ) -> bool:
        cur = conn.execute(
            _EDIT,
            {"id": message_id, "content": content, "edited_at": edited_at, "attachments": attachments_json},
        )
        changed = cur.rowcount > 0
        cur.close()
        return changed

    def delete(self, conn: sqlite3.Connection, message_id: int, deleted_at: str) -> DeleteOutcome:
        """Remove a comment, or blank it to a tombstone when replies hang below it; removing the last
        reply of a tombstone purges the tombstone too, up the chain."""
        row = conn.execute(
            "SELECT parent_id, deleted FROM comments WHERE message_id = ?", (message_id,)
        ).fetchone()
        if row is None:
            return DeleteOutcome()
        if self._has_replies(conn, message_id):
            if row[1]:
                return DeleteOutcome()
            conn.execute(
                "UPDATE comments SET deleted = 1, deleted_at = ?, content = '', attachments = '[]', "
                "author_id = NULL, author_name = NULL, edited_at = NULL WHERE message_id = ?",
                (deleted_at, message_id),
            )
            return DeleteOutcome(tombstoned=1)
        conn.execute("DELETE FROM comments WHERE message_id = ?", (message_id,))
        removed = 0 if row[1] else 1
        purged = 1 - removed
        parent = row[0]
        while parent is not None:
            above = conn.execute(
                "SELECT parent_id, deleted FROM comments WHERE message_id = ?", (parent,)
            ).fetchone()
            if above is None or not above[1] or self._has_replies(conn, parent):
                break
            conn.execute("DELETE FROM comments WHERE message_id = ?", (parent,))
            purged += 1
            parent = above[0]
        return DeleteOutcome(removed=removed, purged=purged)

    def _has_replies(self, conn: sqlite3.Connection, message_id: int) -> bool:
        found = conn.execute("SELECT 1 FROM comments WHERE parent_id = ? LIMIT 1", (message_id,)).fetchone()
        return found is not None

    def live_ids_between(
        self, conn: sqlite3.Connection, thread_id: int, after: int | None, through: int
    ) -> set[int]:
        """Stored, not deleted, comments of a thread with after < id <= through."""
        rows = conn.execute(
            "SELECT message_id FROM comments WHERE thread_id = ? AND message_id > ? AND message_id <= ? "
            "AND deleted = 0",
            (thread_id, after or 0, through),
        ).fetchall()
        return {int(r[0]) for r in rows}

    def advance_cursors(self, conn: sqlite3.Connection, cursors: Iterable[tuple[int, int]]) -> None:
        """Move each (thread, message id) cursor forward only, all in one statement."""
        targets: dict[int, int] = {}
        for thread_id, message_id in cursors:
            targets[thread_id] = max(message_id, targets.get(thread_id, message_id))
        if targets:
            conn.execute(ADVANCE_CURSORS_SQL, (json.dumps(targets),))

    def author_comment_ids(self, conn: sqlite3.Connection, guild_id: int, author_id: int) -> list[int]:
        rows = conn.execute(
            "SELECT message_id FROM comments WHERE guild_id = ? AND author_id = ? AND deleted = 0 "
            "ORDER BY message_id DESC",
            (guild_id, author_id),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def remember_forgotten(
        self, conn: sqlite3.Connection, guild_id: int, author_id: int, before_id: int
    ) -> None:
        conn.execute(ENSURE_GUILD_SQL, (guild_id,))
        conn.execute(
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
