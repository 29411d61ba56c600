"""The composition root of the core: every service built once from Settings and closed together.

The CLI and `bot/app.py` both open services here, so a service is never built twice or wired two
ways. Nothing here knows about Discord.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.comments import CommentService
from bot.news.feeds import FeedPoller
from bot.news.fetch import Fetcher
from bot.pipeline import Pipeline
from bot.quotes.ask import QuoteAsker
from bot.scheduler import FeedScheduler
from bot.settings import Settings
from bot.store.articles import ArticleRepo
from bot.store.db import Database
from bot.store.feeds import FeedRepo
from bot.store.outbox import OutboxRepo
from bot.store.quotes import QuoteRepo
from bot.store.threads import ThreadRepo
from bot.summarize import LLMConfig, Summarizer, SummaryOptions


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    fetcher: Fetcher
    summarizer: Summarizer
    pipeline: Pipeline
    articles: ArticleRepo
    threads: ThreadRepo
    feeds: FeedRepo
    poller: FeedPoller
    outbox: OutboxRepo
    scheduler: FeedScheduler
    quotes: QuoteRepo
    asker: QuoteAsker
    comments: CommentService


def build_summarizer(settings: Settings) -> Summarizer:
    s = settings.summary
    options = SummaryOptions(
        max_words=s.max_words, max_sentences=s.max_sentences, min_sentences=s.min_sentences
    )
    llm = None
    if s.backend == "llm":
        llm = LLMConfig(
            base_url=s.llm_url,
            model=s.llm_model,
            api_key=s.llm_api_key or None,
            timeout_s=s.llm_timeout_s,
        )
    return Summarizer(options, llm)


@asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[Services]:
    """Open the database and HTTP client, build the services, and close both on the way out
    (also on Ctrl-C or a crash inside the block)."""
    db = await Database.open(settings.database.path)
    try:
        async with Fetcher(settings.fetch) as fetcher:
            summarizer = build_summarizer(settings)
            articles = ArticleRepo(db)
            feeds = FeedRepo(db)
            pipeline = Pipeline(db, fetcher, summarizer, articles)
            poller = FeedPoller(db, fetcher, settings.feeds)
            outbox = OutboxRepo(db)
            scheduler = FeedScheduler(
                feeds, poller, pipeline, outbox, settings.feeds, fetcher=fetcher, summarizer=summarizer
            )
            threads = ThreadRepo(db)
            comments = CommentService(db, threads=threads, articles=articles)
            services = Services(
                settings=settings,
                db=db,
                fetcher=fetcher,
                summarizer=summarizer,
                pipeline=pipeline,
                articles=articles,
                threads=threads,
                feeds=feeds,
                poller=poller,
                outbox=outbox,
                scheduler=scheduler,
                quotes=QuoteRepo(db),
                asker=QuoteAsker(db, settings.quotes),
                comments=comments,
            )
            try:
                yield services
            finally:
                await comments.close()  # commit queued comments before the database closes
    finally:
        await db.close()
