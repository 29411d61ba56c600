"""Indexing an article's extraction into the quote store.

The extraction engine and the store do not know each other: this module is the one translation
between `Extraction` (what the engine found in one article) and the store's records. Re-indexing an
article replaces its quotes, so ingesting the same article twice never duplicates them.

A quote's context is stored as the writer's words around it, with the quoted words themselves left
out ("Marsh called the closure “...” on Monday."): the quote is indexed on its own, so indexing it a
second time inside its sentence would only cost index size and build time (about a third of the
words indexed), and a word of the quote already counts as a word of the quote when answering.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.quotes.model import Extraction
from bot.store.db import Database
from bot.store.quotes import LEAD_SEPARATOR, ArticleQuotes, QuoteRecord, QuoteRepo, SpeakerRecord

log = logging.getLogger(__name__)

# Quotes written per transaction on the bulk path: large enough that per-transaction costs vanish,
# small enough that the write lock is released now and then for other writers.
BULK_QUOTES_PER_TRANSACTION = 20_000


def article_quotes(article_id: int, extraction: Extraction) -> ArticleQuotes:
    speakers = tuple(
        SpeakerRecord(
            canonical=s.canonical, kind=s.kind, aliases=tuple(s.aliases), roles=(*s.roles, *s.notes)
        )
        for s in extraction.speakers
        if s.canonical.strip()
    )
    quotes = tuple(
        QuoteRecord(
            text=q.text,
            speaker=q.speaker,
            speaker_mention=q.speaker_mention,
            start=q.start,
            end=q.end,
            cue=q.cue,
            partial=q.partial,
            named=q.named,
            context=_with_lead(q.lead, surroundings(q.context, q.text)),
        )
        for q in extraction.quotes
        if q.text.strip()
    )
    return ArticleQuotes(article_id=article_id, quotes=quotes, speakers=speakers)


def _with_lead(lead: str, sentence: str) -> str:
    lead = " ".join(lead.split())
    return f"{lead}{LEAD_SEPARATOR}{sentence}" if lead else sentence


def surroundings(context: str, quote: str) -> str:
    """The sentence around a quote without the quote: its first occurrence becomes '...'."""
    quote = quote.strip()
    if not quote or quote not in context:
        return context
    return " ".join(context.replace(quote, "...", 1).split())


async def index_article(
    db: Database, guild_id: int, article_id: int, extraction: Extraction, *, repo: QuoteRepo | None = None
) -> int:
    """Store one article's quotes and speakers (replacing any stored before); returns the quote count."""
    repo = repo or QuoteRepo(db)
    written = await repo.replace_article_quotes(guild_id, [article_quotes(article_id, extraction)])
    log.debug("indexed %s quotes of article %s (guild %s)", written, article_id, guild_id)
    return written


async def index_articles(
    db: Database,
    guild_id: int,
    items: Iterable[tuple[int, Extraction]],
    *,
    repo: QuoteRepo | None = None,
    quotes_per_transaction: int = BULK_QUOTES_PER_TRANSACTION,
) -> int:
    """The bulk path (backfills, benchmarks): many articles per transaction; returns the quote count."""
    repo = repo or QuoteRepo(db)
    total = 0
    batch: list[ArticleQuotes] = []
    pending = 0
    for article_id, extraction in items:
        batch.append(article_quotes(article_id, extraction))
        pending += len(extraction.quotes)
        if pending >= quotes_per_transaction:
            total += await repo.replace_article_quotes(guild_id, batch)
            batch, pending = [], 0
    if batch:
        total += await repo.replace_article_quotes(guild_id, batch)
    return total
