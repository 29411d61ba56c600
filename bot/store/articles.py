"""Articles and their summaries, per guild.

Dedupe keys live in the schema (UNIQUE canonical_url / content_hash / external_id per guild); this
repository only asks them. The pipeline is the one caller that inserts.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.store.db import Database
from bot.store.guilds import ensure_guild


@dataclass(frozen=True)
class NewArticle:
    guild_id: int
    title: str
    text: str
    content_hash: str
    url: str | None = None
    canonical_url: str | None = None
    external_id: str | None = None
    author: str | None = None
    published_at: str | None = None
    site_name: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class StoredArticle:
    id: int
    guild_id: int
    title: str
    url: str | None
    canonical_url: str | None
    external_id: str | None
    author: str | None
    published_at: str | None
    site_name: str | None
    language: str | None
    text: str
    summary: tuple[str, ...]
    summary_method: str | None
    speakers: tuple[str, ...]  # named people and organisations quoted in the article


class ArticleRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def find_duplicate(
        self,
        guild_id: int,
        *,
        canonical_url: str | None,
        content_hash: str,
        external_id: str | None = None,
    ) -> tuple[int, str] | None:
        """The id of an article this one would duplicate and which key matched, or None."""
        checks: list[tuple[str, str | None]] = [
            ("canonical_url", canonical_url),
            ("content_hash", content_hash),
            ("external_id", external_id),
        ]
        for column, value in checks:
            if value is None:
                continue
            found = await self._db.fetchval(
                f"SELECT id FROM articles WHERE guild_id = ? AND {column} = ?", (guild_id, value)
            )
            if found is not None:
                return int(found), column
        return None

    async def insert(
        self, article: NewArticle, summary: tuple[str, ...], summary_method: str
    ) -> int:
        """Store an article and its summary in one transaction, so neither exists without the other."""
        async with self._db.transaction() as conn:
            await ensure_guild(conn, article.guild_id)
            cur = await conn.execute(
                "INSERT INTO articles(guild_id, external_id, url, canonical_url, title, author, "
                "published_at, site_name, language, text, content_hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    article.guild_id,
                    article.external_id,
                    article.url,
                    article.canonical_url,
                    article.title,
                    article.author,
                    article.published_at,
                    article.site_name,
                    article.language,
                    article.text,
                    article.content_hash,
                ),
            )
            article_id = int(cur.lastrowid or 0)
            await cur.close()
            await conn.execute(
                "INSERT INTO summaries(article_id, text, method) VALUES (?, ?, ?)",
                (article_id, "\n".join(summary), summary_method),
            )
        return article_id

    async def get(self, guild_id: int, article_id: int) -> StoredArticle | None:
        row = await self._db.fetchone(
            "SELECT a.*, s.text AS summary_text, s.method AS summary_method FROM articles a "
            "LEFT JOIN summaries s ON s.article_id = a.id WHERE a.guild_id = ? AND a.id = ?",
            (guild_id, article_id),
        )
        return await self._stored(row) if row else None

    async def by_external_id(self, guild_id: int, external_id: str) -> StoredArticle | None:
        row = await self._db.fetchone(
            "SELECT a.*, s.text AS summary_text, s.method AS summary_method FROM articles a "
            "LEFT JOIN summaries s ON s.article_id = a.id WHERE a.guild_id = ? AND a.external_id = ?",
            (guild_id, external_id),
        )
        return await self._stored(row) if row else None

    async def list_recent(self, guild_id: int, limit: int = 20) -> list[StoredArticle]:
        rows = await self._db.fetchall(
            "SELECT a.*, s.text AS summary_text, s.method AS summary_method FROM articles a "
            "LEFT JOIN summaries s ON s.article_id = a.id WHERE a.guild_id = ? "
            "ORDER BY a.id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [await self._stored(r) for r in rows]

    async def count(self, guild_id: int) -> int:
        return int(
            await self._db.fetchval("SELECT count(*) FROM articles WHERE guild_id = ?", (guild_id,))
        )

    async def _stored(self, row: aiosqlite.Row) -> StoredArticle:
        speakers = await self._db.fetchall(
            "SELECT s.canonical_name, count(*) AS n FROM quotes q JOIN speakers s ON s.id = q.speaker_id "
            "WHERE q.article_id = ? AND s.kind != 'unnamed' "
            "GROUP BY s.id ORDER BY n DESC, min(q.start)",
            (row["id"],),
        )
        summary_text = row["summary_text"] or ""
        return StoredArticle(
            id=row["id"],
            guild_id=row["guild_id"],
            title=row["title"],
            url=row["url"],
            canonical_url=row["canonical_url"],
            external_id=row["external_id"],
            author=row["author"],
            published_at=row["published_at"],
            site_name=row["site_name"],
            language=row["language"],
            text=row["text"],
            summary=tuple(line for line in summary_text.split("\n") if line),
            summary_method=row["summary_method"],
            speakers=tuple(r["canonical_name"] for r in speakers),
        )
