"""The pipeline: one path from a URL or given text to a stored article with summary and quotes."""

from __future__ import annotations

import pytest

from bot.news.fetch import Fetcher, UnsupportedContentType
from bot.news.model import Article
from bot.pipeline import EmptyArticleError, Pipeline, content_hash
from bot.settings import FetchSettings
from bot.store.articles import ArticleRepo
from bot.store.db import Database
from bot.summarize import Summarizer, SummaryOptions
from tests.httpserver import LocalServer

STORY = """<html lang="en"><head><title>Ferry service to resume on Monday</title>
<link rel="canonical" href="{base}/news/ferry"></head><body><article>
<h1>Ferry service to resume on Monday</h1>
<p>The island ferry will run again from Monday after three weeks of repairs to its engine, the operator
said on Friday. Passengers had been forced to take a two-hour detour by road.</p>
<p>"We know how hard these weeks have been for everyone on the island," said Hanna Lindqvist, the
operator's chief executive. "The ship is ready and so is the crew."</p>
<p>Timetables will be the same as before the breakdown, and tickets bought for cancelled sailings will
be accepted until the end of the month, the company added.</p>
</article></body></html>"""


def _pipeline(db: Database, fetcher: Fetcher) -> Pipeline:
    return Pipeline(db, fetcher, Summarizer(SummaryOptions()))


@pytest.mark.asyncio
async def test_url_is_stored_with_summary_and_quotes_then_deduped(db: Database) -> None:
    async with LocalServer() as server, Fetcher(FetchSettings(allow_private=True)) as fetcher:
        server.page("/news/ferry", STORY.format(base=server.base_url))
        pipeline = _pipeline(db, fetcher)
        first = await pipeline.ingest_url(7, server.url("/news/ferry"))
        assert first.status == "stored"
        assert first.title == "Ferry service to resume on Monday"
        assert 1 <= len(first.summary) <= 3
        assert first.quotes == 2

        stored = await ArticleRepo(db).get(7, first.article_id)
        assert stored is not None
        assert stored.summary == first.summary
        assert stored.speakers == ("Hanna Lindqvist",)

        # The same story again with tracking parameters and a fragment: a duplicate, nothing new.
        again = await pipeline.ingest_url(7, server.url("/news/ferry?utm_source=feed#comments"))
        assert again.status == "duplicate"
        assert again.article_id == first.article_id
        assert again.reason is not None and "same URL" in again.reason
        assert await db.fetchval("SELECT count(*) FROM quotes WHERE guild_id = 7") == 2

        # Another guild stores its own copy: data is per guild.
        other = await pipeline.ingest_url(8, server.url("/news/ferry"))
        assert other.status == "stored" and other.article_id != first.article_id


@pytest.mark.asyncio
async def test_same_text_under_another_url_is_a_duplicate(db: Database) -> None:
    async with Fetcher(FetchSettings()) as fetcher:
        pipeline = _pipeline(db, fetcher)
        text = "The council met on Tuesday.\n\nIt approved the budget."
        a = await pipeline.ingest_article(0, Article.from_text("A", text, url="https://a.example/1"))
        b = await pipeline.ingest_article(
            0, Article.from_text("B", "the council  met on Tuesday.\n\nIt approved the budget. ",
                                 url="https://b.example/2")
        )
        assert a.status == "stored"
        assert b.status == "duplicate" and b.article_id == a.article_id
        assert b.reason is not None and "same text" in b.reason


@pytest.mark.asyncio
async def test_records_with_the_same_id_are_deduped(db: Database) -> None:
    async with Fetcher(FetchSettings()) as fetcher:
        pipeline = _pipeline(db, fetcher)
        a = await pipeline.ingest_article(0, Article.from_text("A", "One text."), external_id="r1")
        b = await pipeline.ingest_article(0, Article.from_text("A", "A corrected text."), external_id="r1")
        assert (a.status, b.status) == ("stored", "duplicate")


@pytest.mark.asyncio
async def test_empty_article_is_refused_and_nothing_is_stored(db: Database) -> None:
    async with Fetcher(FetchSettings()) as fetcher:
        with pytest.raises(EmptyArticleError):
            await _pipeline(db, fetcher).ingest_article(0, Article.from_text("Empty", "  \n\n "))
    assert await db.fetchval("SELECT count(*) FROM articles") == 0


@pytest.mark.asyncio
async def test_non_html_url_is_refused_with_a_clear_error(db: Database) -> None:
    async with LocalServer() as server, Fetcher(FetchSettings(allow_private=True)) as fetcher:
        server.page("/image.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png")
        with pytest.raises(UnsupportedContentType):
            await _pipeline(db, fetcher).ingest_url(0, server.url("/image.png"))
    assert await db.fetchval("SELECT count(*) FROM articles") == 0


def test_content_hash_ignores_case_and_spacing() -> None:
    assert content_hash("The  Mayor said\nhello") == content_hash("the mayor said hello ")
    assert content_hash("The mayor said hello") != content_hash("The mayor said goodbye")
