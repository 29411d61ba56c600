"""Who said what: quotations of an article with their speakers, offline and rule-based."""

from __future__ import annotations

from bot.quotes.extract import extract
from bot.quotes.model import Extraction, Quote, Speaker, quote_to_json

__all__ = ["Extraction", "Quote", "Speaker", "extract_quotes", "quote_to_json"]


def extract_quotes(text: str) -> Extraction:
    """Every direct quotation in ``text`` with its speaker, and the article's speakers."""
    return extract(text)
