"""`/summarize`, `/feed ...`, the polling schedule and exactly-once posting, through simcord.

Pages and feeds are served by a real aiohttp server on 127.0.0.1; the bot fetches them with its
real fetcher (private addresses allowed by the test settings). simcord's clock starts at
2026-01-01 00:00 UTC and only moves with `env.advance_time`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.app import ParleyBot
from bot.posting import parse_marker
from bot.store.outbox import OutboxRepo
from cogs.summaries import POLL_TICK_S, DiscordPostTransport
from tests.httpserver import LocalServer
from tests.simcord_helpers import (
    ZWSP,
    World,
    article_html,
    assert_nothing_can_ping,
    make_settings,
    rss_feed,
    running_bot,
    sent_texts,
    story_paragraphs,
)

START = datetime(2026, 1, 1, tzinfo=UTC)


def rfc822(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


@dataclass
class Site:
    server: LocalServer
    items: list[tuple[str, str, str]]

    def story(self, slug: str, title: str) -> str:
        return self.server.page(f"/news/{slug}", article_html(title, story_paragraphs(title.lower())))

    def publish(self, slug: str, title: str, when: datetime) -> str:
        link = self.story(slug, title)
        self.items.insert(0, (title, link, rfc822(when)))
        self.server.page(
            "/feed.xml", rss_feed("Harbour Gazette", self.items), content_type="application/rss+xml"
        )
        return link

    @property
    def feed_url(self) -> str:
        return self.server.url("/feed.xml")


@asynccontextmanager
async def site() -> AsyncIterator[Site]:
    async with LocalServer() as server:
        found = Site(server, [])
        server.page("/feed.xml", rss_feed("Harbour Gazette", []), content_type="application/rss+xml")
        yield found


def bot_posts(channel: Any, bot: ParleyBot) -> list[discord.Message]:
    assert bot.user is not None
    return [
        m for m in channel.history() if m.author.id == bot.user.id and m.embeds and m.embeds[0].footer.text
    ]


def followup(result: Any) -> Any:
    message = result.followups[0] if result.followups else result.response
    assert message is not None
    return message


def allow_member(world: World, command: str) -> None:
    """A server admin lets the member use a Manage-Server command in the integration settings,
    overriding its default permissions: the bot's own check must still refuse."""
    world.guild.set_command_permissions(world.commands[command], {world.member: True})


@pytest.mark.asyncio
async def test_summarize_replies_with_a_safe_embed(tmp_path: Path) -> None:
    async with site() as web, running_bot(make_settings(tmp_path)) as world:
        title = "Council vote @everyone <@&123456789012345678> **today**"
        url = web.server.page("/news/vote", article_html(title, story_paragraphs("the harbour wall")))

        result = await world.member.slash(world.news, "summarize", url=url)

        message = followup(result)
        assert not message.ephemeral
        [embed] = message.embeds
        assert embed.url == url
        assert embed.title == f"Council vote @{ZWSP}everyone <@&{ZWSP}123456789012345678> \\*\\*today\\*\\*"
        assert embed.description and "harbour wall" in embed.description
        fields = {f.name: f.value for f in embed.fields}
        assert fields["Site"] == "Harbour Gazette"
        assert fields["Published"] == "<t:1767085200:D>"
        assert embed.footer.text is None  # a reply is not a post: no marker
        assert assert_nothing_can_ping(world.env) >= 1
        for text in sent_texts(world.env):
            assert "@everyone" not in text and "<@&1" not in text


@pytest.mark.asyncio
async def test_summarize_post_opens_a_thread_once(tmp_path: Path) -> None:
    async with site() as web, running_bot(make_settings(tmp_path)) as world:
        url = web.story("ferry", "Ferry timetable changes")

        first = await world.admin.slash(world.news, "summarize", url=url, post=world.news)
        again = await world.admin.slash(world.news, "summarize", url=url, post=world.news)

        [post] = bot_posts(world.news, world.bot)
        article_id = parse_marker(post.embeds[0].footer.text)
        assert article_id is not None
        thread = await world.services.threads.for_article(article_id)
        assert thread is not None and thread.starter_message_id == post.id and thread.kind == "thread"
        assert [t.id for t in world.news.threads] == [thread.id]
        assert f"<#{thread.id}>" in followup(first).content
        assert f"<#{thread.id}>" in followup(again).content
        sends = [
            r
            for r in world.env.http_requests
            if r.method == "POST" and r.path == f"/channels/{world.news.id}/messages"
        ]
        assert (
            len(sends) == 1
            and (sends[0].json or {})["nonce"]
            and (sends[0].json or {})["enforce_nonce"] is True
        )
        assert_nothing_can_ping(world.env)


@pytest.mark.asyncio
async def test_summarize_post_in_a_forum_makes_one_forum_post(tmp_path: Path) -> None:
    async with site() as web, running_bot(make_settings(tmp_path)) as world:
        url = web.story("market", "Night market returns to the quay")
        await world.admin.slash(world.news, "summarize", url=url, post=world.forum)
        [thread] = world.forum.threads
        assert thread.name == "Night market returns to the quay"
        [starter] = thread.history()
        article_id = parse_marker(starter.embeds[0].footer.text)
        assert article_id is not None
        record = await world.services.threads.for_article(article_id)
        assert record is not None and record.id == thread.id and record.kind == "forum"


@pytest.mark.asyncio
async def test_summarize_errors_are_private_and_in_plain_words(tmp_path: Path) -> None:
    async with site() as web, running_bot(make_settings(tmp_path)) as world:
        result = await world.member.slash(world.news, "summarize", url=web.server.url("/missing"))
        [message] = result.followups
        assert message.ephemeral and "404" in message.content
        assert result.response is None  # the public "thinking" message is gone
        bad = await world.member.slash(world.news, "summarize", url="ftp://example.test/story")
        assert followup(bad).ephemeral
        assert len(world.take_errors()) == 2


@pytest.mark.asyncio
async def test_member_cannot_make_the_bot_post_where_they_cannot(tmp_path: Path) -> None:
    async with site() as web, running_bot(make_settings(tmp_path)) as world:
        locked = world.guild.create_text_channel(
            "announcements",
            overwrites={world.guild.default_role: discord.PermissionOverwrite(send_messages=False)},
        )
        result = await world.member.slash(world.news, "summarize", url=web.story("a", "Story"), post=locked)
        assert result.ephemeral and "You cannot post in" in followup(result).content
        assert bot_posts(locked, world.bot) == []
        world.take_errors()


@pytest.mark.asyncio
async def test_feed_commands_require_manage_server_even_when_allowed_in_settings(tmp_path: Path) -> None:
    async with site() as web, running_bot(make_settings(tmp_path)) as world:
        allow_member(world, "feed")
        result = await world.member.slash(world.news, "feed add", url=web.feed_url, channel=world.news)
        assert result.ephemeral and result.response is not None
        assert result.response.content == "You need the Manage Server permission to do that."
        assert await world.services.feeds.list_for_guild(world.guild.id) == []
        for command in ("feed list",):
            refused = await world.member.slash(world.news, command)
            assert refused.ephemeral
        assert len(world.take_errors()) == 2


@pytest.mark.asyncio
async def test_feed_lifecycle_schedule_and_paced_posts(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, post_spacing_s=30.0)
    async with site() as web, running_bot(settings) as world:
        web.publish("old", "Old story from last week", START - timedelta(days=1))
        added = await world.admin.slash(
            world.news, "feed add", url=web.feed_url, channel=world.news, interval=10
        )
        assert added.ephemeral and "Following feed #1" in followup(added).content
        listed = await world.admin.slash(world.news, "feed list")
        assert listed.ephemeral and "Harbour Gazette" in (followup(listed).embeds[0].description or "")

        for n in range(3):
            web.publish(f"s{n}", f"Harbour story number {n}", START + timedelta(minutes=n))
        preview = await world.admin.slash(world.news, "feed test", feed=1)
        assert "3 new entries waiting" in followup(preview).content
        assert followup(preview).embeds[0].title == "Harbour story number 0"
        assert bot_posts(world.news, world.bot) == []

        waited = 0
        while not bot_posts(world.news, world.bot):  # the feed falls due after 10 minutes
            await world.env.advance_time(10)
            waited += 10
            assert waited <= 10 * 60 + POLL_TICK_S + 40, "the feed was never polled"
        assert waited >= 10 * 60 - 10
        assert [p.embeds[0].title for p in bot_posts(world.news, world.bot)] == ["Harbour story number 0"]
        await world.env.advance_time(10)
        assert len(bot_posts(world.news, world.bot)) == 1  # paced: 30 s between posts in a channel
        await world.env.advance_time(21)
        assert len(bot_posts(world.news, world.bot)) == 2
        await world.env.advance_time(30)
        posts = bot_posts(world.news, world.bot)
        assert [p.embeds[0].title for p in posts] == [f"Harbour story number {n}" for n in range(3)]
        assert len(world.news.threads) == 3
        assert (await OutboxRepo(world.services.db).counts(world.guild.id)).sent == 3

        await world.env.advance_time(15 * 60)  # more polls, nothing new: nothing more posted
        assert len(bot_posts(world.news, world.bot)) == 3

        removed = await world.admin.slash(world.news, "feed remove", feed=1)
        assert removed.response is not None and removed.response.content == "Stopped following feed #1."
        assert await world.services.feeds.list_for_guild(world.guild.id) == []
        assert_nothing_can_ping(world.env)


@pytest.mark.asyncio
async def test_backfill_posts_recent_entries_to_a_forum(tmp_path: Path) -> None:
    async with site() as web, running_bot(make_settings(tmp_path, post_spacing_s=1.0)) as world:
        for n in range(3):
            web.publish(f"s{n}", f"Quay story {n}", START - timedelta(hours=3 - n))
        feed = await world.services.poller.add(
            world.guild.id, web.feed_url, channel_id=world.forum.id, mode="forum"
        )
        result = await world.admin.slash(world.news, "feed backfill", feed=feed.id, count=2)
        assert followup(result).content.startswith("2 articles queued for posting")
        await world.env.advance_time(5)
        assert sorted(t.name or "" for t in world.forum.threads) == ["Quay story 1", "Quay story 2"]

        # A later backfill takes the newest entries that were only marked seen: here story 0.
        again = await world.admin.slash(world.news, "feed backfill", feed=feed.id, count=2)
        assert followup(again).content.startswith("1 article queued for posting")
        await world.env.advance_time(5)
        assert sorted(t.name or "" for t in world.forum.threads) == [
            "Quay story 0", "Quay story 1", "Quay story 2"
        ]


@pytest.mark.asyncio
async def test_feeds_of_one_guild_are_invisible_to_another(tmp_path: Path) -> None:
    async with site() as web, running_bot(make_settings(tmp_path)) as world:
        feed = await world.services.poller.add(world.guild.id, web.feed_url, channel_id=world.news.id)
        _, channel, admin = world.add_guild("Elsewhere")
        await world.bot.tree.sync()
        result = await admin.slash(channel, "feed remove", feed=feed.id)
        assert result.ephemeral
        assert followup(result).content == f"This server has no feed #{feed.id}; see /feed list."
        assert await admin.autocomplete(channel, "feed remove", "feed", "") == []
        assert await world.services.feeds.get(feed.id) is not None
        world.take_errors()


class DiesAfterSending(DiscordPostTransport):
    """The process is killed right after Discord accepted the post, before anything is recorded."""

    async def send_post(self, *args: Any, **kwargs: Any) -> Any:
        await super().send_post(*args, **kwargs)
        raise SystemExit("killed")


@pytest.mark.asyncio
async def test_restart_after_a_crash_mid_post_does_not_post_twice(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, post_spacing_s=1.0)
    async with site() as web, running_bot(settings) as world:
        article = await world.services.pipeline.ingest_url(world.guild.id, web.story("crash", "Crash story"))
        cog: Any = world.bot.get_cog("SummariesCog")  # load_extension re-imports the module
        assert cog is not None
        row = await cog.poster.outbox.enqueue(
            guild_id=world.guild.id, article_id=article.article_id, channel_id=world.news.id, mode="thread"
        )
        with pytest.raises(SystemExit):
            await cog.poster.deliver(row.id, DiesAfterSending(world.bot))
        assert len(bot_posts(world.news, world.bot)) == 1 and world.news.threads == []

        await world.env.restart_bot(ParleyBot(world.services, settings))
        await world.env.advance_time(2)

        [post] = bot_posts(world.news, world.bot)
        stored = await OutboxRepo(world.services.db).get(row.id)
        assert stored is not None and stored.state == "sent" and stored.message_id == post.id
        [thread] = world.news.threads
        record = await world.services.threads.for_article(article.article_id)
        assert record is not None and record.id == thread.id == stored.thread_id


@pytest.mark.asyncio
async def test_feed_add_refusals_are_private_and_plain(tmp_path: Path) -> None:
    async with site() as web, running_bot(make_settings(tmp_path)) as world:
        wrong_mode = await world.admin.slash(
            world.news, "feed add", url=web.feed_url, channel=world.news, mode="forum"
        )
        assert wrong_mode.ephemeral
        assert followup(wrong_mode).content.startswith("Use mode forum with a forum channel")
        too_often = await world.admin.slash(
            world.news, "feed add", url=web.feed_url, channel=world.news, interval=1
        )
        assert followup(too_often).content == "The shortest interval is 5 minutes."
        not_web = await world.admin.slash(
            world.news, "feed add", url="gopher://old.example/feed", channel=world.news
        )
        assert not_web.ephemeral and "not a feed address I can use" in followup(not_web).content
        await world.admin.slash(world.news, "feed add", url=web.feed_url, channel=world.forum)
        twice = await world.admin.slash(world.news, "feed add", url=web.feed_url, channel=world.forum)
        assert twice.ephemeral and "already posts in" in followup(twice).content
        assert len(world.take_errors()) == 4


@pytest.mark.asyncio
async def test_feed_test_of_an_unreadable_feed_shows_the_feed_error(tmp_path: Path) -> None:
    async with site() as web, running_bot(make_settings(tmp_path)) as world:
        page = web.story("not-a-feed", "Just a page")
        feed = await world.services.poller.add(world.guild.id, page, channel_id=world.news.id)
        choices = await world.admin.autocomplete(world.news, "feed test", "feed", "not-a")
        assert [c["value"] for c in choices] == [feed.id]
        result = await world.admin.slash(world.news, "feed test", feed=feed.id)
        assert result.ephemeral
        assert followup(result).content.startswith("that address is a web page, not an RSS or Atom feed")
        assert len(world.take_errors()) == 1


@pytest.mark.asyncio
async def test_forum_post_found_again_after_a_crash(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, post_spacing_s=1.0)
    async with site() as web, running_bot(settings) as world:
        article = await world.services.pipeline.ingest_url(world.guild.id, web.story("tide", "Tide tables"))
        cog: Any = world.bot.get_cog("SummariesCog")
        row = await cog.poster.outbox.enqueue(
            guild_id=world.guild.id, article_id=article.article_id, channel_id=world.forum.id, mode="forum"
        )
        with pytest.raises(SystemExit):
            await cog.poster.deliver(row.id, DiesAfterSending(world.bot))

        await world.env.restart_bot(ParleyBot(world.services, settings))
        await world.env.advance_time(2)

        [thread] = world.forum.threads
        stored = await OutboxRepo(world.services.db).get(row.id)
        assert stored is not None and stored.state == "sent" and stored.thread_id == thread.id
        record = await world.services.threads.for_article(article.article_id)
        assert record is not None and record.id == thread.id and record.kind == "forum"


@pytest.mark.asyncio
async def test_post_that_fails_for_now_is_retried_by_the_schedule(tmp_path: Path) -> None:
    async with site() as web, running_bot(make_settings(tmp_path, post_spacing_s=1.0)) as world:
        world.env.inject_error("POST", f"/channels/{world.news.id}/messages", status=503)
        result = await world.admin.slash(
            world.news, "summarize", url=web.story("pier", "Pier lights"), post=world.news
        )
        assert "failed for now" in followup(result).content and "I will retry" in followup(result).content
        assert bot_posts(world.news, world.bot) == []

        await world.env.advance_time(2)

        [post] = bot_posts(world.news, world.bot)
        assert post.embeds[0].title == "Pier lights" and len(world.news.threads) == 1
        history_reads = [
            r
            for r in world.env.http_requests
            if r.method == "GET" and r.path == f"/channels/{world.news.id}/messages"
        ]
        assert len(history_reads) == 1  # the failed attempt might have posted: looked before resending
