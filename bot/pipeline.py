"""The one path for an article: fetch/extract (or given text) -> dedupe -> summary -> quotes -> stored.

The CLI, the feed scheduler and the Discord cogs all call this, so dedupe and the order of steps are
decided in exactly one place.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import sqlite3
import unicodedata
from dataclasses import dataclass

from bot.news.extract import ExtractionError, fetch_article
from bot.news.fetch import Fetcher
from bot.news.model import Article
from bot.news.urls import URLError, normalize_url
from bot.quotes import extract_quotes
from bot.quotes.index import index_article
from bot.store.articles import ArticleRepo, NewArticle
from bot.store.db import Database
from bot.summarize import Summarizer

log = logging.getLogger(__name__)

_SPACE = re.compile(r"\s+")
# Articles longer than this are searched for quotes in a worker thread, so a huge page cannot stall
# the event loop that also serves Discord.
_INLINE_LIMIT = 20_000


class EmptyArticleError(ExtractionError):
    """The article has no text to summarise."""


@dataclass(frozen=True)
class IngestResult:
    status: str  # "stored" | "duplicate"
    article_id: int
    title: str
    url: str | None
    summary: tuple[str, ...]
    quotes: int
    reason: str | None = None  # why a duplicate was not stored again


def content_hash(text: str) -> str:
    """Hash of the text with case, accents' composition and whitespace normalised, so the same story
    reached under two URLs is stored once."""
    normal = _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def _canonical(url: str | None) -> str | None:
    """The dedupe form of an article's URL; a record with an unusable URL is deduped by text alone."""
    if not url:
        return None
    try:
        return normalize_url(url)
    except URLError:
        return None


class Pipeline:
    def __init__(
        self,
        db: Database,
        fetcher: Fetcher,
        summarizer: Summarizer,
        articles: ArticleRepo | None = None,
    ) -> None:
        self._db = db
        self._fetcher = fetcher
        self._summarizer = summarizer
        self._articles = articles or ArticleRepo(db)

    async def fetch_article(self, url: str) -> Article:
        """Fetch and extract without storing (previews)."""
        return await fetch_article(url, self._fetcher)

    async def ingest_url(self, guild_id: int, url: str) -> IngestResult:
        article = await self.fetch_article(url)
        if article.url is None:
            article = Article(**{**article.__dict__, "url": url})
        return await self.ingest_article(guild_id, article)

    async def ingest_article(
        self, guild_id: int, article: Article, external_id: str | None = None
    ) -> IngestResult:
        text = article.text
        if not text.strip():
            raise EmptyArticleError("the article has no text")
        canonical = _canonical(article.canonical_url or article.url)
        digest = content_hash(text)
        duplicate = await self._duplicate(guild_id, canonical, digest, external_id)
        if duplicate is not None:
            return duplicate

        summary = await self._summarizer.summarize(text, article.title)
        if len(text) > _INLINE_LIMIT:
            extraction = await asyncio.to_thread(extract_quotes, text)
        else:
            extraction = extract_quotes(text)
        new = NewArticle(
            guild_id=guild_id,
            title=article.title or (summary.sentences[0][:120] if summary.sentences else "Untitled"),
            text=text,
            content_hash=digest,
            url=article.url,
            canonical_url=canonical,
            external_id=external_id,
            author=article.author,
            published_at=article.published,
            site_name=article.site_name,
            language=article.language,
        )
        try:
            article_id = await self._articles.insert(new, summary.sentences, summary.method)
        except sqlite3.IntegrityError:
            # Another task stored the same article between our check and our insert.
            duplicate = await self._duplicate(guild_id, canonical, digest, external_id)
            if duplicate is None:
                raise
            return duplicate
        await index_article(self._db, guild_id, article_id, extraction)
        log.info("stored article %s (%s quotes): %s", article_id, len(extraction.quotes), new.title)
        return IngestResult(
            status="stored",
            article_id=article_id,
            title=new.title,
            url=article.url,
            summary=summary.sentences,
            quotes=len(extraction.quotes),
        )

    async def _duplicate(
        self, guild_id: int, canonical: str | None, digest: str, external_id: str | None
    ) -> IngestResult | None:
        found = await self._articles.find_duplicate(
            guild_id, canonical_url=canonical, content_hash=digest, external_id=external_id
        )
        if found is None:
            return None
        article_id, key = found
        stored = await self._articles.get(guild_id, article_id)
        assert stored is not None
        why = {
            "canonical_url": "same URL",
            "content_hash": "same text",
            "external_id": "same id",
        }[key]
        quotes = await self._db.fetchval(
            "SELECT count(*) FROM quotes WHERE article_id = ?", (article_id,)
        )
        return IngestResult(
            status="duplicate",
            article_id=article_id,
            title=stored.title,
            url=stored.url,
            summary=stored.summary,
            quotes=int(quotes or 0),
            reason=f"{why} as article {article_id} already stored",
        )
