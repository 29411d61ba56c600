"""ParleyBot: the one place where the core services are wired into discord.py.

The rest of `bot/` never imports discord; the cogs are thin adapters that reach the core through
`bot.services`. Slash commands are synced only on request (`parley sync-commands`, `/parley sync`):
syncing on every start would hit Discord's daily command-update limit and re-register stale commands
while an old process is still draining.

Without the privileged message-content intent (`discord.message_content_intent = false`) the bot
still runs: every command works, and comments are collected only through the comments cog's
"Add to discussion" menu, because message text does not arrive in events.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib.util
import logging
import signal
from collections.abc import Sequence

import discord
import yarl
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from bot.services import Services, open_services
from bot.settings import DiscordSettings, Settings
from bot.store.guilds import GuildRepo
from cogs.common import ParleyTree

log = logging.getLogger(__name__)

CORE_EXTENSIONS: tuple[str, ...] = ("cogs.summaries", "cogs.quotes", "cogs.admin")
OPTIONAL_EXTENSIONS: tuple[str, ...] = ("cogs.comments",)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CONFIG = 2


class BotStartError(Exception):
    """Discord refused to start the bot (bad token, intent not enabled); the text says what to do."""


def build_intents(settings: DiscordSettings) -> discord.Intents:
    """Only what Parley uses: guilds (channels, threads), guild messages (thread comments), and the
    privileged message content when enabled."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = settings.message_content_intent
    return intents


def configure_endpoints(settings: DiscordSettings) -> None:
    """Point discord.py at `api_base` and `gateway_url`, so the same bot can run against a
    Discord-compatible test server. discord.py keeps these as class attributes; this is called once
    per process, before the first request."""
    discord.http.Route.BASE = settings.api_base.rstrip("/")
    if settings.gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def available_extensions(
    core: Sequence[str] = CORE_EXTENSIONS, optional: Sequence[str] = OPTIONAL_EXTENSIONS
) -> list[str]:
    """Core cogs always; optional ones only when their module is part of this build."""
    found = list(core)
    for name in optional:
        if importlib.util.find_spec(name) is None:
            log.info("extension %s is not installed; skipping it", name)
            continue
        found.append(name)
    return found


class ParleyBot(commands.Bot):
    """The Discord side of Parley. `services` are opened (and closed) by the caller."""

    def __init__(
        self,
        services: Services,
        settings: Settings,
        *,
        start_schedules: bool = True,
        extensions: Sequence[str] | None = None,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=build_intents(settings.discord),
            tree_cls=ParleyTree,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
        )
        self.services = services
        self.settings = settings
        self.start_schedules = start_schedules
        self._extensions = list(extensions) if extensions is not None else available_extensions()

    @property
    def message_content_enabled(self) -> bool:
        """False in no-intent mode: message text does not arrive in gateway events."""
        return self.intents.message_content

    async def setup_hook(self) -> None:
        """Load the cogs; each cog starts its own schedules in `cog_load` when `start_schedules`."""
        for name in self._extensions:
            await self.load_extension(name)
        log.info(
            "loaded %s; message content intent %s",
            ", ".join(self._extensions),
            "on" if self.message_content_enabled else "off (comments via the 'Add to discussion' menu)",
        )

    async def on_ready(self) -> None:
        log.info("connected as %s to %d guild(s)", self.user, len(self.guilds))

    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self._register_guild(guild)

    async def on_message(self, message: discord.Message, /) -> None:
        """Parley has no prefix commands: skip commands.Bot's per-message command parsing, which
        would otherwise cost every comment in a busy thread (listeners still get the event)."""

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self._register_guild(guild)

    async def _register_guild(self, guild: discord.Guild) -> None:
        """Every guild the bot is in has its row (feeds, threads and quotes hang off it)."""
        await GuildRepo(self.services.db).register(guild.id, guild.name)


async def sync_tree(bot: commands.Bot, guild_id: int | None) -> int:
    """Register the bot's commands with Discord, globally or for one guild (instantly visible there,
    handy while testing); returns how many were registered."""
    if guild_id is None:
        synced = await bot.tree.sync()
    else:
        guild = discord.Object(id=guild_id)
        bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
    return len(synced)


async def sync_commands(settings: Settings, guild_id: int | None) -> int:
    """`parley sync-commands [--guild ID]`: log in over REST only (no gateway), register, leave."""
    if not settings.discord.token:
        raise BotStartError("DISCORD_TOKEN is not set: syncing commands needs the bot's token")
    configure_endpoints(settings.discord)
    tune_garbage_collector()
    async with open_services(settings) as services:
        bot = ParleyBot(services, settings, start_schedules=False)
        async with bot:
            try:
                await bot.login(settings.discord.token)
            except discord.LoginFailure as exc:
                raise BotStartError(f"Discord refused the token ({exc})") from None
            return await sync_tree(bot, guild_id)


def tune_garbage_collector() -> None:
    """A busy thread floods the bot with short-lived discord.py objects; with the default thresholds
    Python's full collections took over a third of the bot's CPU in the capture benchmark. Freezing
    what start-up built and collecting young objects less often keeps capture at the gateway's pace."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


async def run_bot(settings: Settings) -> int:
    """`parley run`: open the services, connect, and run until stopped (Ctrl-C or SIGTERM)."""
    if not settings.discord.token:
        log.error("DISCORD_TOKEN is not set")
        return EXIT_CONFIG
    configure_endpoints(settings.discord)
    tune_garbage_collector()
    async with open_services(settings) as services:
        bot = ParleyBot(services, settings)
        loop = asyncio.get_running_loop()
        stopping: set[asyncio.Task[None]] = set()

        def stop() -> None:
            log.info("stopping")
            task = loop.create_task(bot.close())
            stopping.add(task)
            task.add_done_callback(stopping.discard)

        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on every platform
            loop.add_signal_handler(signal.SIGTERM, stop)
        try:
            async with bot:
                await bot.start(settings.discord.token)
        except discord.LoginFailure as exc:
            log.error("Discord refused the token (%s); check DISCORD_TOKEN", exc)
            return EXIT_CONFIG
        except discord.PrivilegedIntentsRequired:
            log.error(
                "the message content intent is not enabled for this application: enable it in the "
                "Discord developer portal, or set PARLEY_DISCORD_MESSAGE_CONTENT_INTENT=false to run "
                "without it"
            )
            return EXIT_CONFIG
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signal.SIGTERM)
    return EXIT_OK
