"""`/parley status` (Manage Server) and `/parley sync` (the bot's owner only).

Status answers the questions an admin has when posts do not appear: is the feed polled, when next,
what was its last error, are posts stuck in the queue, and is the bot running without the message
content intent (then comments arrive only through "Add to discussion").
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import sync_tree
from bot.store.comments import CommentStore
from bot.store.feeds import Feed
from cogs.common import COLOUR, DESCRIPTION_LIMIT, clip, fit_embed, guild_id_of, owner_only, safe

if TYPE_CHECKING:
    from bot.app import ParleyBot

log = logging.getLogger(__name__)


def _when(value: str | None) -> str:
    """A stored UTC time as a relative Discord timestamp ("in 12 minutes")."""
    if not value:
        return "never"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return safe(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return discord.utils.format_dt(moment, "R")


def _feed_status(feed: Feed) -> str:
    where = f"<#{feed.channel_id}>" if feed.channel_id else "no channel"
    name = clip(safe(feed.title or feed.url), 100)
    line = f"**#{feed.id}** {name} → {where}\n  last poll {_when(feed.last_polled_at)}"
    line += f", next {_when(feed.next_poll_at)}"
    if feed.last_error:
        line += f"\n  ⚠ {clip(safe(feed.last_error), 300)}"
    return line


class ParleyCommands(
    app_commands.Group,
    name="parley",
    description="Parley itself",
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    def __init__(self, cog: AdminCog) -> None:
        super().__init__()
        self.cog = cog

    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.command(name="status", description="Feeds, queue and counts for this server")
    async def status(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        services = self.cog.bot.services
        await interaction.response.defer(ephemeral=True, thinking=True)
        feeds = await services.feeds.list_for_guild(guild_id)
        articles = await services.articles.count(guild_id)
        quotes = await services.quotes.counts(guild_id)
        comments = await CommentStore(services.db).count(guild_id)
        threads = len(await services.threads.list_for_guild(guild_id))
        posts = await services.outbox.counts(guild_id)

        if self.cog.bot.message_content_enabled:
            mode = "Message content intent on: thread messages are collected as comments."
        else:
            mode = (
                "No-intent mode (message content intent off): comments are collected only through "
                "the “Add to discussion” message menu."
            )
        embed = discord.Embed(title="Parley status", colour=COLOUR, description=mode)
        embed.add_field(name="Articles", value=str(articles))
        embed.add_field(name="Quotes", value=f"{quotes.quotes} ({quotes.chat_quotes} saved from chat)")
        embed.add_field(name="Comments", value=f"{comments} in {threads} discussion threads")
        queue = f"{posts.pending} waiting, {posts.sent} posted"
        if posts.failed:
            queue += f", **{posts.failed} failed** (check the channel permissions)"
        embed.add_field(name="Posts", value=queue, inline=False)
        listing = "\n".join(_feed_status(f) for f in feeds) or "None yet: /feed add."
        embed.add_field(name=f"Feeds ({len(feeds)})", value=clip(listing, 1024), inline=False)
        if len(listing) > 1024:
            embed.description = clip(f"{mode}\n\n{listing}", DESCRIPTION_LIMIT)
            embed.remove_field(len(embed.fields) - 1)
        await interaction.followup.send(embed=fit_embed(embed), ephemeral=True)

    @owner_only()
    @app_commands.command(name="sync", description="Register the slash commands with Discord (owner)")
    @app_commands.describe(here="Only in this server (instant), instead of everywhere")
    async def sync(self, interaction: discord.Interaction, here: bool = False) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = guild_id_of(interaction) if here else None
        count = await sync_tree(self.cog.bot, guild_id)
        where = "in this server" if here else "globally (may take up to an hour to show everywhere)"
        log.info("synced %d commands %s on request of %s", count, where, interaction.user.id)
        await interaction.followup.send(f"Synced {count} commands {where}.", ephemeral=True)


class AdminCog(commands.Cog):
    def __init__(self, bot: ParleyBot) -> None:
        self.bot = bot
        self.group = ParleyCommands(self)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.group)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.group.name)


async def setup(bot: ParleyBot) -> None:
    await bot.add_cog(AdminCog(bot))
