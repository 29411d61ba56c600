"""Crash tests: the bot process is SIGKILLed at random moments and restarted, and nothing is lost,
stored twice, or posted twice."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.harness import (
    DEMO_TITLES,
    Chatter,
    add_feed,
    add_members,
    check_capture,
    discord_truth,
    e2e_stack,
    eventually,
    news_site,
    poll_on_restart,
    query,
    seed_threads,
)
from tests.fakecord import FakecordConfig

MESSAGES = 5000
KILLS = 10
THREADS = 5
SEED = 20261128


@pytest.mark.asyncio
async def test_sigkill_during_a_burst_of_messages_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    # A short resume window: the sessions of killed processes expire instead of buffering events.
    config = FakecordConfig(interaction_deadline_s=15.0, resume_window_s=5.0)
    async with e2e_stack(tmp_path, config, start=False) as s:
        fake, w = s.fake, s.world
        threads = await seed_threads(fake, w, s.db_path, THREADS)
        members = [w.member_id, *await add_members(fake, w, 4)]
        rng = random.Random(SEED)
        chatter = Chatter(fake, threads, members, rng, reply_share=0.3, edit_share=0.1, delete_share=0.05)
        await s.bot.start()
        await s.bot.wait_ready()

        async def send_until(created: int) -> None:
            while chatter.created < created:
                await chatter.step()

        share = MESSAGES // (KILLS + 1)
        for round_no in range(KILLS):
            start = round_no * share
            # Killed somewhere in the middle of its share, with events still in flight ...
            await send_until(start + rng.randint(share // 5, share * 4 // 5))
            await s.bot.kill()
            # ... members go on talking while it is dead, and while it starts again.
            await send_until(start + share)
            await s.bot.start()
            await send_until(start + share + rng.randint(0, share // 5))
            await s.bot.wait_ready()
        await send_until(MESSAGES)

        truth = discord_truth(fake, threads)

        async def nothing_lost() -> bool:
            return (await check_capture(s.db_path, truth, threads)).lost == 0

        await eventually(nothing_lost, within=90, what="every message stored after the last restart")
        check = await check_capture(s.db_path, truth, threads)
        print(
            f"\n{MESSAGES} messages, {chatter.edits} edits, {chatter.deletes} deletes, {KILLS} SIGKILLs; "
            f"after catch-up: {check.line()}"
        )
        # Edits and deletes of messages older than a thread's cursor, made while the bot was down,
        # are not in the history read after the cursor: the full re-read is what brings them in.
        resync = await s.command("comments sync", {"full": True}, within=120)
        assert resync.text.startswith(f"Read {THREADS} threads"), resync.text
        check = await check_capture(s.db_path, truth, threads)
        print(f"after /comments sync full: {check.line()}")
        assert check.exact, check.line()


@pytest.mark.parametrize("lost", ["post", "thread"])
@pytest.mark.asyncio
async def test_crash_between_sending_a_post_and_recording_it_posts_once(tmp_path: Path, lost: str) -> None:
    """Discord carries out a request of the scheduled post (the post itself, or opening its thread)
    but the answer never reaches the bot, which is killed before it records anything more."""
    # Discord's memory of the post's nonce has run out: only the bot's own records can prevent a
    # second post.
    config = FakecordConfig(interaction_deadline_s=15.0, nonce_window_s=0.0)
    async with news_site() as site, e2e_stack(tmp_path, config) as s:
        news = s.world.news_id
        send = f"/channels/{news}/messages"
        open_thread = f"/channels/{news}/messages/*/threads"
        await add_feed(s, site)
        site.publish(DEMO_TITLES["library-robots"], site.article_url("library-robots"), datetime.now(UTC))
        # The answer is lost: a long rate limit keeps the bot waiting to retry ...
        route = send if lost == "post" else open_thread
        s.fake.fail_next("POST", route, status=429, retry_after=120.0, after_processing=True)
        await poll_on_restart(s)
        await s.fake.wait_for(lambda: s.fake.requests_to("POST", route), within=60)
        # ... and is killed while it waits.
        await s.bot.kill()
        [post] = s.bot_posts(news)
        recorded = None if lost == "post" else int(post["id"])
        assert await query(s.db_path, "SELECT state, message_id, attempts FROM outbox") == [
            ("pending", recorded, 1)
        ]

        s.fake.faults.clear()
        await s.bot.start()
        await s.bot.wait_ready()

        async def sent() -> list[tuple[object, ...]]:
            rows = await query(s.db_path, "SELECT message_id, thread_id FROM outbox WHERE state = 'sent'")
            return rows

        [(message_id, thread_id)] = await eventually(sent, within=60, what="the outbox row marked sent")
        assert [p["id"] for p in s.bot_posts(news)] == [post["id"]]
        assert message_id == thread_id == int(post["id"])  # the post's own thread, registered
        assert len(s.fake.requests_to("POST", send)) == 1, "the article was sent twice"
        if lost == "thread":  # asked again, Discord says the thread exists: that counts as done
            assert [r.status for r in s.fake.requests_to("POST", open_thread)] == [429, 400]
        assert str(thread_id) in s.fake.state.channels
        assert await query(s.db_path, "SELECT id FROM threads") == [(thread_id,)]
        # Later restarts change nothing either.
        await s.bot.restart()
        assert len(s.bot_posts(news)) == 1
        assert [(int(post["id"]), int(post["id"]))] == await sent()
