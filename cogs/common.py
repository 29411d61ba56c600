"""What every cog shares: safe text, embeds within Discord's limits, checks, and the error handler.

Everything shown in Discord that came from outside (article text, quotes, member messages, feed
titles) passes through `safe()`: Discord markdown is escaped so a headline cannot restyle or hide
the message, and mentions are broken with a zero-width space so `@everyone` or `<@&role>` in an
article can never ping, even if a message were sent without the bot-wide `AllowedMentions.none()`.

Discord rejects a whole message when one limit is exceeded, so builders clip every part to its
limit (title 256, description 4096, field 1024, footer 2048, author 256, 6,000 per message, content
2,000), ending clipped text with an ellipsis and, where there is one, the link to read the rest.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.news.extract import ExtractionError
from bot.news.feeds import FeedError
from bot.news.fetch import FetchError
from bot.posting import marker
from bot.quotes.ask import Answer
from bot.store.articles import StoredArticle

log = logging.getLogger(__name__)

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
CONTENT_LIMIT = 2000
THREAD_NAME_LIMIT = 100
URL_LIMIT = 2048

ELLIPSIS = "…"
COLOUR = discord.Colour(0x2B6CB0)

# Errors whose message is written for members and shown as it is.
USER_ERRORS: tuple[type[Exception], ...] = (FetchError, ExtractionError, FeedError)

_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)(\d+)>", re.IGNORECASE)
_ZWSP = "\u200b"
_PUBLIC_DEFER = "parley_public_defer"
T = TypeVar("T")
_LINK_ESCAPES = ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E"))


class UserError(Exception):
    """A refusal a cog raises on purpose ("no such feed"); the text is shown to the member."""


# Text ------------------------------------------------------------------------------------------


def neutralise_mentions(text: str) -> str:
    """Break every mention so that it renders as text and can never ping."""

    def breaker(match: re.Match[str]) -> str:
        if match.group(1):
            return f"@{_ZWSP}{match.group(1)}"
        return f"<{match.group(2)}{_ZWSP}{match.group(3)}>"

    return _MENTION.sub(breaker, text)


def safe(text: str | None) -> str:
    """Text from outside, ready to show: markdown escaped, mentions neutralised."""
    if not text:
        return ""
    return neutralise_mentions(discord.utils.escape_markdown(text))


def clip(text: str, limit: int, *, link: str | None = None) -> str:
    """`text` cut to at most `limit` characters; a cut ends with an ellipsis, then a "Read more"
    link when one is given and fits. The cut prefers a word boundary and never leaves a dangling
    escape backslash."""
    if len(text) <= limit:
        return text
    tail = ELLIPSIS
    if link:
        more = f"{ELLIPSIS} [Read more]({link_target(link)})"
        if len(more) < limit // 2:
            tail = more
    room = max(0, limit - len(tail))
    cut = text[:room]
    space = cut.rfind(" ")
    if space > room * 0.8:
        cut = cut[:space]
    cut = cut.rstrip()
    while cut.endswith("\\"):
        cut = cut[:-1]
    return cut + tail


def link_target(url: str) -> str:
    """A URL safe inside a markdown link: characters that would end the link are encoded."""
    for raw, encoded in _LINK_ESCAPES:
        url = url.replace(raw, encoded)
    return url


def masked_link(text: str, url: str | None) -> str:
    """`[text](url)` with the text escaped; plain escaped text without a usable URL."""
    label = safe(text).replace("[", "\\[").replace("]", "\\]")
    if url and http_url(url):
        return f"[{label}]({link_target(url)})"
    return label


def http_url(url: str | None) -> str | None:
    """The URL if Discord can link it (http/https, not over-long), else None."""
    if url and len(url) <= URL_LIMIT and url.lower().startswith(("http://", "https://")):
        return url
    return None


def clip_content(text: str) -> str:
    return clip(text, CONTENT_LIMIT)


def thread_name(title: str) -> str:
    """Thread names are plain text (no markdown), at most 100 characters, never empty."""
    name = " ".join(title.split()) or "Discussion"
    return clip(name, THREAD_NAME_LIMIT)


def format_date(value: str | None) -> str | None:
    """A stored ISO date as a Discord timestamp (shown in each reader's locale), else the text."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return safe(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return discord.utils.format_dt(moment, "D")


# Embeds ----------------------------------------------------------------------------------------


def fit_embed(embed: discord.Embed, *, link: str | None = None) -> discord.Embed:
    """Shrink the description (then the fields) until the embed is within the 6,000 total."""
    overflow = len(embed) - EMBED_TOTAL_LIMIT
    if overflow > 0 and embed.description:
        embed.description = clip(embed.description, max(1, len(embed.description) - overflow), link=link)
    while len(embed) > EMBED_TOTAL_LIMIT and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def add_field(embed: discord.Embed, name: str, value: str | None, *, inline: bool = True) -> None:
    if value:
        embed.add_field(name=clip(name, FIELD_NAME_LIMIT), value=clip(value, FIELD_LIMIT), inline=inline)


def article_embed(
    article: StoredArticle,
    *,
    with_marker: bool = False,
    discussion_thread_id: int | None = None,
) -> discord.Embed:
    """The summary card of an article: linked title, summary, site, date, people quoted. With
    `with_marker`, the footer carries `parley:article:<id>` (how a post is recognised after a crash)."""
    url = http_url(article.url or article.canonical_url)
    summary = " ".join(article.summary) if article.summary else ""
    embed = discord.Embed(
        title=clip(safe(article.title) or "Untitled", TITLE_LIMIT),
        url=url,
        description=clip(safe(summary), DESCRIPTION_LIMIT, link=url) or None,
        colour=COLOUR,
    )
    add_field(embed, "Site", safe(article.site_name))
    add_field(embed, "Published", format_date(article.published_at))
    if article.speakers:
        add_field(embed, "People quoted", ", ".join(safe(name) for name in article.speakers), inline=False)
    if discussion_thread_id is not None:
        add_field(embed, "Discussion", f"<#{discussion_thread_id}>", inline=False)
    if with_marker:
        embed.set_footer(text=clip(marker(article.id), FOOTER_LIMIT))
    return fit_embed(embed, link=url)


def jump_url(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def quote_embed(answer: Answer, *, guild_id: int, index: int, total: int) -> discord.Embed:
    """One answer to "who said ...": the quote, its speaker with role, the article or chat link."""
    article_url = http_url(answer.article_url)
    embed = discord.Embed(
        description=clip(f"“{safe(answer.quote)}”", DESCRIPTION_LIMIT, link=article_url),
        colour=COLOUR,
    )
    speaker = answer.speaker or "Unknown speaker"
    if answer.speaker_role:
        speaker = f"{speaker}, {answer.speaker_role}"
    embed.set_author(name=clip(speaker, AUTHOR_LIMIT))  # author names are plain text
    if answer.article_title or article_url:
        add_field(embed, "Article", masked_link(answer.article_title or "Read the article", article_url))
    if answer.source == "chat" and answer.channel_id and answer.message_id:
        jump = jump_url(guild_id, answer.channel_id, answer.message_id)
        add_field(embed, "Said in chat", f"[Jump to message]({jump})")
    if total > 1:
        embed.set_footer(text=f"Answer {index + 1} of {total}")
    return fit_embed(embed, link=article_url)


# Checks ----------------------------------------------------------------------------------------


def owner_only() -> Callable[[T], T]:
    """Only the application's owner (or team members) may run the command."""

    async def predicate(interaction: discord.Interaction) -> bool:
        client = interaction.client
        if isinstance(client, commands.Bot) and await client.is_owner(interaction.user):
            return True
        raise app_commands.CheckFailure("Only the bot's owner can do that.")

    return app_commands.check(predicate)


def guild_id_of(interaction: discord.Interaction) -> int:
    """The guild whose data a command reads and writes; commands are guild-only, so one is there."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage("This command only works in a server.")
    return interaction.guild_id


# Errors ----------------------------------------------------------------------------------------


def _permission_names(names: list[str]) -> str:
    return ", ".join(name.replace("_", " ").replace("guild", "server").title() for name in names)


def describe_error(error: BaseException) -> tuple[str, bool]:
    """The plain-words message for a failed interaction, and whether it is a bug worth a traceback."""
    if isinstance(error, app_commands.CommandInvokeError):
        return describe_error(error.original)
    if isinstance(error, app_commands.TransformerError):
        cause = error.__cause__
        if isinstance(cause, (UserError, *USER_ERRORS)):
            return safe(str(cause)), False
        return f"I could not understand the value “{safe(str(error.value))}”.", False
    if isinstance(error, (UserError, *USER_ERRORS)):
        return safe(str(error)), False
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {_permission_names(error.missing_permissions)} permission to do that.", False
    if isinstance(error, app_commands.BotMissingPermissions):
        return f"I need the {_permission_names(error.missing_permissions)} permission here.", False
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server.", False
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s.", False
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You cannot use this command here.", False
    if isinstance(error, discord.Forbidden):
        return "Discord did not let me do that here: I am missing a permission in this channel.", False
    if isinstance(error, discord.NotFound):
        return "That channel or message no longer exists.", False
    if isinstance(error, discord.HTTPException):
        return "Discord answered with an error; please try again in a moment.", True
    return "Something went wrong on my side. The error is logged for the admins.", True


async def defer_public(interaction: discord.Interaction) -> None:
    """Acknowledge a slow command whose answer is for the whole channel ("Parley is thinking…")."""
    interaction.extras[_PUBLIC_DEFER] = True
    await interaction.response.defer(thinking=True)


async def reply_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer privately: a first response if none was sent yet, else a follow-up.

    After a public deferral, Discord turns the first follow-up into the public "thinking" message,
    whatever its flags; so that message is completed and deleted first, and the private answer is
    then a follow-up of its own."""
    text = clip_content(text)
    if not interaction.response.is_done():
        await interaction.response.send_message(text, ephemeral=True)
        return
    if interaction.extras.pop(_PUBLIC_DEFER, False):
        try:
            await interaction.edit_original_response(content=ELLIPSIS)
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.debug("could not remove the public placeholder", exc_info=True)
    await interaction.followup.send(text, ephemeral=True)


class ParleyTree(app_commands.CommandTree):
    """The one error handler for every slash command, context menu and autocomplete: the member gets
    a private answer in plain words, the log gets the traceback (for bugs)."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        message, is_bug = describe_error(error)
        command = interaction.command.qualified_name if interaction.command else "?"
        if is_bug:
            log.error("command %s failed", command, exc_info=error)
        else:
            log.info("command %s refused: %s", command, message)
        if interaction.type is discord.InteractionType.autocomplete:
            return  # autocomplete has no way to show a message
        try:
            await reply_ephemeral(interaction, message)
        except discord.HTTPException:
            log.warning("could not tell the member that %s failed", command, exc_info=True)
