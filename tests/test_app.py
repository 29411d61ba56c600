"""ParleyBot wiring: intents, mentions, cogs and their command names, endpoints, command sync."""

from __future__ import annotations

import importlib
import pkgutil
from collections import Counter
from pathlib import Path

import discord
import pytest
import simcord
import yarl
from discord.gateway import DiscordWebSocket

import cogs
from bot.app import (
    CORE_EXTENSIONS,
    EXIT_CONFIG,
    OPTIONAL_EXTENSIONS,
    ParleyBot,
    available_extensions,
    build_intents,
    configure_endpoints,
    run_bot,
    sync_tree,
)
from bot.services import open_services
from bot.settings import DiscordSettings, Settings
from cogs.common import ParleyTree
from tests.simcord_helpers import make_settings, running_bot


def cog_modules() -> list[str]:
    """Every module in cogs/ that is an extension (has `setup`)."""
    names = []
    for info in pkgutil.iter_modules(cogs.__path__):
        module = importlib.import_module(f"cogs.{info.name}")
        if hasattr(module, "setup"):
            names.append(f"cogs.{info.name}")
    return names


@pytest.mark.asyncio
async def test_every_cog_loads_and_no_two_commands_share_a_name(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    modules = cog_modules()
    assert set(CORE_EXTENSIONS) <= set(modules)
    assert set(available_extensions()) == set(modules), "a cog in cogs/ is not loaded by the bot"
    async with open_services(settings) as services:
        bot = ParleyBot(services, settings, start_schedules=False, extensions=modules)
        for name in modules:  # the tree refuses a second command of the same name and type
            await bot.load_extension(name)
        top = [(c.name, type(c).__name__ == "ContextMenu") for c in bot.tree.get_commands()]
        assert [name for name, n in Counter(top).items() if n > 1] == []
        names = {c.qualified_name for c in bot.tree.walk_commands()}
        assert {
            "who",
            "quotes",
            "unquote",
            "summarize",
            "feed add",
            "feed backfill",
            "parley status",
        } <= names
        assert "Save as quote" in {c.name for c in bot.tree.get_commands(type=discord.AppCommandType.message)}
        await bot.close()


def test_optional_cog_is_skipped_only_when_missing() -> None:
    found = available_extensions(core=("cogs.summaries",), optional=("cogs.admin", "cogs.not_written_yet"))
    assert found == ["cogs.summaries", "cogs.admin"]
    assert set(OPTIONAL_EXTENSIONS).isdisjoint(CORE_EXTENSIONS)


def test_intents_follow_the_message_content_setting() -> None:
    with_content = build_intents(DiscordSettings(message_content_intent=True))
    without = build_intents(DiscordSettings(message_content_intent=False))
    assert with_content.guilds and with_content.guild_messages and with_content.message_content
    assert without.guilds and without.guild_messages and not without.message_content
    assert not with_content.members and not with_content.presences  # nothing privileged we do not use


@pytest.mark.asyncio
async def test_bot_defaults(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    async with open_services(settings) as services:
        bot = ParleyBot(services, settings, start_schedules=False)
        assert bot.allowed_mentions is not None
        assert bot.allowed_mentions.to_dict() == {"parse": []}
        assert isinstance(bot.tree, ParleyTree)
        assert bot.message_content_enabled
        await bot.close()


def test_endpoints_point_discord_py_at_a_compatible_server() -> None:
    old_base, old_gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    try:
        configure_endpoints(
            DiscordSettings(api_base="http://127.0.0.1:9/api/v10/", gateway_url="ws://127.0.0.1:9/")
        )
        assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:9/api/v10/users/@me"
        assert yarl.URL("ws://127.0.0.1:9/") == DiscordWebSocket.DEFAULT_GATEWAY
    finally:
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


@pytest.mark.asyncio
async def test_run_bot_without_token_stops_with_a_config_error(tmp_path: Path) -> None:
    assert await run_bot(make_settings(tmp_path)) == EXIT_CONFIG
    assert not (tmp_path / "parley.db").exists()  # gave up before opening anything


@pytest.mark.asyncio
async def test_no_intent_mode_runs_without_the_privileged_intent(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, message_content=False)
    approved = discord.Intents.default()  # the developer portal has message content switched off
    async with running_bot(settings, approved_intents=approved) as world:
        assert not world.bot.message_content_enabled
        result = await world.member.slash(world.news, "who", question="who said anything at all?")
        assert result.followups or result.response
        name = await world.services.db.fetchval("SELECT name FROM guilds WHERE id = ?", (world.guild.id,))
        assert name == "Newsroom"  # every guild the bot is in has its row


@pytest.mark.asyncio
async def test_intent_required_but_not_approved_fails_to_connect(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, message_content=True)
    async with open_services(settings) as services:
        bot = ParleyBot(services, settings)
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with simcord.run(bot, approved_intents=discord.Intents.default()):
                pass


@pytest.mark.asyncio
async def test_sync_to_one_guild_registers_every_command_there(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    async with open_services(settings) as services:
        bot = ParleyBot(services, settings)
        async with simcord.run(bot) as env:
            guild = env.create_guild("Test")
            channel = guild.create_text_channel("general")
            member = guild.add_member(env.create_user("amy"))
            count = await sync_tree(bot, guild.id)
            assert count == len(bot.tree.get_commands()) >= 8
            assert "who" in member.available_commands(channel)


def test_settings_default_discord_endpoint_is_the_real_api() -> None:
    assert Settings().discord.api_base.startswith("https://discord.com/api/")
