"""Feeds over the wire: `/feed add`, the poll schedule, one post and one thread per new entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.harness import (
    DEMO_ARTICLES,
    DEMO_TITLES,
    add_feed,
    e2e_stack,
    eventually,
    news_site,
    poll_on_restart,
    query,
    scalar,
)


@pytest.mark.asyncio
async def test_three_new_feed_entries_become_three_posts_and_threads_and_no_more(tmp_path: Path) -> None:
    async with news_site() as site, e2e_stack(tmp_path) as s:
        now = datetime.now(UTC)
        site.publish("From the archive", site.server.url("/news/archive.html"), now - timedelta(days=1))
        await add_feed(s, site)
        assert s.bot_posts(s.world.news_id) == []  # what the feed held when added is only marked seen

        for n, name in enumerate(DEMO_ARTICLES):
            site.publish(DEMO_TITLES[name], site.article_url(name), now + timedelta(minutes=n))
        await poll_on_restart(s)

        await s.fake.wait_for(lambda: len(s.bot_posts(s.world.news_id)) == 3, within=60)

        async def all_sent() -> bool:
            rows = await query(s.db_path, "SELECT state FROM outbox")
            return [r[0] for r in rows] == ["sent"] * 3

        await eventually(all_sent, within=30, what="three outbox rows sent")
        posts = s.bot_posts(s.world.news_id)
        assert [p["embeds"][0]["title"] for p in posts] == [
            DEMO_TITLES[n] for n in DEMO_ARTICLES
        ]  # oldest first
        threads = await query(s.db_path, "SELECT id, starter_message_id FROM threads ORDER BY id")
        assert [(int(p["id"]), int(p["id"])) for p in posts] == [(t[0], t[1]) for t in threads]
        assert all(str(t[0]) in s.fake.state.channels for t in threads)
        assert all(p["flags"] & (1 << 5) for p in posts)  # HAS_THREAD: Discord shows the thread

        # The next poll finds nothing new: nothing is queued, so nothing more can be posted.
        before = await poll_on_restart(s)

        async def polled_again() -> bool:
            return await scalar(s.db_path, "SELECT last_polled_at FROM feeds") != before

        await eventually(polled_again, within=30, what="the feed polled again")
        assert await scalar(s.db_path, "SELECT count(*) FROM outbox") == 3
        statuses = await query(s.db_path, "SELECT status FROM feed_entries ORDER BY id")
        assert [r[0] for r in statuses] == ["seen", "ingested", "ingested", "ingested"]
        assert len(s.bot_posts(s.world.news_id)) == 3
        assert len(s.fake.requests_to("POST", f"/channels/{s.world.news_id}/messages")) == 3


@pytest.mark.asyncio
async def test_backfill_after_feed_add_posts_the_recent_entries(tmp_path: Path) -> None:
    async with news_site() as site, e2e_stack(tmp_path) as s:
        now = datetime.now(UTC)
        for n, name in enumerate(DEMO_ARTICLES):
            site.publish(DEMO_TITLES[name], site.article_url(name), now - timedelta(hours=3 - n))
        await add_feed(s, site)  # its reply says: "use /feed backfill to post some recent ones"
        reply = await s.command("feed backfill", {"feed": 1, "count": 2})
        assert reply.text.startswith("2 articles queued for posting"), reply.text
        await s.fake.wait_for(lambda: len(s.bot_posts(s.world.news_id)) == 2, within=30)
        posts = s.bot_posts(s.world.news_id)
        assert [p["embeds"][0]["title"] for p in posts] == [DEMO_TITLES[n] for n in DEMO_ARTICLES[1:]]
