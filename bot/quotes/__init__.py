"""Who said what: quotations of an article with their speakers, offline and rule-based."""

from __future__ import annotations

from bot.quotes.aliases import clear_name_cache
from bot.quotes.extract import clear_word_cache, extract
from bot.quotes.mentions import clear_phrase_cache
from bot.quotes.model import Extraction, Quote, Speaker, quote_to_json

__all__ = ["Extraction", "Quote", "Speaker", "clear_caches", "extract_quotes", "quote_to_json"]


def extract_quotes(text: str) -> Extraction:
    """Every direct quotation in ``text`` with its speaker, and the article's speakers."""
    return extract(text)


def clear_caches() -> None:
    """Forget the phrase and name readings kept between calls, so that a benchmark times an
    article as if it were the first one the process reads."""
    clear_phrase_cache()
    clear_name_cache()
    clear_word_cache()
