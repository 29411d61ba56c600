"""Who said what: quotations of an article with their speakers, offline and rule-based."""

from __future__ import annotations

from bot.quotes.aliases import clear_name_cache
from bot.quotes.extract import clear_word_cache, extract_with_starts
from bot.quotes.leads import add_leads
from bot.quotes.mentions import clear_phrase_cache
from bot.quotes.model import Extraction, Quote, Speaker, quote_to_json
from bot.quotes.notes import add_notes
from bot.quotes.tokens import raw_sentence_starts

__all__ = [
    "Extraction", "Quote", "Speaker", "clear_caches", "extract_quotes", "quote_to_json", "with_surroundings"
]  # fmt: skip


def extract_quotes(text: str) -> Extraction:
    """Every direct quotation in ``text`` with its speaker, and the article's speakers."""
    extraction, starts = extract_with_starts(text)
    if not extraction.quotes:
        return extraction
    return with_surroundings(text, extraction, starts)


def with_surroundings(text: str, extraction: Extraction, starts: list[int] | None = None) -> Extraction:
    """An extraction with what the writer says around its quotes: each speaker's notes ("who led
    the trial") and each quote's lead-in sentence. Separate from `extract`, so that any list of
    quotes of an article (the evaluation's labelled ones too) gets the same. `starts`: the text's
    sentence starts, when the caller has them."""
    if starts is None:
        starts = raw_sentence_starts(text)
    return add_leads(text, add_notes(text, extraction, starts), starts)


def clear_caches() -> None:
    """Forget the phrase and name readings kept between calls, so that a benchmark times an
    article as if it were the first one the process reads."""
    clear_phrase_cache()
    clear_name_cache()
    clear_word_cache()
