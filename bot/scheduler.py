"""The feed schedule: which feeds are due, poll them, ingest each new entry, queue its post.

Due times live in the database (`feeds.next_poll_at`, written by every poll, failed or not), so a
restart resumes the schedule where it stopped and a feed is never polled twice within its interval.
An entry goes `queued` -> (article stored, post queued in the outbox) -> `ingested`, in that order: a
crash in between leaves the entry `queued`, the next run ingests it again (the pipeline answers
"duplicate"), and queueing the post again is a no-op. So no entry is lost and none is posted twice.

Entries whose page fails for a reason that may pass (timeout, unreachable, server error) stay queued
and are retried on the next run until they are older than `max_entry_age_days`; any other failure
marks the entry skipped with the reason, which `/parley status` and the CLI show.

Nothing here imports discord: the bot calls `run_due(now)` on a timer and posts from the outbox.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.news.extract import ExtractionError
from bot.news.feeds import (
    FeedError,
    FeedPoller,
    ParsedEntry,
    oldest_first,  # the poller's posting order, not a copy
    parse_feed,
)
from bot.news.fetch import (
    ACCEPT_FEED,
    Fetcher,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    Unreachable,
)
from bot.news.model import Article
from bot.pipeline import Pipeline
from bot.settings import FeedSettings
from bot.store.feeds import Feed, FeedEntry, FeedRepo
from bot.store.outbox import OutboxRepo
from bot.summarize import Summarizer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EntryOutcome:
    entry_id: int
    link: str | None
    status: str  # "stored" | "duplicate" | "skipped" | "retry"
    article_id: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class FeedRun:
    """What one run of one feed did."""

    feed_id: int
    guild_id: int
    outcomes: tuple[EntryOutcome, ...] = ()
    skipped_on_poll: int = 0  # entries the poll itself recorded as skipped (too old, no link)
    seeded: bool = False
    not_modified: bool = False
    error: str | None = None

    @property
    def posts_queued(self) -> int:
        return sum(1 for o in self.outcomes if o.status in ("stored", "duplicate"))


@dataclass(frozen=True)
class FeedPreview:
    """The post a feed would make next, built without storing or posting anything."""

    feed: Feed
    entry_title: str | None
    link: str
    article: Article
    summary: tuple[str, ...]
    is_new: bool  # False: nothing new in the feed, this is its latest entry
    waiting: int  # new entries the next poll would queue (before age and link rules)


def _is_transient(error: Exception) -> bool:
    if isinstance(error, FetchTimeout | Unreachable):
        return True
    return isinstance(error, HTTPStatusError) and (error.status >= 500 or error.status == 429)


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class FeedScheduler:
    def __init__(
        self,
        feeds: FeedRepo,
        poller: FeedPoller,
        pipeline: Pipeline,
        outbox: OutboxRepo,
        settings: FeedSettings,
        *,
        fetcher: Fetcher | None = None,
        summarizer: Summarizer | None = None,
    ) -> None:
        self._feeds = feeds
        self._poller = poller
        self._pipeline = pipeline
        self._outbox = outbox
        self._settings = settings
        self._fetcher = fetcher
        self._summarizer = summarizer
        self._locks: dict[int, asyncio.Lock] = {}

    def _lock(self, feed_id: int) -> asyncio.Lock:
        return self._locks.setdefault(feed_id, asyncio.Lock())

    async def run_due(self, now: datetime) -> list[FeedRun]:
        """Run every feed whose time has come; one feed's failure never stops the others."""
        runs: list[FeedRun] = []
        for feed in await self._feeds.due(now):
            try:
                runs.append(await self.run_feed(feed.id, now=now))
            except Exception:
                log.exception("feed %s: run failed", feed.id)
        return runs

    async def run_feed(self, feed_id: int, *, now: datetime, backfill: int = 0) -> FeedRun:
        """Poll one feed now (whatever its due time), ingest its queued entries oldest first and
        queue their posts. A feed that cannot be read returns a run with `error` set (the poller
        has recorded it in `feeds.last_error`)."""
        async with self._lock(feed_id):
            feed = await self._feeds.get(feed_id)
            if feed is None:
                raise FeedError(f"there is no feed number {feed_id}")
            try:
                result = await self._poller.poll(feed_id, backfill=backfill, now=now)
            except (FetchError, FeedError) as exc:
                return FeedRun(feed_id=feed.id, guild_id=feed.guild_id, error=str(exc))
            outcomes = []
            # `queued()` also holds entries a crashed run left behind, so they are retried here.
            for entry in await self._feeds.queued(feed_id):
                outcomes.append(await self._ingest(result.feed, entry, now))
            return FeedRun(
                feed_id=feed.id,
                guild_id=feed.guild_id,
                outcomes=tuple(outcomes),
                skipped_on_poll=len(result.skipped),
                seeded=result.seeded,
                not_modified=result.not_modified,
            )

    async def _ingest(self, feed: Feed, entry: FeedEntry, now: datetime) -> EntryOutcome:
        if not entry.link:
            await self._feeds.mark_skipped(entry.id, "the entry has no link to an article")
            return EntryOutcome(entry.id, None, "skipped", reason="no link")
        try:
            result = await self._pipeline.ingest_url(feed.guild_id, entry.link)
        except (FetchError, ExtractionError) as exc:
            reason = str(exc)
            seen = _parse_iso(entry.seen_at)
            too_old = seen is not None and now - seen > timedelta(days=self._settings.max_entry_age_days)
            if isinstance(exc, FetchError) and _is_transient(exc) and not too_old:
                log.info("feed %s entry %s: will retry (%s)", feed.id, entry.id, reason)
                return EntryOutcome(entry.id, entry.link, "retry", reason=reason)
            await self._feeds.mark_skipped(entry.id, reason)
            return EntryOutcome(entry.id, entry.link, "skipped", reason=reason)
        except Exception:
            log.exception("feed %s entry %s (%s): ingest failed", feed.id, entry.id, entry.link)
            reason = "the article could not be processed (the error is in the bot's log)"
            await self._feeds.mark_skipped(entry.id, reason)
            return EntryOutcome(entry.id, entry.link, "skipped", reason=reason)
        if feed.channel_id is not None:
            # Queue the post BEFORE marking the entry ingested: see the module docstring.
            await self._outbox.enqueue(
                guild_id=feed.guild_id,
                article_id=result.article_id,
                channel_id=feed.channel_id,
                mode=feed.mode,
            )
        await self._feeds.mark_ingested(entry.id, result.article_id)
        return EntryOutcome(
            entry.id, entry.link, result.status, article_id=result.article_id, reason=result.reason
        )

    async def preview(self, feed: Feed) -> FeedPreview:
        """The next post of `feed`: its oldest entry not seen yet (or, if none, its latest entry),
        fetched and summarised but neither stored nor recorded as seen."""
        if self._fetcher is None or self._summarizer is None:
            raise RuntimeError("preview needs the fetcher and the summarizer")
        fetched = await self._fetcher.fetch(feed.url, accept=ACCEPT_FEED)
        parsed = await asyncio.to_thread(
            parse_feed, fetched.body, url=fetched.url, content_type=fetched.content_type
        )
        linked = [e for e in parsed.entries if e.link]
        if not linked:
            raise FeedError("the feed has no entries with a link to an article")
        known = await self._feeds.known_keys(feed.id, [e.key for e in linked])
        fresh = sorted((e for e in linked if e.key not in known), key=oldest_first)
        entry: ParsedEntry = fresh[0] if fresh else min(linked, key=lambda e: e.position)
        assert entry.link is not None
        article = await self._pipeline.fetch_article(entry.link)
        summary = await self._summarizer.summarize(article.text, article.title)
        return FeedPreview(
            feed=feed,
            entry_title=entry.title,
            link=entry.link,
            article=article,
            summary=tuple(summary.sentences),
            is_new=bool(fresh),
            waiting=len(fresh),
        )
