"""The summariser the rest of the bot uses: the LLM when configured, the extractive summary otherwise.

Why one class: the pipeline, the CLI and the cogs all need "a summary for this article" and must not each
decide about backends and fallbacks. The result records how it was made, so a post can say so and logs
show how often the LLM fails.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp

from bot.summarize.extractive import SummaryOptions, summarize_extractive
from bot.summarize.llm import LLMConfig, LLMError, request_llm_summary

__all__ = ["Summarizer", "Summary"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Summary:
    """Summary sentences in reading order; ``method`` is "extractive", "llm" or "llm-fallback"."""

    sentences: tuple[str, ...]
    method: str


class Summarizer:
    """Summarises articles with the configured backend, falling back to extractive on any LLM failure.

    Pass the bot's shared ``session`` to reuse connections; without one, each LLM request opens and
    closes its own.
    """

    def __init__(
        self,
        options: SummaryOptions | None = None,
        llm: LLMConfig | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._options = options if options is not None else SummaryOptions()
        self._llm = llm
        self._session = session

    @property
    def options(self) -> SummaryOptions:
        return self._options

    async def summarize(self, text: str, title: str | None = None) -> Summary:
        """Summarise with the LLM if one is configured; the extractive summary otherwise or on failure."""
        if self._llm is None or not text.strip():
            return self.summarize_sync(text, title)
        try:
            sentences = await self._ask_llm(self._llm, text, title)
        except LLMError as exc:
            log.warning("LLM summary from %s failed (%s); using the extractive summary", self._llm.model, exc)
            return Summary(tuple(summarize_extractive(text, self._options, title)), "llm-fallback")
        return Summary(tuple(sentences), "llm")

    def summarize_sync(self, text: str, title: str | None = None) -> Summary:
        """Extractive summary only: no I/O, for the CLI batch path and as the fallback."""
        return Summary(tuple(summarize_extractive(text, self._options, title)), "extractive")

    async def _ask_llm(self, config: LLMConfig, text: str, title: str | None) -> list[str]:
        if self._session is not None:
            return await request_llm_summary(self._session, config, text, title, self._options)
        async with aiohttp.ClientSession() as session:
            return await request_llm_summary(session, config, text, title, self._options)
