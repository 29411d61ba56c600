"""Article summaries: offline extractive by default, an OpenAI-compatible LLM when configured."""

from bot.summarize.extractive import SummaryOptions, summarize_extractive
from bot.summarize.llm import LLMConfig
from bot.summarize.summarizer import Summarizer, Summary

__all__ = ["LLMConfig", "Summarizer", "Summary", "SummaryOptions", "summarize_extractive"]
