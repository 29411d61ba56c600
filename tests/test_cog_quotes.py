"""`/who`, `/quotes`, "Save as quote" and `/unquote`, driven through simcord against the real bot."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.news.model import Article
from cogs.common import UserError
from cogs.quotes import PAGER_TIMEOUT_S, parse_message_ref
from tests.simcord_helpers import ZWSP, World, assert_nothing_can_ping, make_settings, running_bot, sent_texts

FERRY = (
    "The harbour board met on Monday to set the new ferry timetable for the coming year.\n\n"
    "\u201cThe ferry will run every twenty minutes from March, even on Sundays,\u201d said Tom Okafor, "
    "the harbour master, after the meeting.\n\n"
    "\u201cWe expect long queues at first, so please be patient with the crews,\u201d Okafor added.\n\n"
    "\u201cThe new boats are quieter and they burn far less fuel than the old ones,\u201d said "
    "engineer Maria Lindqvist, who oversaw the refit of the fleet.\n\n"
    "Passengers will be able to buy tickets on board until the new card readers are installed."
)


async def seed_article(world: World, guild_id: int | None = None) -> None:
    article = Article.from_text("New ferry timetable", FERRY, url="https://news.example/ferry")
    await world.services.pipeline.ingest_article(guild_id or world.guild.id, article)


def response_of(result: object) -> discord.Message:
    """The message a deferred command ended up with (its first follow-up)."""
    followups = result.followups  # type: ignore[attr-defined]
    message = followups[0] if followups else result.response  # type: ignore[attr-defined]
    assert message is not None
    return message.message


@pytest.mark.asyncio
async def test_who_answers_with_quote_speaker_and_article(tmp_path: Path) -> None:
    async with running_bot(make_settings(tmp_path)) as world:
        await seed_article(world)
        result = await world.member.slash(
            world.news, "who", question="who said the ferry will run every twenty minutes?"
        )
        message = response_of(result)
        [embed] = message.embeds
        assert "twenty minutes" in (embed.description or "")
        assert embed.author.name and "Okafor" in embed.author.name
        article_field = next(f for f in embed.fields if f.name == "Article")
        assert "https://news.example/ferry" in (article_field.value or "")
        assert not result.ephemeral
        assert assert_nothing_can_ping(world.env) >= 1


@pytest.mark.asyncio
async def test_who_says_i_dont_know_politely(tmp_path: Path) -> None:
    async with running_bot(make_settings(tmp_path)) as world:
        await seed_article(world)
        result = await world.member.slash(world.news, "who", question="who said penguins can fly backwards?")
        message = response_of(result)
        assert message.content.startswith("I don't know") and not message.embeds


@pytest.mark.asyncio
async def test_more_button_pages_only_for_the_asker_and_vanishes_on_timeout(tmp_path: Path) -> None:
    async with running_bot(make_settings(tmp_path)) as world:
        await seed_article(world)
        result = await world.admin.slash(world.news, "who", question="what did Okafor say about the ferry?")
        message = response_of(result)
        first = message.embeds[0].description
        assert message.components, "several answers come with paging buttons"

        stranger = await world.member.click(message, label="More")
        assert stranger.ephemeral and stranger.response is not None
        assert "Only the member who asked" in stranger.response.content
        unchanged = next(m for m in world.news.history() if m.id == message.id)
        assert unchanged.embeds[0].description == first

        paged = await world.admin.click(message, label="More")
        assert paged.response is not None
        [second] = paged.response.embeds
        assert second.description != first
        assert second.footer.text and second.footer.text.startswith("Answer 2 of")

        await world.env.advance_time(PAGER_TIMEOUT_S + 1)
        refreshed = next(m for m in world.news.history() if m.id == message.id)
        assert refreshed.components == []


@pytest.mark.asyncio
async def test_save_as_quote_then_ask_then_unquote(tmp_path: Path) -> None:
    async with running_bot(make_settings(tmp_path)) as world:
        said = await world.member.send(
            world.news, "@everyone the **night bus** to <@&123456789012345678> should run past midnight"
        )
        saved = await world.admin.context_menu(world.news, "Save as quote", said)
        assert saved.ephemeral and saved.response is not None
        assert saved.response.content.startswith("Saved as a quote by max")

        again = await world.admin.context_menu(world.news, "Save as quote", said)
        assert again.response is not None and "already saved" in again.response.content

        result = await world.admin.slash(
            world.news, "who", question="who said the night bus should run past midnight?"
        )
        [embed] = response_of(result).embeds
        assert embed.author.name == "max"
        assert "@everyone" not in (embed.description or "") and f"@{ZWSP}everyone" in (
            embed.description or ""
        )
        assert "\\*\\*night bus\\*\\*" in (embed.description or "")
        assert "<@&123456789012345678>" not in (embed.description or "")
        jump = next(f for f in embed.fields if f.name == "Said in chat")
        assert f"/{world.news.id}/{said.id}" in (jump.value or "")

        refused = await world.admin.slash(world.news, "unquote", message=str(said.id))
        assert refused.ephemeral and refused.response is not None
        assert refused.response.content == "Only the member who said it can remove that quote."

        link = f"https://discord.com/channels/{world.guild.id}/{world.news.id}/{said.id}"
        removed = await world.member.slash(world.news, "unquote", message=link)
        assert removed.response is not None and removed.response.content == "Removed that quote."
        gone = await world.admin.slash(
            world.news, "who", question="who said the night bus should run past midnight?"
        )
        assert response_of(gone).content.startswith("I don't know")

        for text in sent_texts(world.env):
            assert "@everyone" not in text and "<@&123456789012345678>" not in text
        assert_nothing_can_ping(world.env)


@pytest.mark.asyncio
async def test_save_as_quote_refuses_bot_messages_ephemerally(tmp_path: Path) -> None:
    async with running_bot(make_settings(tmp_path)) as world:
        asked = await world.member.slash(world.news, "who", question="who said hello?")
        bot_message = response_of(asked)
        refused = await world.admin.context_menu(world.news, "Save as quote", bot_message)
        assert refused.ephemeral and refused.response is not None
        assert refused.response.content == "Only members' own messages can be saved as quotes."
        assert any(isinstance(getattr(e, "original", e), UserError) for e in world.take_errors())


@pytest.mark.asyncio
async def test_unquote_everything_removes_all_of_mine(tmp_path: Path) -> None:
    async with running_bot(make_settings(tmp_path)) as world:
        for text in ("the pier needs new lights", "the market should open on Sundays"):
            message = await world.member.send(world.news, text)
            await world.admin.context_menu(world.news, "Save as quote", message)
        result = await world.member.slash(world.news, "unquote", everything=True)
        assert result.response is not None and result.response.content == "Removed 2 saved quotes of yours."
        unclear = await world.member.slash(world.news, "unquote")
        assert unclear.ephemeral and unclear.response is not None
        assert unclear.response.content == "Give the link of your saved message, or choose everything."
        bad_link = await world.member.slash(world.news, "unquote", message="the one about the pier")
        assert bad_link.ephemeral and bad_link.response is not None
        assert bad_link.response.content.startswith("Give a message link")
        assert len(world.take_errors()) == 2


@pytest.mark.asyncio
async def test_quotes_by_speaker_with_autocomplete(tmp_path: Path) -> None:
    async with running_bot(make_settings(tmp_path)) as world:
        await seed_article(world)
        choices = await world.member.autocomplete(world.news, "quotes", "speaker", "oka")
        assert 1 <= len(choices) <= 25
        okafor = next(c for c in choices if "Okafor" in c["name"])

        result = await world.member.slash(world.news, "quotes", speaker=okafor["value"])
        message = response_of(result)
        assert "Okafor" in (message.embeds[0].author.name or "")
        assert message.components  # two quotes: paging buttons

        topic = await world.member.slash(world.news, "quotes", speaker=okafor["value"], topic="queues")
        [embed] = response_of(topic).embeds
        assert "queues" in (embed.description or "")

        unknown = await world.member.slash(world.news, "quotes", speaker="Nobody Atall")
        assert unknown.followups and "I know no speaker" in unknown.followups[0].content
        assert unknown.followups[0].ephemeral
        world.take_errors()


@pytest.mark.asyncio
async def test_speaker_autocomplete_offers_at_most_25(tmp_path: Path) -> None:
    async with running_bot(make_settings(tmp_path)) as world:
        for n in range(30):
            user = world.env.create_user(f"speaker{n:02d}")
            person = world.guild.add_member(user)
            message = await person.send(world.news, f"opinion number {n} about the harbour")
            await world.admin.context_menu(world.news, "Save as quote", message)
        choices = await world.member.autocomplete(world.news, "quotes", "speaker", "")
        assert len(choices) == 25


@pytest.mark.asyncio
async def test_quotes_stay_in_their_guild(tmp_path: Path) -> None:
    async with running_bot(make_settings(tmp_path)) as world:
        await seed_article(world)
        _, channel, admin = world.add_guild("Elsewhere")
        await world.bot.tree.sync()
        result = await admin.slash(
            channel, "who", question="who said the ferry will run every twenty minutes?"
        )
        assert response_of(result).content.startswith("I don't know")
        assert await admin.autocomplete(channel, "quotes", "speaker", "oka") == []


def test_message_reference_parsing() -> None:
    assert parse_message_ref("https://discord.com/channels/1/2/123456789012345678") == 123456789012345678
    assert parse_message_ref(" 123456789012345678 ") == 123456789012345678
    with pytest.raises(UserError):
        parse_message_ref("the one about buses")
