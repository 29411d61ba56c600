"""`/parley status` and `/parley sync`, through simcord against the real bot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest

from bot.news.model import Article
from tests.httpserver import LocalServer
from tests.simcord_helpers import article_html, make_settings, running_bot, story_paragraphs


def answer(result: Any) -> Any:
    """What the member saw: a deferred command's answer replaces its "thinking" message."""
    message = answer(result) if result.followups else result.response
    assert message is not None
    return message


@pytest.mark.asyncio
async def test_status_shows_feeds_counts_and_mode(tmp_path: Path) -> None:
    async with LocalServer() as server, running_bot(make_settings(tmp_path)) as world:
        page = server.page("/not-a-feed", article_html("A page", story_paragraphs("feeds")))
        added = await world.admin.slash(world.news, "feed add", url=page, channel=world.news)
        assert "not an RSS or Atom feed" in answer(added).content
        text = "“We will reopen the pier in May,” said harbour master Tom Okafor on Friday."
        await world.services.pipeline.ingest_article(world.guild.id, Article.from_text("Pier", text))
        said = await world.member.send(world.news, "the pier should stay open at night")
        await world.admin.context_menu(world.news, "Save as quote", said)

        result = await world.admin.slash(world.news, "parley status")

        assert result.ephemeral
        [embed] = answer(result).embeds
        assert embed.description and embed.description.startswith("Message content intent on")
        fields = {f.name: f.value for f in embed.fields}
        assert fields["Articles"] == "1"
        assert fields["Quotes"] == "2 (1 saved from chat)"
        assert fields["Comments"] == "0 in 0 discussion threads"
        assert fields["Posts"] == "0 waiting, 0 posted"
        feeds = fields["Feeds (1)"] or ""
        assert "#1" in feeds and f"<#{world.news.id}>" in feeds
        assert "last poll <t:" in feeds and ", next <t:" in feeds
        assert "⚠" in feeds and "not an RSS or Atom feed" in feeds


@pytest.mark.asyncio
async def test_status_is_per_guild_and_names_no_intent_mode(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, message_content=False)
    async with running_bot(settings, approved_intents=discord.Intents.default()) as world:
        await world.services.pipeline.ingest_article(
            world.guild.id, Article.from_text("Elsewhere", "The tide was high on Monday morning.")
        )
        _, channel, admin = world.add_guild("Other")
        await world.bot.tree.sync()
        result = await admin.slash(channel, "parley status")
        [embed] = answer(result).embeds
        assert embed.description and embed.description.startswith("No-intent mode")
        fields = {f.name: f.value for f in embed.fields}
        assert fields["Articles"] == "0" and fields["Feeds (0)"] == "None yet: /feed add."


@pytest.mark.asyncio
async def test_status_needs_manage_server(tmp_path: Path) -> None:
    async with running_bot(make_settings(tmp_path)) as world:
        world.guild.set_command_permissions(world.commands["parley"], {world.member: True})
        result = await world.member.slash(world.news, "parley status")
        assert result.ephemeral and result.response is not None
        assert result.response.content == "You need the Manage Server permission to do that."
        world.take_errors()


@pytest.mark.asyncio
async def test_sync_is_for_the_owner_only(tmp_path: Path) -> None:
    async with running_bot(make_settings(tmp_path)) as world:
        refused = await world.admin.slash(world.news, "parley sync", here=True)
        assert refused.ephemeral and refused.response is not None
        assert refused.response.content == "Only the bot's owner can do that."
        world.take_errors()

        world.bot.owner_id = world.admin.id
        done = await world.admin.slash(world.news, "parley sync", here=True)
        count = len(world.bot.tree.get_commands())
        assert answer(done).content == f"Synced {count} commands in this server."
        assert done.ephemeral
