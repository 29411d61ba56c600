"""`parley sync-commands` and `parley run` against fakecord, a Discord-compatible server on 127.0.0.1.

The sync runs in this process (its endpoint change is undone afterwards); `parley run` runs as its own
process, configured only through the environment, the way an operator starts it, and is stopped
with SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.app import BotStartError, sync_commands
from bot.settings import DatabaseSettings, DiscordSettings, Settings
from tests.fakecord import FakeDiscord, discord_py_pointed_at, running_fakecord
from tests.httpserver import LocalServer
from tests.simcord_helpers import article_html, story_paragraphs

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.e2e


def restoring_endpoints() -> Any:
    """`sync_commands` points discord.py at the server it is given; put things back afterwards."""
    return discord_py_pointed_at(
        discord.http.Route.BASE, str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    )


def fakecord_settings(server: FakeDiscord, tmp_path: Path) -> Settings:
    return Settings(
        database=DatabaseSettings(path=str(tmp_path / "parley.db")),
        discord=DiscordSettings(api_base=server.api_base, gateway_url=server.gateway_url, token=server.token),
    )


@pytest.mark.asyncio
async def test_sync_commands_registers_every_command(tmp_path: Path) -> None:
    async with running_fakecord() as server:
        world = await server.build_world()
        with restoring_endpoints():
            settings = fakecord_settings(server, tmp_path)
            global_count = await sync_commands(settings, None)
            guild_count = await sync_commands(settings, int(world.guild_id))
        names = {c["name"] for c in server.state.commands.values()}
        assert {"who", "quotes", "unquote", "summarize", "feed", "parley", "Save as quote"} <= names
        assert global_count == guild_count == len(names)
        assert len(server.state.commands) == 2 * global_count  # once globally, once in the guild


@pytest.mark.asyncio
async def test_sync_commands_with_a_refused_token_says_so(tmp_path: Path) -> None:
    async with running_fakecord() as server:
        settings = fakecord_settings(server, tmp_path)
        wrong = Settings(
            database=settings.database,
            discord=DiscordSettings(
                api_base=server.api_base, gateway_url=server.gateway_url, token="not-the-token"
            ),
        )
        with restoring_endpoints(), pytest.raises(BotStartError, match="Discord refused the token"):
            await sync_commands(wrong, None)
        assert server.state.commands == {}


@asynccontextmanager
async def parley_run(server: FakeDiscord, tmp_path: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {
        **os.environ,
        "DISCORD_TOKEN": server.token,
        "PARLEY_DISCORD_API_BASE": server.api_base,
        "PARLEY_DISCORD_GATEWAY_URL": server.gateway_url,
        "PARLEY_DATABASE_PATH": str(tmp_path / "parley.db"),
        "PARLEY_FETCH_ALLOW_PRIVATE": "true",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def answer_of(server: FakeDiscord, interaction: Any) -> dict[str, Any]:
    """The deferred command's final answer (its "thinking" message, filled in)."""

    def done() -> Any:  # falsy until the answer is there
        message = server.original_response(interaction)
        return message if message and (message.get("content") or message.get("embeds")) else None

    return await server.wait_for(done, within=20.0)


@pytest.mark.asyncio
async def test_parley_run_serves_commands_and_stops_on_sigterm(tmp_path: Path) -> None:
    async with LocalServer() as pages, running_fakecord() as server:
        world = await server.build_world()
        url = pages.page("/story", article_html("Lighthouse reopens", story_paragraphs("the lighthouse")))
        with restoring_endpoints():
            await sync_commands(fakecord_settings(server, tmp_path), int(world.guild_id))

        async with parley_run(server, tmp_path) as proc:
            await server.wait_for_identify(within=30.0)
            await asyncio.sleep(0.5)  # READY and the guild arrive; the bot answers from here on

            asked = await server.invoke_command(
                "summarize", channel_id=world.news_id, user_id=world.member_id, options={"url": url}
            )
            summary = await answer_of(server, asked)
            [embed] = summary["embeds"]
            assert embed["title"] == "Lighthouse reopens" and embed["url"] == url

            who = await server.invoke_command(
                "who",
                channel_id=world.news_id,
                user_id=world.member_id,
                options={"question": "who said pigs fly?"},
            )
            assert (await answer_of(server, who))["content"].startswith("I don't know")

            proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 20)
            stderr = (await proc.stderr.read()).decode(errors="replace") if proc.stderr else ""
            assert code == 0, stderr
        assert (tmp_path / "parley.db").exists()
