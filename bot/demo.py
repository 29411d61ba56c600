"""The offline demo: Parley's real feed, fetch, extraction, summary and quote code on bundled samples.

The sample articles (written for Parley; every person in them is made up) and their RSS feed are
served from a local HTTP server on 127.0.0.1, so the demo exercises the same path a real feed takes.
The demo's fetcher is allowed to reach loopback because that is where its own server is; the
setting stays off everywhere else.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from importlib import resources
from pathlib import Path
from typing import TextIO

from aiohttp import web

from bot.services import Services, open_services
from bot.settings import Settings

GUILD = 0
_DATA = "demo_data"


def _data_text(name: str) -> str:
    return resources.files("bot").joinpath(_DATA, name).read_text(encoding="utf-8")


def sample_questions() -> list[str]:
    lines = _data_text("questions.txt").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@dataclasses.dataclass(frozen=True)
class DemoSite:
    base: str

    @property
    def feed_url(self) -> str:
        return f"{self.base}/feed.xml"


@asynccontextmanager
async def serve_demo_site(now: datetime | None = None) -> AsyncIterator[DemoSite]:
    """Serve the sample feed and articles on 127.0.0.1 (a free port) until the block ends."""
    now = now or datetime.now(UTC)
    state: dict[str, str] = {}

    async def feed(request: web.Request) -> web.Response:
        dates = {f"date_{i}": format_datetime(now - timedelta(hours=4 - i)) for i in (1, 2, 3)}
        body = _data_text("feed.xml").format(base=state["base"], **dates)
        return web.Response(text=body, content_type="application/rss+xml")

    async def article(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        try:
            body = _data_text(f"{name}.html")
        except (FileNotFoundError, OSError):
            raise web.HTTPNotFound() from None
        return web.Response(text=body, content_type="text/html")

    app = web.Application()
    app.router.add_get("/feed.xml", feed)
    app.router.add_get("/news/{name:[a-z0-9-]+}.html", article)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state["base"] = f"http://127.0.0.1:{port}"
    try:
        yield DemoSite(base=state["base"])
    finally:
        await runner.cleanup()


async def run_demo(settings: Settings, keep_db: bool = False, out: TextIO | None = None) -> int:
    """Serve, ingest and print. Uses a throwaway database unless `--db` was given."""
    out = out or sys.stdout
    with tempfile.TemporaryDirectory(prefix="parley-demo-") as tmp:
        db_path = settings.database.path if keep_db else str(Path(tmp) / "demo.db")
        demo_settings = dataclasses.replace(
            settings.with_database(db_path),
            fetch=dataclasses.replace(settings.fetch, allow_private=True),
        )
        async with serve_demo_site() as site, open_services(demo_settings) as services:
            return await _demo(services, site, out)


async def _demo(services: Services, site: DemoSite, out: TextIO) -> int:
    print("Parley offline demo", file=out)
    print(f"Sample feed served at {site.feed_url}\n", file=out)
    from bot.cli import ingest_feed

    run = await ingest_feed(services, GUILD, site.feed_url, backfill=10)
    if run.error:
        print(f"error: {run.error}", file=out)
    stored = [o for o in run.outcomes if o.status == "stored" and o.article_id is not None]
    for outcome in run.outcomes:
        if outcome.status != "stored":
            print(f"skipped {outcome.link}: {outcome.reason}", file=out)
    for outcome in stored:
        assert outcome.article_id is not None
        article = await services.articles.get(GUILD, outcome.article_id)
        if article is None:
            continue
        _print_post(article, out)
        quotes = await services.quotes.for_article(GUILD, article.id)
        print(f"  Quotes found ({len(quotes)}):", file=out)
        for quote in quotes:
            who = quote.speaker or "unnamed source"
            print(f"    “{quote.text}” — {who}", file=out)
        print(file=out)

    print("Questions", file=out)
    for question in sample_questions():
        answers = await services.asker.ask(GUILD, question, limit=1)
        print(f"  ? {question}", file=out)
        if not answers:
            print("    I don't know.", file=out)
            continue
        best = answers[0]
        role = f", {best.speaker_role}" if best.speaker_role else ""
        print(f"    “{best.quote}” — {best.speaker or 'unnamed source'}{role}", file=out)
        print(f"    ({best.article_title}, score {best.score:.2f})", file=out)
    print(
        f"\n{len(stored)} articles stored. Keep the data with `parley --db data/demo.db demo`, then "
        "ask more with `parley --db data/demo.db ask \"who said ...?\"`.",
        file=out,
    )
    return 0 if stored and not run.error else 1


def _print_post(article: object, out: TextIO) -> None:
    from bot.store.articles import StoredArticle

    assert isinstance(article, StoredArticle)
    site = article.site_name or "article"
    date = (article.published_at or "")[:10]
    print(f"━━ {site}{' · ' + date if date else ''} ━━", file=out)
    print(f"  {article.title}", file=out)
    if article.url:
        print(f"  {article.url}", file=out)
    for sentence in article.summary:
        print(f"  • {sentence}", file=out)
    if article.speakers:
        print(f"  People quoted: {', '.join(article.speakers)}", file=out)
