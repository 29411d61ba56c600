"""Feed polling against a real local server and a real SQLite file: seeding, backfill, conditional
GET, dedupe across polls, skip reasons, not-a-feed errors, and the feeds repository."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import pytest_asyncio

from bot.news.feeds import NO_LINK, SEEN_ON_ADD, FeedError, FeedPoller, parse_feed
from bot.news.fetch import AddressPolicy, Fetcher, HTTPStatusError
from bot.news.urls import URLError
from bot.settings import FeedSettings, FetchSettings
from bot.store.db import Database
from bot.store.feeds import FeedExistsError, FeedRepo, iso
from tests.httpserver import LocalServer, StaticResolver

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
GUILD = 0


@dataclass(frozen=True)
class Item:
    title: str | None
    link: str | None = None
    guid: str | None = None
    age_h: float | None = 1.0  # hours before NOW; None: no date at all


def rss(items: list[Item], title: str = "Harbour Gazette") -> str:
    parts = [f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>']
    parts.append("<link>https://gazette.example/</link><description>News</description>")
    for item in items:
        parts.append("<item>")
        if item.title is not None:
            parts.append(f"<title>{escape(item.title)}</title>")
        if item.link is not None:
            parts.append(f"<link>{escape(item.link)}</link>")
        if item.guid is not None:
            parts.append(f'<guid isPermaLink="false">{escape(item.guid)}</guid>')
        if item.age_h is not None:
            parts.append(f"<pubDate>{format_datetime(NOW - timedelta(hours=item.age_h))}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts)


def atom(items: list[Item]) -> str:
    parts = ['<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">']
    parts.append("<title>Gazette Atom</title><id>urn:gazette</id>")
    parts.append(f"<updated>{NOW.isoformat()}</updated>")
    for item in items:
        parts.append("<entry>")
        if item.title is not None:
            parts.append(f"<title>{escape(item.title)}</title>")
        if item.link is not None:
            parts.append(f'<link rel="alternate" href="{escape(item.link)}"/>')
        if item.guid is not None:
            parts.append(f"<id>{escape(item.guid)}</id>")
        if item.age_h is not None:
            stamp = (NOW - timedelta(hours=item.age_h)).isoformat()
            parts.append(f"<published>{stamp}</published><updated>{stamp}</updated>")
        parts.append("</entry>")
    parts.append("</feed>")
    return "".join(parts)


def story(n: int, age_h: float = 1.0, guid: str | None = None) -> Item:
    return Item(f"Story {n}", f"https://gazette.example/news/{n}", guid or f"gazette-{n}", age_h)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[LocalServer]:
    async with LocalServer() as srv:
        yield srv


@pytest_asyncio.fixture
async def fetcher(server: LocalServer) -> AsyncIterator[Fetcher]:
    policy = AddressPolicy(allowed_endpoints=frozenset({server.endpoint}))
    async with Fetcher(FetchSettings(), policy=policy, resolver=StaticResolver()) as f:
        yield f


SETTINGS = FeedSettings(default_interval_min=30, min_interval_min=5, max_entry_age_days=7, max_backfill=3)


@pytest.fixture
def poller(db: Database, fetcher: Fetcher) -> FeedPoller:
    return FeedPoller(db, fetcher, SETTINGS)


def serve(server: LocalServer, body: str, *, path: str = "/feed.xml", **kw: object) -> str:
    return server.page(path, body, content_type="application/rss+xml; charset=utf-8", **kw)  # type: ignore[arg-type]


# Parsing ---------------------------------------------------------------------------------------


def test_parse_rss_keys_links_titles_and_dates() -> None:
    body = rss(
        [
            Item("With guid", "https://gazette.example/a", "guid-a", 2),
            Item("Link only", "https://gazette.example/b", None, 3),
            Item("Neither", None, None, 4),
            Item("Relative", "/news/rel", None, 5),
        ]
    ).encode()
    parsed = parse_feed(body, url="https://gazette.example/feed.xml", content_type="application/rss+xml")
    assert parsed.title == "Harbour Gazette"
    keys = [e.key for e in parsed.entries]
    assert keys[0] == "guid-a"
    assert keys[1] == "https://gazette.example/b"
    assert keys[2].startswith("sha256:")
    assert parsed.entries[3].link == "https://gazette.example/news/rel"
    assert parsed.entries[0].published == NOW - timedelta(hours=2)
    assert parsed.entries[2].link is None


def test_hash_key_is_stable_and_depends_on_title_and_date() -> None:
    one = parse_feed(rss([Item("Same", None, None, 4)]).encode(), url="https://g.example/f")
    two = parse_feed(rss([Item("Same", None, None, 4)]).encode(), url="https://g.example/f")
    other = parse_feed(rss([Item("Same", None, None, 5)]).encode(), url="https://g.example/f")
    assert one.entries[0].key == two.entries[0].key != other.entries[0].key


def test_parse_atom() -> None:
    items = [story(1, 2, guid="urn:gazette:1"), story(2, 1, guid="urn:gazette:2")]
    parsed = parse_feed(atom(items).encode(), url="https://gazette.example/atom")
    assert [e.key for e in parsed.entries] == ["urn:gazette:1", "urn:gazette:2"]
    assert parsed.entries[0].link == "https://gazette.example/news/1"
    assert parsed.entries[1].published == NOW - timedelta(hours=1)


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (
            b"<html><head><link rel='alternate' type='application/rss+xml' href='/rss'></head>"
            b"<body><p>Welcome</p></body></html>",
            "text/html",
            "web page, not an RSS or Atom feed; the page lists a feed at https://gazette.example/rss",
        ),
        (b"<html><body><p>Welcome</p></body></html>", "text/html", "look for an RSS or Atom link"),
        (b"\x01\x02 definitely not xml {{{", "text/plain", "did not return a readable RSS or Atom feed"),
        (b"   ", "application/rss+xml", "empty"),
    ],
)
def test_not_a_feed_raises_feed_error(body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(FeedError) as err:
        parse_feed(body, url="https://gazette.example/page", content_type=content_type)
    assert message in str(err.value)


def test_only_the_first_entries_of_a_huge_feed_are_read() -> None:
    body = rss([story(n) for n in range(10, 0, -1)]).encode()
    parsed = parse_feed(body, url="https://g.example/f", max_entries=3)
    assert [e.key for e in parsed.entries] == ["gazette-10", "gazette-9", "gazette-8"]


def test_feed_with_no_entries_is_still_a_feed() -> None:
    assert parse_feed(rss([]).encode(), url="https://g.example/f").entries == ()


def test_truncated_feed_is_an_error() -> None:
    with pytest.raises(FeedError, match="readable"):
        parse_feed(b'<?xml version="1.0"?><rss version="2.0"><channel><title>T', url="https://g.example/f")


def test_parse_never_opens_a_local_file(tmp_path: Path) -> None:
    """feedparser opens a file when handed its path as str or bytes: a hostile server answering
    with a path must not make Parley read its own disk. The body is parsed as a stream here."""
    local = tmp_path / "secret-feed.xml"
    local.write_text(rss([story(1)]), encoding="utf-8")
    with pytest.raises(FeedError):
        parse_feed(str(local).encode(), url="https://g.example/f", content_type="application/rss+xml")


# Polling ---------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_first_poll_seeds_and_posts_nothing(server: LocalServer, poller: FeedPoller) -> None:
    url = serve(server, rss([story(3, 1), story(2, 2), Item("No link", None, "g-nolink", 3)]), etag='"e1"')
    feed = await poller.add(GUILD, url, channel_id=42, now=NOW)
    assert [f.id for f in await poller.repo.due(NOW)] == [feed.id]

    result = await poller.poll(feed.id, now=NOW)
    assert result.seeded and not result.not_modified
    assert result.new_entries == ()
    assert sorted(reason for _, reason in result.skipped) == [SEEN_ON_ADD] * 3
    stored = await poller.repo.entries(feed.id)
    assert {e.status for e in stored} == {"seen"}
    assert {e.reason for e in stored} == {SEEN_ON_ADD}
    assert result.feed.seeded and result.feed.etag == '"e1"'
    assert result.feed.title == "Harbour Gazette"
    assert result.feed.next_poll_at == iso(NOW + timedelta(minutes=30))
    assert await poller.repo.due(NOW + timedelta(minutes=29)) == []
    assert [f.id for f in await poller.repo.due(NOW + timedelta(minutes=30))] == [feed.id]


@pytest.mark.asyncio
async def test_later_polls_return_new_entries_oldest_first_with_skip_reasons(
    server: LocalServer, poller: FeedPoller
) -> None:
    url = serve(server, rss([story(1, 5)]))
    feed = await poller.add(GUILD, url, now=NOW)
    await poller.poll(feed.id, now=NOW)

    serve(
        server,
        rss(
            [
                story(4, 0.5),
                Item("Linkless", None, "g-linkless", 1),
                story(3, 2),
                story(9, 24 * 30),  # a month old: republished archive
                Item("Bad link", "javascript:alert(1)", "g-js", 1),
                story(2, 3),
                story(1, 5),  # already seen
            ]
        ),
    )
    later = NOW + timedelta(minutes=30)
    result = await poller.poll(feed.id, now=later)
    assert [e.title for e in result.new_entries] == ["Story 2", "Story 3", "Story 4"]
    assert all(e.status == "queued" for e in result.new_entries)
    assert result.new_entries[0].link == "https://gazette.example/news/2"
    reasons = {e.title: reason for e, reason in result.skipped}
    assert reasons["Linkless"] == NO_LINK
    assert reasons["Bad link"] == "the entry's link is not a web address"
    assert reasons["Story 9"].startswith("published 2026-02-08, more than 7 days ago")
    stored = {e.title: e for e in await poller.repo.entries(feed.id)}
    assert stored["Story 9"].status == "skipped" and stored["Story 9"].reason == reasons["Story 9"]
    assert stored["Linkless"].reason == NO_LINK
    assert stored["Story 1"].status == "seen"


@pytest.mark.asyncio
async def test_dedupe_across_polls(server: LocalServer, poller: FeedPoller) -> None:
    url = serve(server, rss([story(1)]))
    feed = await poller.add(GUILD, url, now=NOW)
    await poller.poll(feed.id, now=NOW)
    serve(server, rss([story(2), story(1)]))
    first = await poller.poll(feed.id, now=NOW + timedelta(hours=1))
    # same guid with an edited title and a new link is the same entry
    serve(
        server, rss([Item("Story 2 (updated)", "https://gazette.example/news/2b", "gazette-2", 1), story(1)])
    )
    second = await poller.poll(feed.id, now=NOW + timedelta(hours=2))
    third = await poller.poll(feed.id, now=NOW + timedelta(hours=3))
    assert [e.entry_key for e in first.new_entries] == ["gazette-2"]
    assert second.new_entries == () and second.skipped == ()
    assert third.new_entries == ()
    assert len(await poller.repo.entries(feed.id)) == 2


@pytest.mark.asyncio
async def test_entries_without_guid_or_link_dedupe_by_title_and_date(
    server: LocalServer, poller: FeedPoller
) -> None:
    url = serve(server, rss([]))
    feed = await poller.add(GUILD, url, now=NOW)
    await poller.poll(feed.id, now=NOW)
    serve(server, rss([Item("Notice", None, None, 1), Item("Linked", "https://gazette.example/x", None, 1)]))
    first = await poller.poll(feed.id, now=NOW + timedelta(hours=1))
    again = await poller.poll(feed.id, now=NOW + timedelta(hours=2))
    assert [e.entry_key for e in first.new_entries] == ["https://gazette.example/x"]
    assert [reason for _, reason in first.skipped] == [NO_LINK]
    assert again.new_entries == () and again.skipped == ()


@pytest.mark.asyncio
async def test_backfill_makes_the_newest_entries_new(server: LocalServer, poller: FeedPoller) -> None:
    items = [story(n, age_h=float(10 - n) * 24) for n in range(9, 0, -1)]  # story 9 newest ... 1 oldest
    items.insert(1, Item("No link", None, "g-x", 0.1))
    url = serve(server, rss(items))
    feed = await poller.add(GUILD, url, now=NOW)
    result = await poller.poll(feed.id, backfill=2, now=NOW)
    # newest two with a link, oldest first, even though story 8 is older than max_entry_age_days
    assert [e.title for e in result.new_entries] == ["Story 8", "Story 9"]
    assert len(result.skipped) == 8
    assert {reason for _, reason in result.skipped} == {SEEN_ON_ADD}

    other = await poller.add(GUILD, url, channel_id=7, now=NOW)
    capped = await poller.poll(other.id, backfill=50, now=NOW)
    assert len(capped.new_entries) == SETTINGS.max_backfill


@pytest.mark.asyncio
async def test_a_later_backfill_takes_the_newest_seen_entries(
    server: LocalServer, poller: FeedPoller
) -> None:
    url = serve(server, rss([story(1), story(0)]))
    feed = await poller.add(GUILD, url, now=NOW)
    seeded = await poller.poll(feed.id, now=NOW)
    assert seeded.new_entries == ()
    serve(server, rss([story(2), story(1), story(0)]))
    result = await poller.poll(feed.id, backfill=1, now=NOW + timedelta(hours=1))
    # the newest entry marked seen on the first poll, then the genuinely new one
    assert [e.entry_key for e in result.new_entries] == ["gazette-1", "gazette-2"]
    again = await poller.poll(feed.id, backfill=5, now=NOW + timedelta(hours=2))
    assert [e.entry_key for e in again.new_entries] == ["gazette-0"]  # only what is still just seen


@pytest.mark.asyncio
async def test_conditional_get_304_changes_nothing(server: LocalServer, poller: FeedPoller) -> None:
    modified = "Tue, 10 Mar 2026 11:00:00 GMT"
    url = serve(server, rss([story(1)]), etag='"v1"', last_modified=modified)
    feed = await poller.add(GUILD, url, now=NOW)
    await poller.poll(feed.id, now=NOW)
    result = await poller.poll(feed.id, now=NOW + timedelta(minutes=30))
    assert result.not_modified and result.new_entries == () and result.skipped == ()
    assert server.requests[-1].headers["If-None-Match"] == '"v1"'
    assert server.requests[-1].headers["If-Modified-Since"] == modified
    assert "If-None-Match" not in server.requests[0].headers  # the seeding poll is unconditional
    after = await poller.repo.get(feed.id)
    assert after is not None
    assert after.etag == '"v1"' and after.last_modified == modified
    assert after.next_poll_at == iso(NOW + timedelta(minutes=60))


@pytest.mark.asyncio
async def test_atom_feed_end_to_end(server: LocalServer, poller: FeedPoller) -> None:
    url = server.page("/atom", atom([story(1, 3)]), content_type="application/atom+xml")
    feed = await poller.add(GUILD, url, now=NOW)
    await poller.poll(feed.id, now=NOW)
    server.page("/atom", atom([story(1, 3), story(2, 1)]), content_type="application/atom+xml")
    result = await poller.poll(feed.id, now=NOW + timedelta(hours=1))
    assert [e.link for e in result.new_entries] == ["https://gazette.example/news/2"]
    assert result.feed.title == "Gazette Atom"


@pytest.mark.asyncio
async def test_not_a_feed_records_the_error_and_loses_nothing(
    server: LocalServer, poller: FeedPoller
) -> None:
    url = serve(server, rss([story(1)]), etag='"v1"')
    feed = await poller.add(GUILD, url, now=NOW)
    await poller.poll(feed.id, now=NOW)
    server.page("/feed.xml", "<html><body><p>We moved!</p></body></html>")
    with pytest.raises(FeedError, match="web page, not an RSS or Atom feed"):
        await poller.poll(feed.id, now=NOW + timedelta(hours=1))
    broken = await poller.repo.get(feed.id)
    assert broken is not None
    assert broken.last_error is not None and "web page" in broken.last_error
    assert broken.etag == '"v1"' and broken.seeded
    assert broken.next_poll_at == iso(NOW + timedelta(hours=1, minutes=30))
    assert [e.entry_key for e in await poller.repo.entries(feed.id)] == ["gazette-1"]

    serve(server, rss([story(2), story(1)]))
    healed = await poller.poll(feed.id, now=NOW + timedelta(hours=2))
    assert [e.entry_key for e in healed.new_entries] == ["gazette-2"]
    assert healed.feed.last_error is None


@pytest.mark.asyncio
async def test_first_poll_failure_leaves_the_feed_unseeded(server: LocalServer, poller: FeedPoller) -> None:
    url = server.page("/feed.xml", "not a feed at all", content_type="text/plain")
    feed = await poller.add(GUILD, url, now=NOW)
    with pytest.raises(FeedError):
        await poller.poll(feed.id, now=NOW)
    serve(server, rss([story(1), story(2)]))
    result = await poller.poll(feed.id, now=NOW + timedelta(hours=1))
    assert result.seeded and result.new_entries == ()


@pytest.mark.asyncio
async def test_fetch_errors_are_recorded_and_raised(server: LocalServer, poller: FeedPoller) -> None:
    feed = await poller.add(GUILD, server.url("/gone.xml"), now=NOW)
    with pytest.raises(HTTPStatusError):
        await poller.poll(feed.id, now=NOW)
    stored = await poller.repo.get(feed.id)
    assert stored is not None and stored.last_error is not None and "does not exist" in stored.last_error
    assert not stored.seeded
    with pytest.raises(FeedError, match="no feed number"):
        await poller.poll(999, now=NOW)


@pytest.mark.asyncio
async def test_overlapping_polls_report_each_entry_once(server: LocalServer, poller: FeedPoller) -> None:
    url = serve(server, rss([]))
    feed = await poller.add(GUILD, url, now=NOW)
    await poller.poll(feed.id, now=NOW)
    serve(server, rss([story(n) for n in range(1, 6)]))
    a, b = await asyncio.gather(
        poller.poll(feed.id, now=NOW + timedelta(hours=1)), poller.poll(feed.id, now=NOW + timedelta(hours=1))
    )
    keys = [e.entry_key for e in a.new_entries] + [e.entry_key for e in b.new_entries]
    assert sorted(keys) == [f"gazette-{n}" for n in range(1, 6)]


# Repository ------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_repo_add_list_remove_per_guild(db: Database) -> None:
    await db.execute("INSERT INTO guilds (id, name) VALUES (1, 'one'), (2, 'two')")
    repo = FeedRepo(db)
    a = await repo.add(1, "HTTPS://Gazette.example/feed.xml?utm_source=x", channel_id=10, now=NOW)
    assert a.url == "https://gazette.example/feed.xml"
    assert a.next_poll_at == iso(NOW) and not a.seeded and a.interval_s == 1800
    b = await repo.add(2, "https://gazette.example/feed.xml", channel_id=10, now=NOW)
    with pytest.raises(FeedExistsError) as err:
        await repo.add(1, "https://gazette.example/feed.xml", channel_id=10)
    assert err.value.feed.id == a.id
    cli = await repo.add(1, "https://gazette.example/feed.xml", now=NOW)  # no channel: CLI only
    with pytest.raises(FeedExistsError):
        await repo.add(1, "https://gazette.example/feed.xml")
    with pytest.raises(URLError):
        await repo.add(1, "ftp://gazette.example/feed.xml")
    with pytest.raises(ValueError):
        await repo.add(1, "https://gazette.example/other.xml", mode="banner")

    assert [f.id for f in await repo.list_for_guild(1)] == [a.id, cli.id]
    assert [f.id for f in await repo.list_for_guild(2)] == [b.id]
    assert await repo.get_for_guild(2, a.id) is None
    assert not await repo.remove(2, a.id)  # another guild's feed
    assert await repo.remove(1, a.id)
    assert [f.id for f in await repo.list_for_guild(1)] == [cli.id]
    assert await repo.set_interval(1, cli.id, 600)
    refreshed = await repo.get(cli.id)
    assert refreshed is not None and refreshed.interval_s == 600


@pytest.mark.asyncio
async def test_interval_rules(db: Database, fetcher: Fetcher) -> None:
    poller = FeedPoller(db, fetcher, SETTINGS)
    assert poller.interval_s() == 30 * 60
    assert poller.interval_s(1) == 5 * 60
    assert poller.interval_s(120) == 120 * 60


@pytest.mark.asyncio
async def test_mark_ingested_queued_and_skipped(
    server: LocalServer, poller: FeedPoller, db: Database
) -> None:
    url = serve(server, rss([]))
    feed = await poller.add(GUILD, url, now=NOW)
    await poller.poll(feed.id, now=NOW)
    serve(server, rss([story(3, 1), story(2, 2), story(1, 3)]))
    result = await poller.poll(feed.id, now=NOW + timedelta(hours=1))
    first, second, third = result.new_entries
    assert [e.id for e in await poller.repo.queued(feed.id)] == [first.id, second.id, third.id]

    article_id = await db.execute(
        "INSERT INTO articles (guild_id, url, title, text, content_hash) "
        "VALUES (0, ?, 'Story 1', 'Text.', 'h1')",
        (first.link,),
    )
    await poller.repo.mark_ingested(first.id, article_id)
    await poller.repo.mark_skipped(second.id, "the page had no article text")
    done = await poller.repo.get_entry(first.id)
    dropped = await poller.repo.get_entry(second.id)
    assert done is not None and done.status == "ingested" and done.article_id == article_id
    assert (
        dropped is not None
        and dropped.status == "skipped"
        and dropped.reason == "the page had no article text"
    )
    assert [e.id for e in await poller.repo.queued()] == [third.id]
    assert await poller.repo.remove(GUILD, feed.id)
    assert await poller.repo.entries(feed.id) == []
