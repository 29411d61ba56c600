"""The feed schedule core: real SQLite, real fetching of made-up feeds and pages from 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from bot.news.feeds import FeedPoller
from bot.news.fetch import Fetcher
from bot.pipeline import Pipeline
from bot.scheduler import FeedScheduler
from bot.services import build_summarizer
from bot.settings import FeedSettings, FetchSettings, Settings
from bot.store.articles import ArticleRepo
from bot.store.db import Database
from bot.store.feeds import FeedRepo
from bot.store.outbox import OutboxRepo
from tests.httpserver import LocalServer
from tests.simcord_helpers import article_html, rss_feed, story_paragraphs

GUILD = 11
CHANNEL = 501
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def rfc822(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


@dataclass
class Rig:
    db: Database
    server: LocalServer
    feeds: FeedRepo
    poller: FeedPoller
    outbox: OutboxRepo
    scheduler: FeedScheduler
    items: list[tuple[str, str, str]]

    def publish(self, slug: str, title: str, when: datetime, *, page: bool = True) -> str:
        link = self.server.url(f"/news/{slug}")
        if page:
            self.server.page(f"/news/{slug}", article_html(title, story_paragraphs(title.lower())))
        self.items.insert(0, (title, link, rfc822(when)))
        self.server.page(
            "/feed.xml", rss_feed("Harbour Gazette", self.items), content_type="application/rss+xml"
        )
        return link


@pytest_asyncio.fixture
async def rig(db: Database) -> AsyncIterator[Rig]:
    settings = FeedSettings(default_interval_min=30, min_interval_min=5, max_entry_age_days=7)
    for guild in (GUILD, GUILD + 1):  # the bot registers guilds as it joins them
        await db.execute("INSERT INTO guilds(id, name) VALUES (?, 'test')", (guild,))
    async with LocalServer() as server, Fetcher(FetchSettings(allow_private=True, timeout_s=5.0)) as fetcher:
        summarizer = build_summarizer(Settings())
        pipeline = Pipeline(db, fetcher, summarizer, ArticleRepo(db))
        poller = FeedPoller(db, fetcher, settings)
        outbox = OutboxRepo(db)
        scheduler = FeedScheduler(
            poller.repo, poller, pipeline, outbox, settings, fetcher=fetcher, summarizer=summarizer
        )
        rig = Rig(db, server, poller.repo, poller, outbox, scheduler, [])
        rig.server.page("/feed.xml", rss_feed("Harbour Gazette", []), content_type="application/rss+xml")
        yield rig


@pytest.mark.asyncio
async def test_first_run_seeds_then_new_entries_are_queued_for_posting(rig: Rig) -> None:
    rig.publish("old-story", "Old ferry timetable", T0 - timedelta(hours=5))
    feed = await rig.poller.add(GUILD, rig.server.url("/feed.xml"), channel_id=CHANNEL, now=T0)

    [first] = await rig.scheduler.run_due(T0)
    assert first.seeded and first.posts_queued == 0 and first.error is None
    assert await rig.outbox.pending() == []

    rig.publish("bridge", "Bridge repairs", T0 + timedelta(minutes=10))
    assert await rig.scheduler.run_due(T0 + timedelta(minutes=20)) == []  # not due yet: nothing fetched
    assert rig.server.hits("/feed.xml") == 1

    [second] = await rig.scheduler.run_due(T0 + timedelta(minutes=31))
    assert second.posts_queued == 1 and not second.seeded
    [row] = await rig.outbox.pending()
    assert (row.guild_id, row.channel_id, row.mode) == (GUILD, CHANNEL, "thread")
    [entry] = await rig.feeds.entries(feed.id, "ingested")
    assert entry.article_id == row.article_id and entry.title == "Bridge repairs"
    stored = await ArticleRepo(rig.db).get(GUILD, row.article_id)
    assert stored is not None and stored.title == "Bridge repairs" and stored.summary


@pytest.mark.asyncio
async def test_backfill_queues_recent_entries_oldest_first(rig: Rig) -> None:
    for n in range(4):
        rig.publish(f"s{n}", f"Story number {n} on the harbour", T0 - timedelta(hours=4 - n))
    feed = await rig.poller.add(GUILD, rig.server.url("/feed.xml"), channel_id=CHANNEL, mode="forum", now=T0)

    run = await rig.scheduler.run_feed(feed.id, now=T0, backfill=2)

    assert run.seeded and run.posts_queued == 2
    rows = await rig.outbox.pending()
    titles = [(await ArticleRepo(rig.db).get(GUILD, r.article_id)).title for r in rows]  # type: ignore[union-attr]
    assert titles == ["Story number 2 on the harbour", "Story number 3 on the harbour"]
    assert {r.mode for r in rows} == {"forum"}


@pytest.mark.asyncio
async def test_broken_pages_are_skipped_and_server_errors_retried(rig: Rig) -> None:
    feed = await rig.poller.add(GUILD, rig.server.url("/feed.xml"), channel_id=CHANNEL, now=T0)
    await rig.scheduler.run_feed(feed.id, now=T0)
    rig.publish("gone", "Missing page", T0 + timedelta(minutes=1), page=False)
    flaky = rig.publish("flaky", "Flaky page", T0 + timedelta(minutes=2), page=False)
    rig.server.page("/news/flaky", "try later", status=503, content_type="text/plain")

    run = await rig.scheduler.run_feed(feed.id, now=T0 + timedelta(minutes=31))

    statuses = {o.link: o.status for o in run.outcomes}
    assert statuses == {rig.server.url("/news/gone"): "skipped", flaky: "retry"}
    [skipped] = await rig.feeds.entries(feed.id, "skipped")
    assert skipped.reason and "404" in skipped.reason
    assert await rig.outbox.pending() == []

    rig.server.page("/news/flaky", article_html("Flaky page", story_paragraphs("the flaky page")))
    later = await rig.scheduler.run_feed(feed.id, now=T0 + timedelta(minutes=62))
    assert [o.status for o in later.outcomes] == ["stored"]
    assert len(await rig.outbox.pending()) == 1


@pytest.mark.asyncio
async def test_entry_left_queued_by_a_crash_is_posted_once(rig: Rig) -> None:
    feed = await rig.poller.add(GUILD, rig.server.url("/feed.xml"), channel_id=CHANNEL, now=T0)
    await rig.scheduler.run_feed(feed.id, now=T0)
    rig.publish("bridge", "Bridge repairs", T0 + timedelta(minutes=1))
    await rig.scheduler.run_feed(feed.id, now=T0 + timedelta(minutes=31))
    [entry] = await rig.feeds.entries(feed.id, "ingested")
    # The process died after queueing the post but before marking the entry ingested.
    await rig.db.execute("UPDATE feed_entries SET status = 'queued' WHERE id = ?", (entry.id,))

    run = await rig.scheduler.run_feed(feed.id, now=T0 + timedelta(minutes=62))

    assert [o.status for o in run.outcomes] == ["duplicate"]
    assert len(await rig.outbox.pending()) == 1
    assert [e.id for e in await rig.feeds.entries(feed.id, "ingested")] == [entry.id]


@pytest.mark.asyncio
async def test_unreadable_feed_reports_error_and_waits_its_interval(rig: Rig) -> None:
    rig.server.page("/page.html", article_html("Not a feed", story_paragraphs("feeds")))
    feed = await rig.poller.add(GUILD, rig.server.url("/page.html"), channel_id=CHANNEL, now=T0)

    [run] = await rig.scheduler.run_due(T0)

    assert run.error and "not an RSS or Atom feed" in run.error
    stored = await rig.feeds.get(feed.id)
    assert stored is not None and stored.last_error == run.error
    assert await rig.scheduler.run_due(T0 + timedelta(minutes=10)) == []


@pytest.mark.asyncio
async def test_preview_shows_next_entry_without_storing_anything(rig: Rig) -> None:
    feed = await rig.poller.add(GUILD, rig.server.url("/feed.xml"), channel_id=CHANNEL, now=T0)
    rig.publish("seen", "Already seen story", T0 - timedelta(hours=1))
    await rig.scheduler.run_feed(feed.id, now=T0)
    rig.publish("next", "Next story about the ferry", T0 + timedelta(minutes=5))
    seeded = await rig.feeds.get(feed.id)
    assert seeded is not None

    preview = await rig.scheduler.preview(seeded)

    assert preview.is_new and preview.waiting == 1
    assert preview.article.title == "Next story about the ferry" and preview.summary
    assert await ArticleRepo(rig.db).count(GUILD) == 0
    assert len(await rig.feeds.entries(feed.id)) == 1  # only the seeded one is recorded


@pytest.mark.asyncio
async def test_feed_without_channel_only_ingests(rig: Rig) -> None:
    feed = await rig.poller.add(GUILD, rig.server.url("/feed.xml"), now=T0)
    rig.publish("a", "Story for the archive", T0 - timedelta(minutes=5))
    run = await rig.scheduler.run_feed(feed.id, now=T0, backfill=1)
    assert [o.status for o in run.outcomes] == ["stored"]
    assert await rig.outbox.pending() == []
    assert await ArticleRepo(rig.db).count(GUILD) == 1 and await ArticleRepo(rig.db).count(GUILD + 1) == 0
