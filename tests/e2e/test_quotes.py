"""`/who` answered over the wire, and a rate-limited post retried and delivered once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import e2e_stack, news_site, scalar


@pytest.mark.asyncio
async def test_who_answers_from_an_article_read_over_the_wire(tmp_path: Path) -> None:
    async with news_site() as site, e2e_stack(tmp_path) as s:
        w = s.world
        read = await s.command("summarize", {"url": site.article_url("library-robots")}, user=w.member_id)
        assert "Robots help sort a million books" in read.text

        answer = await s.command(
            "who",
            {"question": "who said the robots never get tired?"},
            user=w.member_id,
            channel=w.general_id,
        )
        assert not answer.ephemeral
        assert "never get tired" in answer.text
        assert "Hale" in answer.text
        assert "Robots help sort a million books" in answer.text  # the article it comes from

        unknown = await s.command(
            "who",
            {"question": "who said the moon is made of cheese?"},
            user=w.member_id,
            channel=w.general_id,
        )
        assert unknown.text.startswith("I don't know"), unknown.text


@pytest.mark.asyncio
async def test_a_429_on_posting_is_retried_and_the_post_delivered_once(tmp_path: Path) -> None:
    async with news_site() as site, e2e_stack(tmp_path) as s:
        w, fake = s.world, s.fake
        route = f"/channels/{w.news_id}/messages"
        fake.fail_next("POST", route, status=429, retry_after=0.3)
        reply = await s.command("summarize", {"url": site.article_url("river-festival"), "post": w.news_id})
        assert "Posted in" in reply.text and "discuss it in" in reply.text, reply.text

        sends = fake.requests_to("POST", route)
        assert [r.status for r in sends] == [429, 200]
        [post] = s.bot_posts(w.news_id)
        assert post["embeds"][0]["title"].startswith("River festival draws record crowd")
        assert await scalar(s.db_path, "SELECT count(*) FROM outbox WHERE state = 'sent'") == 1
        assert await scalar(s.db_path, "SELECT id FROM threads") == int(post["id"])
