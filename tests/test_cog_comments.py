"""The comments cog in the real ParleyBot against simcord's in-memory Discord, over a real SQLite file."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord
from discord.ext import commands

from bot.app import ParleyBot
from bot.comments import CommentService
from bot.services import Services, open_services
from bot.settings import Settings
from cogs.comments import fit_attachment
from cogs.common import UserError
from tests.simcord_helpers import assert_nothing_can_ping, make_settings, running_bot
from tests.test_comments import add_article


def comment_service(bot: commands.Bot) -> CommentService:
    """The service the loaded cog writes through (load_extension imports the cog module afresh, so
    the cog is found by name)."""
    service = getattr(bot.get_cog("CommentsCog"), "service", None)
    assert isinstance(service, CommentService)
    return service


@dataclass
class World:
    env: simcord.Env
    bot: ParleyBot
    services: Services
    settings: Settings
    stack: AsyncExitStack
    guild: simcord.GuildHandle
    news: simcord.ChannelHandle
    thread: simcord.ChannelHandle
    article_id: int
    alice: simcord.MemberActor
    bob: simcord.MemberActor
    admin: simcord.MemberActor

    async def comments(self) -> dict[int, Any]:
        await comment_service(self.bot).flush()
        rows = await self.services.db.fetchall("SELECT * FROM comments ORDER BY message_id")
        return {int(r["message_id"]): r for r in rows}

    async def restart(self) -> None:
        """A new bot process: fresh services over the same database file, a new gateway session."""
        await comment_service(self.bot).flush()
        self.services = await self.stack.enter_async_context(open_services(self.settings))
        self.bot = ParleyBot(self.services, self.settings)
        await self.env.restart_bot(self.bot)
        await self.env.settle()


async def open_thread(
    env: simcord.Env, bot: commands.Bot, news: simcord.ChannelHandle, title: str
) -> tuple[int, int]:
    """The bot posts an article and opens its discussion thread, as the posting side does."""
    channel = bot.get_channel(news.id)
    assert isinstance(channel, discord.TextChannel)
    starter = await channel.send(f"**{title}**")
    thread = await starter.create_thread(name=title)
    await env.settle()
    return starter.id, thread.id


def answer(result: simcord.InteractionResult) -> simcord.ResponseMessage:
    """What the member saw: after a defer, the first follow-up fills the deferred response."""
    message = result.followups[-1] if result.followups else result.response
    assert message is not None, result
    return message


def refusals(env: simcord.Env) -> list[str]:
    """Kinds (unwrapped) of every error the command handler has turned into a private answer so
    far; looking acknowledges them, so the test does not fail on them at teardown."""
    kinds = []
    for error in env.errors:
        while isinstance(error, discord.app_commands.CommandInvokeError):
            error = error.original
        kinds.append(type(error).__name__)
    return kinds


def handle(env: simcord.Env, guild: simcord.GuildHandle, channel_id: int) -> simcord.ChannelHandle:
    return simcord.ChannelHandle(env, guild, env.backend.channels[channel_id])


@asynccontextmanager
async def world(
    tmp_path: Path, *, content: bool = True, title: str = "Bridge reopens"
) -> AsyncIterator[World]:
    settings = make_settings(tmp_path, message_content=content)
    async with AsyncExitStack() as stack, running_bot(settings) as rb:
        alice, admin = rb.member, rb.admin
        bob = rb.guild.add_member(rb.env.create_user("bob"))
        await rb.env.settle()
        starter_id, thread_id = await open_thread(rb.env, rb.bot, rb.news, title)
        article_id = await add_article(
            rb.services.db,
            rb.guild.id,
            title=title,
            thread_id=thread_id,
            channel_id=rb.news.id,
            starter_message_id=starter_id,
        )
        thread = handle(rb.env, rb.guild, thread_id)
        yield World(
            rb.env,
            rb.bot,
            rb.services,
            settings,
            stack,
            rb.guild,
            rb.news,
            thread,
            article_id,
            alice,
            bob,
            admin,
        )


@pytest.mark.asyncio
async def test_thread_messages_are_stored_as_a_reply_tree(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        first = await w.alice.send(w.thread, "First thoughts", attachments=[("chart.png", b"\x89PNG")])
        reply = await w.bob.send(w.thread, "I disagree", reply_to=first)
        await w.alice.send(w.news, "not in a thread")
        _, other_thread = await open_thread(w.env, w.bot, w.news, "Untracked story")
        await w.alice.send(handle(w.env, w.guild, other_thread), "untracked thread")
        bot_thread = w.bot.get_channel(w.thread.id)
        assert isinstance(bot_thread, discord.Thread)
        await bot_thread.send("a note from the bot itself")
        await w.env.settle()

        rows = await w.comments()
        assert list(rows) == [first.id, reply.id]
        assert rows[first.id]["content"] == "First thoughts"
        assert rows[first.id]["author_id"] == w.alice.id and rows[first.id]["author_name"] == w.alice.name
        assert json.loads(rows[first.id]["attachments"])[0].endswith("/chart.png")
        assert rows[reply.id]["parent_id"] == first.id and rows[reply.id]["article_id"] == w.article_id
        tree = await comment_service(w.bot).tree(w.guild.id, w.article_id)
        assert [n.comment.message_id for n in tree[0].replies] == [reply.id]


@pytest.mark.asyncio
async def test_edits_deletes_and_bulk_deletes_are_followed(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        first = await w.alice.send(w.thread, "tpyo")
        reply = await w.bob.send(w.thread, "answer", reply_to=first)
        lone = await w.bob.send(w.thread, "lonely")
        await w.alice.edit(first, "typo fixed")
        rows = await w.comments()
        assert rows[first.id]["content"] == "typo fixed" and rows[first.id]["edited_at"] is not None

        await w.bob.delete(lone)
        await w.alice.delete(first)  # has a reply: kept as a tombstone
        rows = await w.comments()
        assert lone.id not in rows
        assert rows[first.id]["deleted"] == 1 and rows[first.id]["content"] == ""
        assert rows[first.id]["author_id"] is None

        extra = await w.alice.send(w.thread, "one more")
        bot_thread = w.bot.get_channel(w.thread.id)
        assert isinstance(bot_thread, discord.Thread)
        await bot_thread.delete_messages([discord.Object(reply.id), discord.Object(extra.id)])
        await w.env.settle()
        assert await w.comments() == {}  # the tombstone went with its last reply


@pytest.mark.asyncio
async def test_messages_sent_while_down_are_caught_up_on_restart(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        kept = await w.alice.send(w.thread, "before the outage")
        edited = await w.bob.send(w.thread, "will be edited while down")
        doomed = await w.bob.send(w.thread, "will be deleted while down")
        assert len(await w.comments()) == 3

        # The bot goes away: gateway events stop reaching it, Discord keeps going.
        await w.bot.ws.close()
        missed = [await w.alice.send(w.thread, f"missed {i}") for i in range(3)]
        missed_reply = await w.bob.send(w.thread, "missed reply", reply_to=kept)
        await w.bob.edit(edited, "edited while the bot was down")
        await w.bob.delete(doomed)
        assert len(await w.comments()) == 3

        # A new process: fresh services over the same file; on READY it reads from the cursors.
        await w.restart()
        services = w.services
        rows = await w.comments()
        assert [m.id for m in missed] + [missed_reply.id] == [i for i in rows if i > doomed.id]
        assert rows[missed_reply.id]["parent_id"] == kept.id
        cursor = await services.db.fetchval(
            "SELECT last_message_id FROM threads WHERE id = ?", (w.thread.id,)
        )
        assert cursor == missed_reply.id

        # Live messages now move the cursor; older edits and deletes need a full sync.
        latest = await w.alice.send(w.thread, "back online")
        assert await services.db.fetchval("SELECT last_message_id FROM threads") == latest.id
        assert rows[edited.id]["content"] == "will be edited while down"
        result = await w.admin.slash(w.thread, "comments sync", full=True)
        assert result.ephemeral
        text = answer(result).content
        assert "Read 1 thread" in text and "1 found deleted" in text
        rows = await w.comments()
        assert rows[edited.id]["content"] == "edited while the bot was down"
        assert doomed.id not in rows


@pytest.mark.asyncio
async def test_sync_needs_manage_server(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        result = await w.alice.slash(w.thread, "comments sync")
        assert result.ephemeral
        assert "Manage Server" in answer(result).content
        assert refusals(w.env) == ["MissingPermissions"]

        await w.alice.send(w.thread, "hello")
        result = await w.admin.slash(w.news, "comments sync", article=w.article_id, full=True)
        assert result.ephemeral
        assert answer(result).content == "Read 1 thread: 1 comment, 0 new or changed, 0 found deleted."
        result = await w.admin.slash(w.news, "comments sync", article=999)
        assert "no discussion thread" in answer(result).content
        assert refusals(w.env) == ["MissingPermissions", "UserError"]


@pytest.mark.asyncio
async def test_export_sends_the_comment_tree_as_a_file(tmp_path: Path) -> None:
    async with world(tmp_path, title="Council @everyone *votes*") as w:
        first = await w.alice.send(w.thread, "root")
        await w.bob.send(w.thread, "reply", reply_to=first)
        choices = await w.bob.autocomplete(w.news, "comments export", "article", "council")
        assert [c["value"] for c in choices] == [w.article_id]

        result = await w.bob.slash(w.news, "comments export", article=w.article_id)
        assert result.ephemeral
        sent = answer(result)
        assert sent.content == "2 comments on “Council @\u200beveryone \\*votes\\*”."
        (attachment,) = sent.attachments
        assert attachment.filename == f"article-{w.article_id}-comments.json"
        data = json.loads(await attachment.read())
        assert data["article"]["title"] == "Council @everyone *votes*"
        assert data["article"]["summary"] and data["comment_count"] == 2
        assert data["comments"][0]["content"] == "root"
        assert data["comments"][0]["replies"][0]["content"] == "reply"

        result = await w.bob.slash(w.news, "comments export", article=w.article_id, format="jsonl")
        lines = (await answer(result).attachments[0].read()).decode().splitlines()
        assert [json.loads(line)["type"] for line in lines] == ["article", "comment", "comment"]

        result = await w.bob.slash(w.news, "comments export", article=424242)
        assert "no article #424242" in answer(result).content
        assert refusals(w.env) == ["UserError"]


@pytest.mark.asyncio
async def test_forget_me_erases_comments_and_chat_quotes(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        mine = await w.alice.send(w.thread, "my opinion")
        await w.bob.send(w.thread, "answering alice", reply_to=mine)
        await w.alice.send(w.thread, "another of mine")
        kept = await w.bob.send(w.thread, "bob stays")
        await w.services.quotes.add_chat_quote(
            w.guild.id, w.thread.id, mine.id, w.alice.id, "alice", "my opinion", w.bob.id
        )

        result = await w.alice.slash(w.news, "forget-me")
        assert result.ephemeral
        text = answer(result).content
        assert text.startswith("Done: deleted 2 stored comments of yours in this server (1 kept as blank")
        assert "and 1 saved quote." in text
        rows = await w.comments()
        assert rows[mine.id]["deleted"] == 1 and kept.id in rows
        assert all(r["author_id"] != w.alice.id for r in rows.values())
        assert (
            await w.services.db.fetchval("SELECT count(*) FROM quotes WHERE author_id = ?", (w.alice.id,))
            == 0
        )


@pytest.mark.asyncio
async def test_add_to_discussion_without_the_content_intent(tmp_path: Path) -> None:
    async with world(tmp_path, content=False) as w:
        message = await w.alice.send(w.thread, "only the menu can store me")
        outside = await w.alice.send(w.news, "not in an article thread")
        assert await w.comments() == {}  # text does not arrive in events

        result = await w.bob.context_menu(w.thread, "Add to discussion", message)
        assert result.ephemeral
        assert result.response is not None
        assert result.response.content == "Comment added to the discussion of “Bridge reopens”."
        rows = await w.comments()
        assert rows[message.id]["content"] == "only the menu can store me"

        again = await w.bob.context_menu(w.thread, "Add to discussion", message)
        assert again.response is not None and again.response.content.startswith("Comment updated in")

        refused = await w.bob.context_menu(w.news, "Add to discussion", outside)
        assert refused.ephemeral and refused.response is not None
        assert "Only messages in an article's discussion thread" in refused.response.content

        result = await w.admin.slash(w.thread, "comments sync")
        assert "message content intent" in answer(result).content
        assert refusals(w.env) == ["UserError", "UserError"]

        await w.alice.delete(message)  # deletes are followed in this mode too
        assert await w.comments() == {}


@pytest.mark.asyncio
async def test_nothing_the_cog_sends_can_ping(tmp_path: Path) -> None:
    async with world(tmp_path, content=False, title="@everyone look <@&123>") as w:
        message = await w.alice.send(w.thread, "hi")
        await w.bob.context_menu(w.thread, "Add to discussion", message)
        await w.bob.slash(w.news, "comments export", article=w.article_id)
        await w.alice.slash(w.news, "forget-me")
        answers = []
        for entry in w.env.http_requests:
            if entry.path.startswith(("/interactions/", "/webhooks/")) and isinstance(entry.json, dict):
                payload = entry.json.get("data", entry.json)
                if payload.get("content"):
                    answers.append(payload)
        assert len(answers) == 3  # the menu's answer, the export's, forget-me's
        assert assert_nothing_can_ping(w.env) >= 3
        for payload in answers:
            assert "@everyone" not in payload["content"] and "<@&123>" not in payload["content"]
            assert payload["allowed_mentions"] == {"parse": []}


@pytest.mark.asyncio
async def test_forum_posts_archived_and_deleted_threads(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        forum_handle = w.guild.create_forum_channel("articles")
        await w.env.settle()
        forum = w.bot.get_channel(forum_handle.id)
        assert isinstance(forum, discord.ForumChannel)
        created = await forum.create_thread(name="Forum story", content="**Forum story** summary")
        await w.env.settle()
        post_id = created.thread.id
        await add_article(
            w.services.db,
            w.guild.id,
            title="Forum story",
            thread_id=post_id,
            channel_id=forum.id,
            starter_message_id=created.message.id,
        )
        post = handle(w.env, w.guild, post_id)
        first = await w.alice.send(post, "comment on a forum post")
        rows = await w.comments()
        assert first.id in rows and created.message.id not in rows  # the bot's post is not a comment

        # Archived while the bot is away: still read on the next start.
        await w.bot.ws.close()
        late = await w.bob.send(post, "posted before the post was archived")
        await created.thread.edit(archived=True)
        await w.env.settle()
        # The first thread disappears from Discord entirely.
        gone = w.bot.get_channel(w.thread.id)
        assert isinstance(gone, discord.Thread)
        await gone.delete()
        await w.env.settle()

        await w.restart()
        assert late.id in await w.comments()
        result = await w.admin.slash(w.news, "comments sync")
        assert answer(result).content == (
            "Read 1 thread: 0 comments, 0 new or changed, 0 found deleted. "
            "1 could not be opened (deleted, or I cannot see them)."
        )


def test_big_exports_are_gzipped_or_refused() -> None:
    body = json.dumps([{"content": "the same words again and again"}] * 200).encode()
    assert fit_attachment(body, "a.json", len(body)) == (body, "a.json")
    packed, name = fit_attachment(body, "a.json", len(body) - 1)
    assert name == "a.json.gz" and gzip.decompress(packed) == body
    with pytest.raises(UserError, match="even compressed"):
        fit_attachment(body, "a.json", 10)
