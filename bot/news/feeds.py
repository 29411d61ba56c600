"""Polling RSS/Atom feeds: which entries are new, which are skipped and why.

The body is fetched by `Fetcher` (SSRF checks, caps, conditional GET) and only then handed to
feedparser as a byte stream: feedparser would otherwise fetch URLs itself, and given a plain string
or bytes it may even open a local file of that name.

Rules, in order:
- an entry's identity is its guid, else its link, else a hash of its title and date;
- the first poll of a feed only marks the current entries as seen (nobody wants fifty old posts the
  moment a feed is added), unless a backfill of N entries is asked: then the newest N with a link
  are new, whatever their age, because a member asked for exactly those; a backfill asked later
  takes the newest N of the entries that were marked seen that way;
- afterwards an entry is new unless it has no usable link or is older than `max_entry_age_days`
  (a feed that republishes its archive must not flood the channel); each skip records its reason;
- new entries are returned oldest first, so they are posted in the order they were published.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import time
import xml.sax
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import feedparser
from lxml import etree, html

from bot.news.fetch import ACCEPT_FEED, Fetcher, FetchError
from bot.news.urls import URLError, check_url
from bot.settings import FeedSettings
from bot.store.db import Database
from bot.store.feeds import EntryRecord, Feed, FeedEntry, FeedRepo

log = logging.getLogger(__name__)

SEEN_ON_ADD = "present when the feed was added"
NO_LINK = "the entry has no link to an article"
BAD_LINK = "the entry's link is not a web address"
MAX_ENTRIES = 500  # real feeds carry tens; a feed with thousands is an archive dump or hostile
_MAX_KEY = 1000
_MAX_TITLE = 500


class FeedError(Exception):
    """A feed could not be read; `str(error)` says why, in words a member can act on."""


@dataclass(frozen=True)
class ParsedEntry:
    """One entry as found in the feed, before any decision about it."""

    key: str
    link: str | None
    title: str | None
    published: datetime | None
    position: int  # index in the document: feeds list newest first, so this breaks date ties

    @property
    def published_iso(self) -> str | None:
        return self.published.isoformat() if self.published else None


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    entries: tuple[ParsedEntry, ...]


@dataclass(frozen=True)
class PollResult:
    """What one poll found. `new_entries` (oldest first) are recorded as 'queued': ingest each
    entry's link, then `FeedRepo.mark_ingested(entry.id, article_id)` (or `mark_skipped`).
    `skipped` lists every entry this poll recorded without queueing it, with the reason."""

    feed: Feed
    new_entries: tuple[FeedEntry, ...] = ()
    skipped: tuple[tuple[FeedEntry, str], ...] = field(default=())
    not_modified: bool = False
    seeded: bool = False  # this was the feed's first poll


# Parsing ---------------------------------------------------------------------------------------


def _struct_to_datetime(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def _entry_key(entry: Any, link: str | None, title: str | None, date_text: str) -> str:
    guid = (entry.get("id") or "").strip()
    if guid:
        return guid if len(guid) <= _MAX_KEY else "sha256:" + hashlib.sha256(guid.encode()).hexdigest()
    if link:
        return link if len(link) <= _MAX_KEY else "sha256:" + hashlib.sha256(link.encode()).hexdigest()
    material = f"{title or ''}\n{date_text}"
    if not material.strip():  # no title and no date either: the summary is all there is
        material = "summary:" + (entry.get("summary") or "")
    return "sha256:" + hashlib.sha256(material.encode("utf-8")).hexdigest()


def _feed_links_in_html(body: bytes, base: str) -> list[str]:
    """Feed addresses an HTML page advertises (`<link rel=alternate type=application/rss+xml>`)."""
    try:
        tree = html.fromstring(body[:500_000])
    except (etree.LxmlError, ValueError):
        return []
    links: list[str] = []
    for element in tree.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        kind = (element.get("type") or "").lower()
        href = element.get("href")
        if "alternate" in rel and kind in ("application/rss+xml", "application/atom+xml") and href:
            links.append(urljoin(base, href.strip()))
    return links


def parse_feed(
    body: bytes, *, url: str, content_type: str | None = None, max_entries: int = MAX_ENTRIES
) -> ParsedFeed:
    """Entries of an RSS/Atom document (the first `max_entries`, which in a feed are the newest).
    Raises FeedError when the body is not a feed."""
    if not body.strip():
        raise FeedError("the feed address returned an empty page")
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=False)
    entries = parsed.get("entries") or []
    version = parsed.get("version") or ""
    # feedparser flags harmless things too (missing content type, charset override); only broken
    # XML with no entries to show for it means the feed is unusable.
    broken_xml = isinstance(parsed.get("bozo_exception"), xml.sax.SAXException)
    if not entries and (not version or broken_xml):
        looks_html = (content_type or "").endswith("html") or b"<html" in body[:2000].lower()
        if looks_html:
            found = _feed_links_in_html(body, url)
            hint = (
                f"; the page lists a feed at {found[0]}"
                if found
                else "; look for an RSS or Atom link on the site"
            )
            raise FeedError(f"that address is a web page, not an RSS or Atom feed{hint}")
        problem = parsed.get("bozo_exception")
        detail = f" ({str(problem)[:120]})" if problem else ""
        raise FeedError(f"that address did not return a readable RSS or Atom feed{detail}")
    feed_title = (parsed.get("feed", {}).get("title") or "").strip()[:_MAX_TITLE] or None
    out: list[ParsedEntry] = []
    for position, entry in enumerate(entries[: max(max_entries, 0)]):
        raw_link = (entry.get("link") or "").strip() or None
        title = " ".join((entry.get("title") or "").split())[:_MAX_TITLE] or None
        published = _struct_to_datetime(entry.get("published_parsed")) or _struct_to_datetime(
            entry.get("updated_parsed")
        )
        date_text = (entry.get("published") or entry.get("updated") or "").strip()
        key = _entry_key(entry, raw_link, title, date_text)
        out.append(ParsedEntry(key=key, link=raw_link, title=title, published=published, position=position))
    return ParsedFeed(title=feed_title, entries=tuple(out))


def oldest_first(entry: ParsedEntry) -> tuple[float, int]:
    """Sort key: by date, undated entries after dated ones; ties by document order reversed
    (a feed lists its newest entry first)."""
    stamp = entry.published.timestamp() if entry.published else float("inf")
    return stamp, -entry.position


# Polling ---------------------------------------------------------------------------------------


class FeedPoller:
    """Polls one feed at a time and records what it found; the caller ingests the new entries."""

    def __init__(self, db: Database, fetcher: Fetcher, settings: FeedSettings) -> None:
        self.repo = FeedRepo(db)
        self._fetcher = fetcher
        self.settings = settings

    def interval_s(self, minutes: int | None = None) -> int:
        """A poll interval in seconds: the default when not given, never below the minimum."""
        wanted = self.settings.default_interval_min if minutes is None else minutes
        return max(wanted, self.settings.min_interval_min) * 60

    async def add(
        self,
        guild_id: int,
        url: str,
        *,
        channel_id: int | None = None,
        mode: str = "thread",
        interval_min: int | None = None,
        now: datetime | None = None,
    ) -> Feed:
        """Follow a feed with the configured interval rules (see `FeedRepo.add` for errors)."""
        return await self.repo.add(
            guild_id, url, channel_id=channel_id, mode=mode, interval_s=self.interval_s(interval_min), now=now
        )

    async def poll(self, feed_id: int, *, backfill: int = 0, now: datetime | None = None) -> PollResult:
        """Fetch the feed (conditionally), record every entry not seen before and return the new
        ones. A fetch failure (FetchError) or a body that is not a feed (FeedError) is recorded in
        `feeds.last_error` and raised; nothing already stored is changed."""
        now = now or datetime.now(UTC)
        feed = await self.repo.get(feed_id)
        if feed is None:
            raise FeedError(f"there is no feed number {feed_id}")
        next_poll = now + timedelta(seconds=max(feed.interval_s, self.settings.min_interval_min * 60))
        requeued: tuple[FeedEntry, ...] = ()
        if feed.seeded and backfill > 0:
            wanted = min(backfill, self.settings.max_backfill)
            requeued = tuple(await self.repo.requeue_seen(feed.id, wanted, reason=SEEN_ON_ADD))
        try:
            fetched = await self._fetcher.fetch(
                feed.url,
                etag=feed.etag if feed.seeded else None,
                last_modified=feed.last_modified if feed.seeded else None,
                accept=ACCEPT_FEED,
            )
            if fetched.not_modified:
                await self.repo.record_poll(
                    feed.id, now=now, next_poll_at=next_poll, etag=feed.etag, last_modified=feed.last_modified
                )
                return PollResult(feed=feed, new_entries=requeued, not_modified=True)
            parsed = await _parse_off_loop(fetched.body, fetched.url, fetched.content_type)
        except (FetchError, FeedError) as exc:
            log.info("feed %s (%s) failed: %s", feed.id, feed.url, exc)
            await self.repo.record_error(feed.id, now=now, next_poll_at=next_poll, error=str(exc))
            raise

        records, reasons = await self._decide(feed, parsed, backfill=backfill, now=now)
        inserted = await self.repo.record_poll(
            feed.id,
            records,
            now=now,
            next_poll_at=next_poll,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            title=parsed.title,
            seeded=True,
        )
        by_key = {e.entry_key: e for e in inserted}
        new = requeued + tuple(
            by_key[r.entry_key] for r in records if r.status == "queued" and r.entry_key in by_key
        )
        skipped = tuple(
            (by_key[r.entry_key], reasons[r.entry_key])
            for r in records
            if r.status != "queued" and r.entry_key in by_key
        )
        updated = await self.repo.get(feed.id)
        log.info("feed %s polled: %d new, %d skipped", feed.id, len(new), len(skipped))
        return PollResult(feed=updated or feed, new_entries=new, skipped=skipped, seeded=not feed.seeded)

    async def _decide(
        self, feed: Feed, parsed: ParsedFeed, *, backfill: int, now: datetime
    ) -> tuple[list[EntryRecord], dict[str, str]]:
        """Status and reason for each entry not recorded before, in the order they will be posted."""
        unique: dict[str, ParsedEntry] = {}
        for entry in parsed.entries:
            unique.setdefault(entry.key, entry)
        known = await self.repo.known_keys(feed.id, unique)
        fresh = sorted((e for k, e in unique.items() if k not in known), key=oldest_first)

        links = {e.key: self._usable_link(e.link) for e in fresh}
        decisions: dict[str, tuple[str, str | None]] = {}
        if not feed.seeded:
            wanted = min(max(backfill, 0), self.settings.max_backfill)
            with_link = [e for e in fresh if links[e.key][0] is not None]
            chosen = {e.key for e in with_link[len(with_link) - wanted :]} if wanted else set()
            for entry in fresh:
                decisions[entry.key] = ("queued", None) if entry.key in chosen else ("seen", SEEN_ON_ADD)
        else:
            cutoff = now - timedelta(days=self.settings.max_entry_age_days)
            for entry in fresh:
                link, link_problem = links[entry.key]
                if link is None:
                    decisions[entry.key] = ("skipped", link_problem)
                elif entry.published is not None and entry.published < cutoff:
                    decisions[entry.key] = (
                        "skipped",
                        f"published {entry.published.date().isoformat()}, more than "
                        f"{self.settings.max_entry_age_days} days ago",
                    )
                else:
                    decisions[entry.key] = ("queued", None)

        records: list[EntryRecord] = []
        reasons: dict[str, str] = {}
        for entry in fresh:
            status, reason = decisions[entry.key]
            records.append(
                EntryRecord(
                    entry_key=entry.key,
                    link=links[entry.key][0] or entry.link,
                    title=entry.title,
                    published_at=entry.published_iso,
                    status=status,
                    reason=reason,
                )
            )
            if reason is not None:
                reasons[entry.key] = reason
        return records, reasons

    @staticmethod
    def _usable_link(link: str | None) -> tuple[str | None, str]:
        if not link:
            return None, NO_LINK
        try:
            return check_url(link), ""
        except URLError:
            return None, BAD_LINK


async def _parse_off_loop(body: bytes, url: str, content_type: str | None) -> ParsedFeed:
    """feedparser is pure Python and slow on big feeds: parse in a worker thread."""
    return await asyncio.to_thread(parse_feed, body, url=url, content_type=content_type)
