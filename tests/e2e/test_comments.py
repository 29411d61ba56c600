"""Comment threads over the wire: replies, edits and deletes become the stored comment tree, and a
dropped or invalidated gateway loses nothing."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import (
    Chatter,
    Stack,
    add_members,
    check_capture,
    discord_truth,
    e2e_stack,
    eventually,
    export_from_reply,
    news_site,
    query,
    scalar,
    seed_threads,
)

JSON = dict[str, Any]


def shape(nodes: list[JSON]) -> list[tuple[str, bool, list[Any]]]:
    """An exported comment tree reduced to (text, deleted, replies) at every level."""
    return [(n["content"], n["deleted"], shape(n["replies"])) for n in nodes]


async def comment_rows(stack: Stack, thread_id: int) -> list[tuple[Any, ...]]:
    return await query(
        stack.db_path,
        "SELECT message_id, parent_id, content, deleted FROM comments WHERE thread_id = ? "
        "ORDER BY message_id",
        (thread_id,),
    )


@pytest.mark.asyncio
async def test_replies_edits_and_deletes_become_the_stored_comment_tree(tmp_path: Path) -> None:
    async with news_site() as site, e2e_stack(tmp_path) as s:
        w, fake = s.world, s.fake
        posted = await s.command("summarize", {"url": site.article_url("harbour-bridge"), "post": w.news_id})
        assert "discuss it in" in posted.text, posted.text
        [post] = s.bot_posts(w.news_id)
        thread = int(post["id"])  # a thread opened from a message has the message's id
        article_id = await scalar(s.db_path, "SELECT article_id FROM threads WHERE id = ?", (thread,))
        assert article_id is not None

        [other] = await add_members(fake, w, 1)
        first = await fake.member_says(thread, w.member_id, "The bridge is long overdue.")
        answer = await fake.member_says(
            thread, w.admin_id, "Overdue, but at what cost?", reply_to=first["id"]
        )
        await fake.member_says(thread, other, "The cost is in the article.", reply_to=answer["id"])
        second = await fake.member_says(thread, w.member_id, "Will the ferry keep running?")
        await fake.member_says(thread, other, "Until the bridge opens.", reply_to=second["id"])
        doomed = await fake.member_says(thread, other, "Wrong thread, sorry")
        await fake.member_edits(thread, answer["id"], "Overdue, but who pays for it?")
        await fake.delete_message(thread, second["id"])  # has a reply: kept as a tombstone
        await fake.delete_message(thread, doomed["id"])  # no replies: gone

        async def settled() -> bool:
            rows = await comment_rows(s, thread)
            return len(rows) == 5 and sum(r[3] for r in rows) == 1 and "who pays" in str(rows)

        await eventually(settled, what="the thread's comments stored")
        rows = await comment_rows(s, thread)
        by_id = {r[0]: r for r in rows}
        assert by_id[int(answer["id"])][1] == int(first["id"])  # reply parents are kept
        assert by_id[int(second["id"])][2:] == ("", 1)  # the tombstone keeps no text

        exported = await s.command("comments export", {"article": article_id}, user=w.member_id)
        assert exported.ephemeral
        tree = export_from_reply(fake, exported)
        assert tree["comment_count"] == 4
        assert shape(tree["comments"]) == [
            (
                "The bridge is long overdue.",
                False,
                [("Overdue, but who pays for it?", False, [("The cost is in the article.", False, [])])],
            ),
            ("", True, [("Until the bridge opens.", False, [])]),
        ]


@pytest.mark.asyncio
async def test_gateway_drop_resumes_and_history_recovers_what_the_gateway_never_delivered(
    tmp_path: Path,
) -> None:
    async with e2e_stack(tmp_path, start=False) as s:
        fake, w = s.fake, s.world
        threads = await seed_threads(fake, w, s.db_path, 2)
        members = [w.member_id, *await add_members(fake, w, 2)]
        chatter = Chatter(fake, threads, members, random.Random(7), edit_share=0.1, delete_share=0.05)
        await s.bot.start()
        await s.bot.wait_caught_up()

        async def exact() -> bool:
            check = await check_capture(s.db_path, discord_truth(fake, threads), threads)
            return check.exact

        for _ in range(40):
            await chatter.step()
        await eventually(exact, what="live messages stored")

        # 1. The TCP connection dies without a close frame: the bot resumes its session, and what
        # was sent meanwhile arrives (replayed, and read again from history after RESUMED).
        identifies, resumes = fake.gateway.identify_count, fake.gateway.resume_count
        read_before = len(fake.requests_to("GET", "/channels/{id}/messages"))
        fake.drop_gateway()
        for _ in range(40):
            await chatter.step()
        await fake.wait_for(lambda: fake.gateway.resume_count > resumes, within=30)
        assert fake.gateway.identify_count == identifies, "the bot identified again instead of resuming"
        for _ in range(10):
            await chatter.step()
        await eventually(exact, what="messages of the gap stored after the resume")
        history = fake.requests_to("GET", "/channels/{id}/messages")[read_before:]
        assert {r.path for r in history} >= {f"/channels/{t}/messages" for t in threads}

        # 2. The session is invalidated: events of the gap go to no session at all, so only the
        # history catch-up after the new IDENTIFY can bring them in.
        await fake.invalidate_sessions(resumable=False)
        gap = [await chatter.create(threads[n % 2]) for n in range(30)]
        await fake.wait_for(lambda: fake.gateway.identify_count > identifies, within=60)
        await eventually(exact, within=60, what="messages sent while no session existed stored")
        delivered = {
            int(f.d["id"]) for f in fake.gateway.frames if f.direction == "send" and f.t == "MESSAGE_CREATE"
        }
        assert not delivered & set(gap), "these should have reached the bot through history only"
        check = await check_capture(s.db_path, discord_truth(fake, threads), threads)
        print(f"gateway drop and invalidation: {check.line()}")
        assert check.exact
