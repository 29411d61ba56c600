"""Who said what: `/who`, `/quotes`, the "Save as quote" message menu and `/unquote`.

A saved chat quote belongs to the member who said it, not to whoever saved it: only the quoted
member can delete it, with `/unquote message:<link or id>` (one quote) or `/unquote everything:True`
(all of their saved quotes in this server).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.quotes.ask import Answer
from bot.store.quotes import DeleteOutcome, SpeakerProfile, StoredQuote
from cogs.common import (
    UserError,
    clip,
    defer_public,
    describe_error,
    guild_id_of,
    quote_embed,
    reply_ephemeral,
    safe,
)

if TYPE_CHECKING:
    from bot.app import ParleyBot

log = logging.getLogger(__name__)

PAGER_TIMEOUT_S = 300.0
SPEAKER_QUOTES = 10
AUTOCOMPLETE_LIMIT = 25
CHOICE_NAME_LIMIT = 100
_MESSAGE_LINK = re.compile(r"(?:channels/\d+/\d+/)?(\d{15,22})/?\s*$")

I_DONT_KNOW = (
    "I don't know. I found nobody saying that in this server's articles or saved quotes; "
    "try other words, or a name."
)


class AnswerPager(discord.ui.View):
    """Pages through answers. Only the member who asked may page (others are told so privately);
    when the view times out its buttons are removed from the message."""

    def __init__(self, answers: list[Answer], *, asker_id: int, guild_id: int) -> None:
        super().__init__(timeout=PAGER_TIMEOUT_S)
        self.answers = answers
        self.asker_id = asker_id
        self.guild_id = guild_id
        self.index = 0
        self.interaction: discord.Interaction | None = None  # the command, to edit its response
        self._sync_buttons()

    def embed(self) -> discord.Embed:
        return quote_embed(
            self.answers[self.index], guild_id=self.guild_id, index=self.index, total=len(self.answers)
        )

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.more.disabled = self.index >= len(self.answers) - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.asker_id:
            return True
        await interaction.response.send_message(
            "Only the member who asked can page through these answers; ask your own with /who.",
            ephemeral=True,
        )
        return False

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(
        self, interaction: discord.Interaction, button: discord.ui.Button[AnswerPager]
    ) -> None:
        self.index = max(0, self.index - 1)
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    @discord.ui.button(label="More", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerPager]) -> None:
        self.index = min(len(self.answers) - 1, self.index + 1)
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[AnswerPager]
    ) -> None:
        """Buttons are outside the command tree: answer like its error handler does."""
        message, is_bug = describe_error(error)
        if is_bug:
            log.error("answer paging failed", exc_info=error)
        try:
            await reply_ephemeral(interaction, message)
        except discord.HTTPException:
            log.warning("could not report a paging error", exc_info=True)

    async def on_timeout(self) -> None:
        if self.interaction is None:
            return
        try:
            await self.interaction.edit_original_response(view=None)
        except discord.HTTPException:
            log.debug("could not remove the answer buttons", exc_info=True)


def _answer_from_quote(quote: StoredQuote, profile: SpeakerProfile | None) -> Answer:
    return Answer(
        quote_id=quote.id,
        quote=quote.text,
        speaker=quote.speaker,
        speaker_role=profile.role if profile is not None else None,
        article_id=quote.article_id,
        article_title=quote.article_title,
        article_url=quote.article_url,
        score=1.0,
        source=quote.source,
        message_id=quote.message_id,
        channel_id=quote.channel_id,
    )


def parse_message_ref(text: str) -> int:
    """A message id from a message link ("Copy Message Link") or a bare id."""
    match = _MESSAGE_LINK.search(text.strip())
    if match is None:
        raise UserError("Give a message link (right-click the message, Copy Message Link) or a message id.")
    return int(match.group(1))


class QuotesCog(commands.Cog):
    def __init__(self, bot: ParleyBot) -> None:
        self.bot = bot
        self.services = bot.services
        self.save_menu = app_commands.ContextMenu(name="Save as quote", callback=self.save_quote)
        self.save_menu.guild_only = True

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.save_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.save_menu.name, type=self.save_menu.type)

    async def _send_answers(
        self, interaction: discord.Interaction, answers: list[Answer], guild_id: int
    ) -> None:
        pager = AnswerPager(answers, asker_id=interaction.user.id, guild_id=guild_id)
        if len(answers) == 1:
            await interaction.followup.send(embed=pager.embed())
            return
        pager.interaction = interaction
        await interaction.followup.send(embed=pager.embed(), view=pager)

    @app_commands.command(name="who", description="Ask who said something, or what someone said")
    @app_commands.guild_only()
    @app_commands.describe(question="For example: who said the bridge would reopen on Monday?")
    async def who(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 300]) -> None:
        guild_id = guild_id_of(interaction)
        await defer_public(interaction)
        answers = await self.services.asker.ask(guild_id, question)
        if not answers:
            await interaction.followup.send(I_DONT_KNOW)
            return
        await self._send_answers(interaction, answers, guild_id)

    @app_commands.command(name="quotes", description="Quotes of one speaker, optionally about a topic")
    @app_commands.guild_only()
    @app_commands.describe(speaker="Start typing a name", topic="Only quotes about this")
    async def quotes(
        self,
        interaction: discord.Interaction,
        speaker: str,
        topic: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        await defer_public(interaction)
        repo = self.services.quotes
        profile = await self._resolve_speaker(guild_id, speaker)
        if topic:
            found = await self.services.asker.ask(guild_id, f"what did {profile.name} say about {topic}")
            answers = [a for a in found if a.speaker in (profile.name, profile.canonical_name)]
        else:
            ids = await repo.recent_quote_ids(guild_id, [profile.id], SPEAKER_QUOTES)
            stored = sorted(await repo.quotes_by_ids(guild_id, ids), key=lambda q: -q.id)
            answers = [_answer_from_quote(q, profile) for q in stored]
        if not answers:
            about = f" about “{safe(topic)}”" if topic else ""
            await interaction.followup.send(f"I have no quotes of {safe(profile.name)}{about}.")
            return
        await self._send_answers(interaction, answers, guild_id)

    async def _resolve_speaker(self, guild_id: int, value: str) -> SpeakerProfile:
        """The autocomplete sends a speaker id; a name typed without picking is searched."""
        repo = self.services.quotes
        if value.isdigit():
            profiles = await repo.speaker_profiles(guild_id, [int(value)])
            if profiles:
                return profiles[0]
        found = await repo.search_speakers(guild_id, value, limit=1)
        if not found:
            raise UserError(f"I know no speaker called “{safe(value)}” in this server.")
        return found[0]

    @quotes.autocomplete("speaker")
    async def speaker_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        profiles = await self.services.quotes.search_speakers(
            interaction.guild_id, current, limit=AUTOCOMPLETE_LIMIT
        )
        choices = []
        for profile in profiles[:AUTOCOMPLETE_LIMIT]:
            label = profile.name if not profile.role else f"{profile.name} ({profile.role})"
            choices.append(app_commands.Choice(name=clip(label, CHOICE_NAME_LIMIT), value=str(profile.id)))
        return choices

    async def save_quote(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Message menu "Save as quote": the message becomes a quote by its author."""
        guild_id = guild_id_of(interaction)
        if message.author.bot or message.webhook_id is not None:
            raise UserError("Only members' own messages can be saved as quotes.")
        text = message.content.strip()
        if not text:
            raise UserError("That message has no text to save.")
        saved = await self.services.quotes.add_chat_quote(
            guild_id,
            message.channel.id,
            message.id,
            message.author.id,
            message.author.display_name,
            text,
            interaction.user.id,
        )
        who = safe(message.author.display_name)
        if not saved.created:
            await interaction.response.send_message(
                f"That message of {who} is already saved.", ephemeral=True
            )
            return
        await interaction.response.send_message(
            f"Saved as a quote by {who}. They can remove it with /unquote.", ephemeral=True
        )

    @app_commands.command(name="unquote", description="Remove a saved quote of yours")
    @app_commands.guild_only()
    @app_commands.describe(
        message="Link or id of your message that was saved",
        everything="Remove all of your saved quotes in this server",
    )
    async def unquote(
        self, interaction: discord.Interaction, message: str | None = None, everything: bool = False
    ) -> None:
        guild_id = guild_id_of(interaction)
        repo = self.services.quotes
        if everything:
            count = await repo.delete_chat_quotes_by_author(guild_id, interaction.user.id)
            plural = "quote" if count == 1 else "quotes"
            await interaction.response.send_message(
                f"Removed {count} saved {plural} of yours.", ephemeral=True
            )
            return
        if message is None:
            raise UserError("Give the link of your saved message, or choose everything.")
        outcome = await repo.delete_chat_quote(guild_id, parse_message_ref(message), interaction.user.id)
        answer = {
            DeleteOutcome.DELETED: "Removed that quote.",
            DeleteOutcome.NOT_FOUND: "That message is not saved as a quote here.",
            DeleteOutcome.FORBIDDEN: "Only the member who said it can remove that quote.",
        }[outcome]
        await interaction.response.send_message(answer, ephemeral=True)


async def setup(bot: ParleyBot) -> None:
    await bot.add_cog(QuotesCog(bot))
