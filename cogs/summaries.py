"""Summaries and feeds: `/summarize`, `/feed ...`, the polling schedule and the posting of articles.

Posting goes through the outbox (`bot.posting`) so every article is posted exactly once per channel,
also across crashes: `DiscordPostTransport` below is the Discord half of that contract. Text channel:
the summary embed is posted and a thread is opened from it. Forum: one forum post per article (the
post is the thread).

Two `discord.ext.tasks` loops drive the schedule: one asks the scheduler for due feeds every
`POLL_TICK_S` (due times live in the database, so a restart resumes them), the other posts queued
articles, at most one per channel every `feeds.post_spacing_s`. Both loops start in `cog_load`
unless the bot was built with `start_schedules=False` (command sync).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.news.urls import URLError
from bot.posting import PostedMessage, Poster, PostError, parse_marker
from bot.scheduler import FeedPreview, FeedRun
from bot.store.articles import StoredArticle
from bot.store.feeds import Feed, FeedExistsError
from bot.store.outbox import OutboxRow
from cogs.common import (
    UserError,
    article_embed,
    clip,
    defer_public,
    guild_id_of,
    safe,
    thread_name,
)

if TYPE_CHECKING:
    from bot.app import ParleyBot

log = logging.getLogger(__name__)

POLL_TICK_S = 60.0
HISTORY_LIMIT = 50
THREAD_ALREADY_CREATED = 160004
AUTO_ARCHIVE_MIN: Literal[10080] = 10080  # a week: discussions of news stay open a while
FEED_CHOICES = 25

PostChannel = discord.TextChannel | discord.ForumChannel


def _post_error(exc: discord.HTTPException, where: str) -> PostError:
    """Discord's answer as a PostError: refusals that retrying cannot fix are permanent."""
    if isinstance(exc, discord.Forbidden):
        return PostError(f"I am not allowed to post in {where} (missing permission)", permanent=True)
    if isinstance(exc, discord.NotFound):
        return PostError(f"{where} no longer exists", permanent=True)
    if exc.status >= 500 or exc.status == 429:
        return PostError(f"Discord had a problem ({exc.status}) posting in {where}")
    return PostError(f"Discord refused the post in {where}: {exc.text or exc.status}", permanent=True)


def _has_marker(message: discord.Message, article_id: int) -> bool:
    return any(parse_marker(embed.footer.text) == article_id for embed in message.embeds)


class DiscordPostTransport:
    """`bot.posting.PostTransport` over discord.py."""

    def __init__(self, bot: ParleyBot) -> None:
        self.bot = bot

    async def _channel(self, row: OutboxRow) -> PostChannel:
        channel = self.bot.get_channel(row.channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(row.channel_id)
            except discord.HTTPException as exc:
                raise _post_error(exc, f"channel {row.channel_id}") from exc
        if not isinstance(channel, PostChannel) or channel.guild.id != row.guild_id:
            raise PostError(
                f"channel {row.channel_id} is not a text or forum channel of this server", permanent=True
            )
        if (row.mode == "forum") != isinstance(channel, discord.ForumChannel):
            raise PostError(f"#{channel.name} is not a {row.mode} channel any more", permanent=True)
        return channel

    async def find_post(self, row: OutboxRow, marker: str) -> PostedMessage | None:
        channel = await self._channel(row)
        me = self.bot.user
        assert me is not None
        try:
            if isinstance(channel, discord.ForumChannel):
                return await self._find_forum_post(channel, row.article_id, me.id)
            async for message in channel.history(limit=HISTORY_LIMIT):
                if message.author.id == me.id and _has_marker(message, row.article_id):
                    thread = channel.guild.get_thread(message.id)
                    return PostedMessage(message.id, thread.id if thread else None)
        except discord.HTTPException as exc:
            raise _post_error(exc, f"#{channel.name}") from exc
        return None

    async def _find_forum_post(
        self, forum: discord.ForumChannel, article_id: int, me: int
    ) -> PostedMessage | None:
        threads = list(forum.threads)
        threads += [t async for t in forum.archived_threads(limit=HISTORY_LIMIT)]
        threads.sort(key=lambda t: t.id, reverse=True)
        for thread in threads[:HISTORY_LIMIT]:
            if thread.owner_id != me:
                continue
            async for first in thread.history(limit=1, oldest_first=True):
                if first.author.id == me and _has_marker(first, article_id):
                    return PostedMessage(first.id, thread.id)
        return None

    async def send_post(
        self, row: OutboxRow, article: StoredArticle, discussion_thread_id: int | None
    ) -> PostedMessage:
        channel = await self._channel(row)
        embed = article_embed(article, with_marker=True, discussion_thread_id=discussion_thread_id)
        try:
            if isinstance(channel, discord.ForumChannel):
                created = await channel.create_thread(
                    name=thread_name(article.title), embed=embed, auto_archive_duration=AUTO_ARCHIVE_MIN
                )
                return PostedMessage(created.message.id, created.thread.id)
            # discord.py sends `enforce_nonce` with every nonce: Discord drops a repeat of this post.
            message = await channel.send(embed=embed, nonce=row.nonce)
        except discord.HTTPException as exc:
            raise _post_error(exc, f"#{channel.name}") from exc
        return PostedMessage(message.id, None)

    async def open_thread(self, row: OutboxRow, message_id: int, article: StoredArticle) -> int:
        channel = await self._channel(row)
        if isinstance(channel, discord.ForumChannel):
            raise PostError("a forum post is its own thread", permanent=True)
        try:
            thread = await channel.get_partial_message(message_id).create_thread(
                name=thread_name(article.title), auto_archive_duration=AUTO_ARCHIVE_MIN
            )
        except discord.HTTPException as exc:
            if exc.code == THREAD_ALREADY_CREATED:
                return message_id  # Discord: a thread started from a message has the message's id
            raise _post_error(exc, f"#{channel.name}") from exc
        return thread.id


def _interval_text(seconds: int) -> str:
    minutes = seconds // 60
    if minutes % 60 == 0 and minutes >= 60:
        return f"{minutes // 60} h"
    return f"{minutes} min"


def _feed_line(feed: Feed) -> str:
    where = f"<#{feed.channel_id}>" if feed.channel_id else "no channel"
    title = safe(feed.title) or safe(feed.url)
    line = (
        f"**#{feed.id}** {clip(title, 120)} → {where} ({feed.mode}, every {_interval_text(feed.interval_s)})"
    )
    if feed.last_error:
        line += f"\n  ⚠ {clip(safe(feed.last_error), 200)}"
    return line


def _run_text(run: FeedRun) -> str:
    if run.error:
        return f"The feed could not be read: {safe(run.error)}"
    posts = run.posts_queued
    skipped = sum(1 for o in run.outcomes if o.status == "skipped") + run.skipped_on_poll
    retry = sum(1 for o in run.outcomes if o.status == "retry")
    parts = [f"{posts} article{'s' if posts != 1 else ''} queued for posting"]
    if skipped:
        parts.append(f"{skipped} skipped")
    if retry:
        parts.append(f"{retry} to retry later")
    return ", ".join(parts) + "."


def _preview_article(preview: FeedPreview, guild_id: int) -> StoredArticle:
    """The preview as the article the post would show (not stored: id 0, no people quoted)."""
    article = preview.article
    return StoredArticle(
        id=0,
        guild_id=guild_id,
        title=article.title or preview.entry_title or "Untitled",
        url=article.url or preview.link,
        canonical_url=article.canonical_url,
        external_id=None,
        author=article.author,
        published_at=article.published,
        site_name=article.site_name,
        language=article.language,
        text=article.text,
        summary=preview.summary,
        summary_method=None,
        speakers=(),
    )


class FeedCommands(
    app_commands.Group,
    name="feed",
    description="Follow RSS/Atom feeds (Manage Server)",
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    """`/feed ...`. `default_permissions` only hides the commands (server admins can override it in
    the integration settings), so every subcommand also checks Manage Server when it runs."""

    def __init__(self, cog: SummariesCog) -> None:
        super().__init__()
        self.cog = cog

    async def _feed(self, interaction: discord.Interaction, feed_id: int) -> Feed:
        feed = await self.cog.services.feeds.get_for_guild(guild_id_of(interaction), feed_id)
        if feed is None:
            raise UserError(f"This server has no feed #{feed_id}; see /feed list.")
        return feed

    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.command(name="add", description="Post new articles of a feed in a channel")
    @app_commands.describe(
        url="Address of the RSS or Atom feed",
        channel="Text channel (a thread per article) or forum (a post per article)",
        mode="thread: post and open a thread; forum: one forum post per article",
        interval="Minutes between polls",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        url: str,
        channel: PostChannel,
        mode: Literal["thread", "forum"] | None = None,
        interval: app_commands.Range[int, 1, 10080] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        chosen = mode or ("forum" if isinstance(channel, discord.ForumChannel) else "thread")
        if (chosen == "forum") != isinstance(channel, discord.ForumChannel):
            raise UserError("Use mode forum with a forum channel, and mode thread with a text channel.")
        minimum = self.cog.settings.feeds.min_interval_min
        if interval is not None and interval < minimum:
            raise UserError(f"The shortest interval is {minimum} minutes.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            feed = await self.cog.services.poller.add(
                guild_id, url, channel_id=channel.id, mode=chosen, interval_min=interval, now=self.cog.now()
            )
        except URLError as exc:
            raise UserError(f"That is not a feed address I can use: {exc}") from None
        except FeedExistsError as exc:
            raise UserError(f"This feed already posts in {channel.mention} (feed #{exc.feed.id}).") from None
        # The first poll only marks what the feed holds today as seen, so adding a feed does not
        # flood the channel; it also tells the admin at once whether the address works.
        run = await self.cog.scheduler.run_feed(feed.id, now=self.cog.now())
        note = f"\nBut: {safe(run.error)}" if run.error else ""
        await interaction.followup.send(
            f"Following feed #{feed.id} ({clip(safe(url), 300)}) in {channel.mention}, every "
            f"{_interval_text(feed.interval_s)}. New articles from now on will be posted; use "
            f"/feed backfill to post some recent ones.{note}",
            ephemeral=True,
        )

    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.command(name="remove", description="Stop following a feed")
    @app_commands.describe(feed="The feed (see /feed list)")
    async def remove(self, interaction: discord.Interaction, feed: int) -> None:
        found = await self._feed(interaction, feed)
        await self.cog.services.feeds.remove(found.guild_id, found.id)
        await interaction.response.send_message(f"Stopped following feed #{found.id}.", ephemeral=True)

    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.command(name="list", description="Feeds this server follows")
    async def list_(self, interaction: discord.Interaction) -> None:
        feeds = await self.cog.services.feeds.list_for_guild(guild_id_of(interaction))
        if not feeds:
            await interaction.response.send_message(
                "This server follows no feeds yet: /feed add.", ephemeral=True
            )
            return
        embed = discord.Embed(title="Feeds", description=clip("\n".join(_feed_line(f) for f in feeds), 4096))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.command(name="test", description="Preview the next post of a feed, without posting")
    @app_commands.describe(feed="The feed (see /feed list)")
    async def test(self, interaction: discord.Interaction, feed: int) -> None:
        found = await self._feed(interaction, feed)
        await interaction.response.defer(ephemeral=True, thinking=True)
        preview = await self.cog.scheduler.preview(found)
        embed = article_embed(_preview_article(preview, found.guild_id))
        note = (
            f"Next post ({preview.waiting} new entr{'y' if preview.waiting == 1 else 'ies'} waiting):"
            if preview.is_new
            else "Nothing new in the feed; its latest entry would look like this:"
        )
        await interaction.followup.send(note, embed=embed, ephemeral=True)

    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.command(name="backfill", description="Post the most recent entries of a new feed")
    @app_commands.describe(feed="The feed (see /feed list)", count="How many recent entries to post")
    async def backfill(
        self, interaction: discord.Interaction, feed: int, count: app_commands.Range[int, 1, 50]
    ) -> None:
        found = await self._feed(interaction, feed)
        limit = self.cog.settings.feeds.max_backfill
        if count > limit:
            raise UserError(f"At most {limit} entries can be backfilled.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        run = await self.cog.scheduler.run_feed(found.id, now=self.cog.now(), backfill=count)
        await interaction.followup.send(_run_text(run), ephemeral=True)

    @remove.autocomplete("feed")
    @test.autocomplete("feed")
    @backfill.autocomplete("feed")
    async def feed_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        feeds = await self.cog.services.feeds.list_for_guild(interaction.guild_id)
        wanted = current.lower().strip()
        choices = []
        for feed in feeds:
            label = f"#{feed.id} {feed.title or feed.url}"
            if wanted and wanted not in label.lower():
                continue
            choices.append(app_commands.Choice(name=clip(label, 100), value=feed.id))
        return choices[:FEED_CHOICES]


class SummariesCog(commands.Cog):
    def __init__(self, bot: ParleyBot) -> None:
        self.bot = bot
        self.services = bot.services
        self.settings = bot.settings
        self.poster = Poster(
            self.services.outbox,
            self.services.threads,
            self.services.articles,
            spacing_s=self.settings.feeds.post_spacing_s,
        )
        self.scheduler = self.services.scheduler
        self.transport = DiscordPostTransport(bot)
        self.feed_commands = FeedCommands(self)
        self.post_loop.change_interval(seconds=max(1.0, self.settings.feeds.post_spacing_s))

    @staticmethod
    def now() -> datetime:
        """Discord's clock (which a simulated Discord in tests can move)."""
        return discord.utils.utcnow()

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.feed_commands)
        if self.bot.start_schedules:
            self.poll_loop.start()
            self.post_loop.start()

    async def cog_unload(self) -> None:
        self.poll_loop.cancel()
        self.post_loop.cancel()
        self.bot.tree.remove_command(self.feed_commands.name)

    # An exception escaping a tasks.loop iteration would stop the loop for good, so each
    # iteration logs its failure and the schedule goes on.

    @tasks.loop(seconds=POLL_TICK_S)
    async def poll_loop(self) -> None:
        try:
            runs = await self.scheduler.run_due(self.now())
        except Exception:
            log.exception("feed schedule: this round failed")
            return
        for run in runs:
            if run.posts_queued or run.error:
                log.info("feed %s: %s", run.feed_id, run.error or f"{run.posts_queued} post(s) queued")

    @tasks.loop(seconds=5.0)
    async def post_loop(self) -> None:
        try:
            deliveries = await self.poster.deliver_due(self.transport, self.now().timestamp())
        except Exception:
            log.exception("posting: this round failed")
            return
        for delivery in deliveries:
            if delivery.status != "sent":
                log.warning(
                    "post of article %s: %s (%s)", delivery.article_id, delivery.status, delivery.error
                )

    @poll_loop.before_loop
    @post_loop.before_loop
    async def _wait_ready(self) -> None:
        await self.bot.wait_until_ready()

    @app_commands.command(name="summarize", description="Summarise an article from its address")
    @app_commands.guild_only()
    @app_commands.describe(
        url="Address of the article",
        post="Also post it in this channel and open a discussion thread",
    )
    async def summarize(
        self, interaction: discord.Interaction, url: str, post: PostChannel | None = None
    ) -> None:
        """Reply with the summary card. With `post` (a text or forum channel of this server where
        the member may send messages themselves), the article is also posted there through the
        outbox, exactly as a feed would post it, and its discussion thread is opened."""
        guild_id = guild_id_of(interaction)
        if post is not None and isinstance(interaction.user, discord.Member):
            allowed = post.permissions_for(interaction.user)
            if not allowed.send_messages:
                raise UserError(f"You cannot post in {post.mention}, so I will not either.")
        await defer_public(interaction)
        result = await self.services.pipeline.ingest_url(guild_id, url)
        article = await self.services.articles.get(guild_id, result.article_id)
        assert article is not None
        content = None
        if post is not None:
            mode = "forum" if isinstance(post, discord.ForumChannel) else "thread"
            row = await self.poster.outbox.enqueue(
                guild_id=guild_id, article_id=article.id, channel_id=post.id, mode=mode
            )
            delivery = await self.poster.deliver(row.id, self.transport)
            if delivery.status == "sent" and delivery.thread_id:
                content = f"Posted in {post.mention}: discuss it in <#{delivery.thread_id}>."
            elif delivery.status == "sent":
                content = f"Posted in {post.mention}."
            elif delivery.status == "retry":
                content = f"Posting in {post.mention} failed for now ({safe(delivery.error)}); I will retry."
            else:
                content = f"I could not post it in {post.mention}: {safe(delivery.error)}"
        elif result.status == "duplicate":
            content = "I had read this article before:"
        if content is None:
            await interaction.followup.send(embed=article_embed(article))
        else:
            await interaction.followup.send(content, embed=article_embed(article))


async def setup(bot: ParleyBot) -> None:
    await bot.add_cog(SummariesCog(bot))
