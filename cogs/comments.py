"""Comment threads on Discord: the adapter between gateway events and `bot.comments`.

With the message content intent, listeners store every message of an article's thread (raw events,
so edits and deletes of messages no longer cached still count), and on every (re)connect the
tracked threads are read from their cursors so nothing sent while the bot was away is missed.
Without the intent, message text does not arrive in events: members add a message with the
"Add to discussion" menu instead (using it again on an edited message updates the comment), and
deletions are still followed.

Commands: `/comments sync [article] [full]` (Manage Server), `/comments export article [format]`,
`/forget-me`.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.comments import (
    CatchUpReport,
    CommentService,
    HistoryPage,
    HistorySource,
    HistoryUnavailable,
    IncomingMessage,
)
from bot.store.threads import ThreadRecord
from cogs.common import UserError, clip, guild_id_of, safe

if TYPE_CHECKING:
    from bot.app import ParleyBot

log = logging.getLogger(__name__)

HISTORY_PAGE = 100  # what one history request returns
DEFAULT_FILE_LIMIT = 10 * 1024 * 1024  # Discord's attachment limit without server boosts
AUTOCOMPLETE_LIMIT = 25
CHOICE_NAME_LIMIT = 100
COMMENT_TYPES = (discord.MessageType.default, discord.MessageType.reply)
NO_PINGS = discord.AllowedMentions.none()
NEEDS_INTENT = (
    "Reading thread history needs the message content intent, which this bot runs without; "
    "add messages with the “Add to discussion” menu instead."
)


def is_comment(message: discord.Message, bot_user_id: int | None) -> bool:
    """A member's (or another app's) ordinary message or reply; not the bot's own posts, not
    system messages (joins, pins, thread starters) and not slash-command responses."""
    return message.type in COMMENT_TYPES and message.author.id != bot_user_id


def in_possible_thread(channel: object) -> bool:
    """False only for channels known not to be threads; an uncached channel might be one."""
    return isinstance(channel, discord.Thread) or not isinstance(channel, discord.abc.GuildChannel)


def incoming(message: discord.Message, guild_id: int) -> IncomingMessage:
    reference = message.reference
    parent = None
    if (
        message.type is discord.MessageType.reply
        and reference is not None
        and reference.message_id is not None
        and reference.channel_id == message.channel.id
    ):
        parent = reference.message_id
    return IncomingMessage(
        message_id=message.id,
        guild_id=guild_id,
        channel_id=message.channel.id,
        author_id=message.author.id,
        author_name=message.author.display_name,
        content=message.content,
        attachments=tuple(a.url for a in message.attachments),
        created_at=message.created_at,
        edited_at=message.edited_at,
        parent_id=parent,
    )


def history_source(thread: discord.Thread, bot_user_id: int | None) -> HistorySource:
    """The thread's history after a message id, as pages of one history request each; a page's
    `through_id` counts the messages left out (system messages, the bot's posts) too."""

    async def pages(after: int | None) -> AsyncIterator[HistoryPage]:
        start = discord.Object(id=after) if after is not None else None
        batch: list[IncomingMessage] = []
        seen = through = 0
        messages = thread.history(limit=None, after=start, oldest_first=True)
        while True:
            try:
                message = await anext(messages)
            except StopAsyncIteration:
                break
            except (discord.Forbidden, discord.NotFound) as exc:
                raise HistoryUnavailable(f"{exc.status} {exc.text or exc}") from exc
            seen += 1
            through = max(through, message.id)
            if is_comment(message, bot_user_id):
                batch.append(incoming(message, thread.guild.id))
            if seen == HISTORY_PAGE:
                yield HistoryPage(tuple(batch), through)
                batch, seen = [], 0
        if seen:
            yield HistoryPage(tuple(batch), through)

    return pages


def fit_attachment(data: bytes, filename: str, limit: int) -> tuple[bytes, str]:
    """The file as it can be attached: gzipped when too big for Discord (JSON shrinks several times),
    refused in plain words when even that is too big."""
    if len(data) <= limit:
        return data, filename
    packed = gzip.compress(data)
    if len(packed) > limit:
        raise UserError(
            f"The export is {len(packed) / 1e6:.1f} MB even compressed, more than Discord lets me "
            f"attach here ({limit / 1e6:.0f} MB)."
        )
    return packed, filename + ".gz"


def describe_report(report: CatchUpReport) -> str:
    threads = "thread" if report.threads == 1 else "threads"
    comments = "comment" if report.read == 1 else "comments"
    text = (
        f"Read {report.threads} {threads}: {report.read} {comments}, {report.written} new or changed, "
        f"{report.deleted} found deleted."
    )
    if report.unreachable:
        text += f" {report.unreachable} could not be opened (deleted, or I cannot see them)."
    if report.failed:
        text += f" {report.failed} broke off with an error (logged); run the sync again later."
    return text


class CommentsCog(commands.Cog):
    comments = app_commands.Group(
        name="comments", description="Article comment threads", guild_only=True
    )

    def __init__(self, bot: ParleyBot, service: CommentService) -> None:
        self.bot = bot
        self.services = bot.services
        self.service = service
        # Without the intent, message text is empty in events: capture only through the menu.
        self.capture = bot.intents.message_content
        self.add_menu = app_commands.ContextMenu(name="Add to discussion", callback=self.add_to_discussion)
        self.add_menu.guild_only = True
        self._catch_up: asyncio.Task[None] | None = None
        self._catch_up_again = False
        self._thread_syncs: dict[int, asyncio.Task[None]] = {}

    async def cog_load(self) -> None:
        if not self.capture:
            self.bot.tree.add_command(self.add_menu)
        elif self.bot.is_ready():  # extension reloaded while connected
            self._catch_up_soon()

    async def cog_unload(self) -> None:
        if not self.capture:
            self.bot.tree.remove_command(self.add_menu.name, type=self.add_menu.type)
        tasks = [t for t in (self._catch_up, *self._thread_syncs.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.service.flush()  # the service itself is closed with the other services

    def _bot_id(self) -> int | None:
        return self.bot.user.id if self.bot.user else None

    # -- gateway events -------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if not self.capture or message.guild is None or not isinstance(message.channel, discord.Thread):
            return
        if not is_comment(message, self._bot_id()):
            return
        tracked = await self.service.store(incoming(message, message.guild.id), live=True)
        if tracked and self.service.needs_sync(message.channel.id):
            self._sync_thread_soon(message.channel)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        message = payload.message
        if not self.capture or payload.guild_id is None or not in_possible_thread(message.channel):
            return
        if is_comment(message, self._bot_id()):
            await self.service.store(incoming(message, payload.guild_id))

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is not None and in_possible_thread(self.bot.get_channel(payload.channel_id)):
            await self.service.delete(payload.message_id)

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        if payload.guild_id is not None and in_possible_thread(self.bot.get_channel(payload.channel_id)):
            await self.service.delete_many(payload.message_ids)

    @commands.Cog.listener()
    async def on_disconnect(self) -> None:
        self.service.connection_lost()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if self.capture:
            self._catch_up_soon()

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        if self.capture:
            self._catch_up_soon()

    # -- catch-up -------------------------------------------------------------------------------

    def _catch_up_soon(self) -> None:
        """One catch-up at a time; a reconnect during one makes it run once more afterwards."""
        if self._catch_up is not None and not self._catch_up.done():
            self._catch_up_again = True
            return
        self._catch_up = asyncio.create_task(self._run_catch_up(), name="comments-catch-up")

    async def _run_catch_up(self) -> None:
        while True:
            self._catch_up_again = False
            guilds = {guild.id for guild in self.bot.guilds}
            records = [r for r in await self.services.threads.list_all() if r.guild_id in guilds]
            try:
                report = await self.service.catch_up(records, self._open_history)
            except Exception:
                log.exception("comment catch-up failed")
            else:
                log.info("comment catch-up: %s", describe_report(report))
            if not self._catch_up_again:
                return

    def _sync_thread_soon(self, thread: discord.Thread) -> None:
        """A thread registered after the last catch-up: read it once so its cursor can move."""
        running = self._thread_syncs.get(thread.id)
        if running is not None and not running.done():
            return
        task = asyncio.create_task(self._sync_one(thread), name=f"comments-sync-{thread.id}")
        self._thread_syncs[thread.id] = task
        task.add_done_callback(lambda _: self._thread_syncs.pop(thread.id, None))

    async def _sync_one(self, thread: discord.Thread) -> None:
        try:
            await self.service.sync_thread(thread.id, history_source(thread, self._bot_id()))
        except Exception:
            log.exception("history sync of thread %s failed", thread.id)

    async def _open_history(self, record: ThreadRecord) -> HistorySource | None:
        channel: Any = self.bot.get_channel(record.id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(record.id)  # archived threads are not cached
            except discord.NotFound:
                log.info("thread %s of article %s no longer exists", record.id, record.article_id)
                return None
            except discord.HTTPException as exc:
                log.warning("cannot open thread %s: %s", record.id, exc)
                return None
        if not isinstance(channel, discord.Thread):
            return None
        return history_source(channel, self._bot_id())

    # -- commands -------------------------------------------------------------------------------

    async def _targets(
        self, guild_id: int, article: int | None, channel_id: int | None
    ) -> list[ThreadRecord]:
        threads = self.services.threads
        if article is not None:
            record = await threads.for_article(article)
            if record is None or record.guild_id != guild_id:
                raise UserError(f"Article #{article} has no discussion thread in this server.")
            return [record]
        here = await threads.get(channel_id) if channel_id is not None else None
        if here is not None and here.guild_id == guild_id:
            return [here]
        records = await threads.list_for_guild(guild_id)
        if not records:
            raise UserError("This server has no article discussion threads yet.")
        return records

    @comments.command(name="sync", description="Read article threads again to store comments I missed")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(
        article="Only this article's thread (default: the thread you are in, else all of them)",
        full="Re-read whole threads, to catch edits and deletions made while I was offline",
    )
    async def sync(
        self, interaction: discord.Interaction, article: int | None = None, full: bool = False
    ) -> None:
        guild_id = guild_id_of(interaction)
        if not self.capture:
            raise UserError(NEEDS_INTENT)
        records = await self._targets(guild_id, article, interaction.channel_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.service.catch_up(records, self._open_history, full=full)
        await interaction.followup.send(describe_report(report), ephemeral=True, allowed_mentions=NO_PINGS)

    @comments.command(name="export", description="Download an article's comments as a file")
    @app_commands.describe(
        article="The article (start typing its title)",
        fmt="json: replies nested under what they answer (default); jsonl: one comment per line",
    )
    @app_commands.rename(fmt="format")
    async def export(
        self, interaction: discord.Interaction, article: int, fmt: Literal["json", "jsonl"] = "json"
    ) -> None:
        guild_id = guild_id_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        exported = await self.service.export_file(guild_id, article, fmt)
        if exported is None:
            raise UserError(f"There is no article #{article} in this server.")
        limit = interaction.guild.filesize_limit if interaction.guild else DEFAULT_FILE_LIMIT
        data, filename = fit_attachment(exported.data, exported.filename, limit)
        noun = "comment" if exported.comments == 1 else "comments"
        await interaction.followup.send(
            clip(f"{exported.comments} {noun} on “{safe(exported.title)}”.", 2000),
            file=discord.File(io.BytesIO(data), filename=filename),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @sync.autocomplete("article")
    @export.autocomplete("article")
    async def article_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        found = await self.service.discussed_articles(interaction.guild_id, current, AUTOCOMPLETE_LIMIT)
        return [
            app_commands.Choice(
                name=clip(f"#{a.article_id} {a.title}", CHOICE_NAME_LIMIT), value=a.article_id
            )
            for a in found
        ]

    @app_commands.command(name="forget-me", description="Delete your stored comments and saved quotes here")
    @app_commands.guild_only()
    async def forget_me(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        # The interaction's own snowflake marks "now": messages before it stay out of later syncs.
        result = await self.service.forget_author(guild_id, interaction.user.id, up_to_id=interaction.id)
        quotes = await self.services.quotes.delete_chat_quotes_by_author(guild_id, interaction.user.id)
        await interaction.followup.send(
            forget_text(result.total, result.tombstoned, quotes), ephemeral=True, allowed_mentions=NO_PINGS
        )

    async def add_to_discussion(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Message menu (no-intent mode): store one message of an article thread as a comment."""
        guild_id = guild_id_of(interaction)
        record = await self.services.threads.get(message.channel.id)
        if record is None or record.guild_id != guild_id:
            raise UserError("Only messages in an article's discussion thread can be added to its discussion.")
        if message.id in (record.id, record.starter_message_id) or message.author.id == self._bot_id():
            raise UserError("That is my own post about the article, not a comment.")
        if message.type not in COMMENT_TYPES:
            raise UserError("Only members' messages can be added to the discussion.")
        known = await self.service.get(message.id)
        await self.service.store(incoming(message, guild_id))
        if await self.service.get(message.id) is None:
            raise UserError("That message cannot be added to the discussion.")
        article = await self.services.articles.get(guild_id, record.article_id)
        title = f"“{safe(article.title)}”" if article else "this article"
        verb = "updated in" if known else "added to"
        text = clip(f"Comment {verb} the discussion of {title}.", 2000)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)


def forget_text(comments: int, tombstoned: int, quotes: int) -> str:
    plural = "comment" if comments == 1 else "comments"
    text = f"Done: deleted {comments} stored {plural} of yours in this server"
    if tombstoned:
        text += f" ({tombstoned} kept as blank placeholders because others replied to them)"
    text += f", and {quotes} saved {'quote' if quotes == 1 else 'quotes'}."
    return text + " Your messages on Discord itself are untouched; delete them there if you wish."


async def setup(bot: ParleyBot) -> None:
    await bot.add_cog(CommentsCog(bot, bot.services.comments))

