"""`parley`: run the bot, the offline demo, or work with articles, summaries and quotes from a shell.

The command forms below are relied on by tooling; keep them stable. Output meant for programs goes to
stdout (JSON lines where asked); progress and errors go to stderr, and a failure exits non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.settings import ConfigError, Settings, load_settings

log = logging.getLogger("parley")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


class CLIError(Exception):
    """A failure to report on one line of stderr (no traceback): bad input, unreachable host, ..."""


# ---------------------------------------------------------------------------------------------
# Small helpers


@dataclass(frozen=True)
class JsonRecord:
    line_no: int
    data: dict[str, Any]


def read_jsonl(path: str, errors: list[str]) -> Iterator[JsonRecord]:
    """Yield the JSON objects of a JSONL file ('-' for stdin). A bad line is reported with its line
    number in `errors` and skipped, so one broken record never loses the rest."""
    try:
        handle: TextIO = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise CLIError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"{path}:{line_no}: invalid JSON ({exc.msg})")
                continue
            if not isinstance(data, dict):
                errors.append(f"{path}:{line_no}: expected a JSON object")
                continue
            yield JsonRecord(line_no, data)


class Progress:
    """A counter on stderr for long runs; silent when stderr is not a terminal except every 100."""

    def __init__(self, label: str, total: int | None = None) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self._tty = sys.stderr.isatty()

    def step(self) -> None:
        self.done += 1
        of = f"/{self.total}" if self.total else ""
        if self._tty:
            print(f"\r{self.label}: {self.done}{of}", end="", file=sys.stderr, flush=True)
        elif self.done % 100 == 0:
            print(f"{self.label}: {self.done}{of}", file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self._tty and self.done:
            print(file=sys.stderr)


def _count_lines(path: str) -> int | None:
    if path == "-":
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            return sum(1 for line in fh if line.strip())
    except OSError:
        return None


def _record_text(record: dict[str, Any]) -> str | None:
    for key in ("text", "article"):
        value = record.get(key)
        if isinstance(value, str):
            return value
    return None


def _is_url(source: str) -> bool:
    return "://" in source or source.startswith(("http:", "https:"))


# ---------------------------------------------------------------------------------------------
# Commands


async def cmd_article(settings: Settings, args: argparse.Namespace) -> int:
    from bot.news.extract import load_article
    from bot.news.fetch import Fetcher

    async with Fetcher(settings.fetch) as fetcher:
        article = await load_article(args.source, fetcher)
    if args.json:
        print(
            json.dumps(
                {
                    "title": article.title,
                    "text": article.text,
                    "url": article.canonical_url or article.url,
                    "published": article.published,
                    "author": article.author,
                    "language": article.language,
                },
                ensure_ascii=False,
            )
        )
    else:
        print(article.title)
        meta = [m for m in (article.author, article.site_name, article.published) if m]
        if meta:
            print(" · ".join(meta))
        if article.canonical_url or article.url:
            print(article.canonical_url or article.url)
        print()
        print(article.text)
    return EXIT_OK


async def cmd_summarize(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import build_summarizer

    summarizer = build_summarizer(settings)
    if args.input:
        errors: list[str] = []
        progress = Progress("summarised", _count_lines(args.input))
        for record in read_jsonl(args.input, errors):
            text = _record_text(record.data)
            if text is None:
                errors.append(f"{args.input}:{record.line_no}: no \"article\" or \"text\" field")
                continue
            title = record.data.get("title") if isinstance(record.data.get("title"), str) else None
            summary = await summarizer.summarize(text, title)
            out = {"id": record.data.get("id"), "summary": "\n".join(summary.sentences)}
            print(json.dumps(out, ensure_ascii=False), flush=False)
            progress.step()
        progress.finish()
        sys.stdout.flush()
        for error in errors:
            print(error, file=sys.stderr)
        return EXIT_ERROR if errors else EXIT_OK
    if not args.source:
        raise CLIError("give a URL or HTML file to summarise, or --input FILE.jsonl")
    from bot.news.extract import load_article
    from bot.news.fetch import Fetcher

    async with Fetcher(settings.fetch) as fetcher:
        article = await load_article(args.source, fetcher)
    summary = await summarizer.summarize(article.text, article.title)
    print(article.title)
    if article.canonical_url or article.url:
        print(article.canonical_url or article.url)
    print()
    for sentence in summary.sentences:
        print(f"• {sentence}")
    return EXIT_OK


async def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from bot.news.model import Article
    from bot.services import open_services

    errors: list[str] = []
    async with open_services(settings) as services:
        if args.input:
            progress = Progress("ingested", _count_lines(args.input))
            for record in read_jsonl(args.input, errors):
                data = record.data
                text = _record_text(data)
                if not text or not text.strip():
                    errors.append(f"{args.input}:{record.line_no}: skipped: empty or missing \"text\"")
                    continue
                title = data.get("title") if isinstance(data.get("title"), str) else ""
                url = data.get("url") if isinstance(data.get("url"), str) else None
                published = data.get("published") if isinstance(data.get("published"), str) else None
                article = Article.from_text(title or "", text, url=url, published=published)
                record_id = data.get("id")
                external_id = None if record_id is None else str(record_id)
                result = await services.pipeline.ingest_article(args.guild, article, external_id)
                _print_ingest(result, label=external_id)
                progress.step()
            progress.finish()
        elif args.url:
            result = await services.pipeline.ingest_url(args.guild, args.url)
            _print_ingest(result, label=args.url)
        else:
            run = await ingest_feed(services, args.guild, args.feed, backfill=args.backfill)
            for outcome in run.outcomes:
                if outcome.status == "stored":
                    print(f"stored {outcome.link}: article {outcome.article_id}")
                else:
                    print(f"skipped {outcome.link}: {outcome.status}: {outcome.reason}")
            if run.skipped_on_poll:
                print(f"{run.skipped_on_poll} entries recorded without ingesting (seen, too old or no link)")
            if run.seeded and not run.outcomes:
                print(
                    "feed added: its current entries are marked seen; new entries are ingested from "
                    "the next poll (use --backfill N to take the newest N now)"
                )
            if run.error:
                errors.append(f"{args.feed}: {run.error}")
    for error in errors:
        print(error, file=sys.stderr)
    return EXIT_ERROR if errors else EXIT_OK


async def ingest_feed(services: Any, guild_id: int, url: str, backfill: int = 0) -> Any:
    """Follow the feed (once) in this guild without a channel, then poll and ingest it now."""
    from datetime import UTC, datetime

    existing = [f for f in await services.feeds.find(guild_id, url) if f.channel_id is None]
    feed = existing[0] if existing else await services.poller.add(guild_id, url)
    return await services.scheduler.run_feed(feed.id, now=datetime.now(UTC), backfill=backfill)


def _print_ingest(result: Any, label: str | None) -> None:
    name = f"{label}: " if label else ""
    if result.status == "stored":
        print(f"stored {name}article {result.article_id}, {result.quotes} quotes — {result.title}")
    else:
        print(f"skipped {name}{result.reason}")


async def cmd_quotes_extract(settings: Settings, args: argparse.Namespace) -> int:
    from bot.quotes import extract_quotes, quote_to_json

    errors: list[str] = []
    progress = Progress("extracted", _count_lines(args.input))
    for record in read_jsonl(args.input, errors):
        text = _record_text(record.data)
        if text is None:
            errors.append(f"{args.input}:{record.line_no}: no \"text\" field")
            continue
        extraction = extract_quotes(text)
        out = {"id": record.data.get("id"), "quotes": [quote_to_json(q) for q in extraction.quotes]}
        print(json.dumps(out, ensure_ascii=False))
        progress.step()
    progress.finish()
    for error in errors:
        print(error, file=sys.stderr)
    return EXIT_ERROR if errors else EXIT_OK


def _answer_json(answer: Any) -> dict[str, Any]:
    return {
        "quote": answer.quote,
        "speaker": answer.speaker,
        "article_id": answer.article_id,
        "article_title": answer.article_title,
        "score": round(float(answer.score), 4),
    }


async def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import open_services

    errors: list[str] = []
    async with open_services(settings) as services:
        if args.input:
            for record in read_jsonl(args.input, errors):
                question = record.data.get("ask")
                if not isinstance(question, str):
                    errors.append(f"{args.input}:{record.line_no}: no \"ask\" field")
                    continue
                answers = await services.asker.ask(args.guild, question)
                out = {"id": record.data.get("id"), "answers": [_answer_json(a) for a in answers]}
                print(json.dumps(out, ensure_ascii=False))
        else:
            if not args.question:
                raise CLIError('give a question, e.g. parley ask "who said ...?", or --input Q.jsonl')
            answers = await services.asker.ask(args.guild, args.question)
            if args.json:
                print(json.dumps({"answers": [_answer_json(a) for a in answers]}, ensure_ascii=False))
            else:
                print_answers(answers)
    for error in errors:
        print(error, file=sys.stderr)
    return EXIT_ERROR if errors else EXIT_OK


def print_answers(answers: list[Any], out: TextIO | None = None) -> None:
    out = out or sys.stdout
    if not answers:
        print("I don't know: no stored quote matches that question well enough.", file=out)
        return
    for rank, answer in enumerate(answers, start=1):
        who = answer.speaker or "an unnamed source"
        role = f" ({answer.speaker_role})" if getattr(answer, "speaker_role", None) else ""
        print(f"{rank}. “{answer.quote}” — {who}{role}", file=out)
        print(f"   in: {answer.article_title or 'chat'}  (score {answer.score:.2f})", file=out)


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.discord.token:
        print(
            "DISCORD_TOKEN is not set: running the offline demo instead of the bot.\n",
            file=sys.stderr,
        )
        from bot.demo import run_demo

        return await run_demo(settings, keep_db=args.db_given)
    from bot.app import run_bot

    return await run_bot(settings)


async def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return await run_demo(settings, keep_db=args.db_given)


async def cmd_sync_commands(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.discord.token:
        raise CLIError("DISCORD_TOKEN is not set: syncing commands needs the bot's token")
    from bot.app import sync_commands

    count = await sync_commands(settings, args.guild_id)
    where = f"guild {args.guild_id}" if args.guild_id else "globally"
    print(f"synced {count} commands {where}")
    return EXIT_OK


async def cmd_comments_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import open_services

    async with open_services(settings) as services:
        export = await services.comments.export_file(args.guild, args.article, args.format)
    if export is None:
        raise CLIError(f"there is no article {args.article} in guild {args.guild}")
    sys.stdout.write(export.data.decode("utf-8"))
    return EXIT_OK


async def cmd_db_info(settings: Settings, args: argparse.Namespace) -> int:
    from bot.store.db import Database

    async with Database.connect(settings.database.path) as db:
        print(f"database: {settings.database.path}")
        print(f"schema version: {await db.user_version()}")
        for table in ("articles", "quotes", "speakers", "feeds", "threads", "comments"):
            count = await db.fetchval(f"SELECT count(*) FROM {table}")
            print(f"{table}: {count}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# Argument parsing


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line and exits 2 (unknown commands, options)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="parley", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--config", type=Path, help="settings file (default: config/parley.toml)")
    parser.add_argument("--db", help="SQLite database file (overrides database.path)")
    parser.add_argument("--guild", type=int, default=0, help="guild id for ingest/ask (default 0: local)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("run", help="run the Discord bot (the offline demo without DISCORD_TOKEN)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help="offline demo on bundled sample articles served on 127.0.0.1")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("article", help="print the extracted article of a URL or HTML file")
    p.add_argument("source", help="URL or path of an HTML file")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_article)

    p = sub.add_parser("summarize", help="summarise a URL/HTML file, or a JSONL file of articles")
    p.add_argument("source", nargs="?", help="URL or path of an HTML file")
    p.add_argument("--input", help='JSONL file of {"id", "article"|"text"} records ("-" for stdin)')
    p.set_defaults(func=cmd_summarize)

    p = sub.add_parser("ingest", help="store articles with their summaries and quotes")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--input", help='JSONL of {"id","title","text","url"?,"published"?} ("-": stdin)')
    group.add_argument("--url", help="fetch and store one article")
    group.add_argument("--feed", help="poll an RSS/Atom feed and store its new entries")
    p.add_argument("--backfill", type=int, default=0, help="with --feed: also take the newest N entries")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("quotes", help="quote extraction")
    qsub = p.add_subparsers(dest="quotes_command", required=True, parser_class=_Parser)
    q = qsub.add_parser("extract", help="print the quotes of each JSONL record")
    q.add_argument("--input", required=True, help='JSONL of {"id","text"} records ("-" for stdin)')
    q.set_defaults(func=cmd_quotes_extract)

    p = sub.add_parser("ask", help="answer a question from the quote store")
    p.add_argument("question", nargs="?", help='e.g. "who said the bridge will give back an hour?"')
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--input", help='JSONL of {"id","ask"} records; prints {"id","answers"} lines')
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("sync-commands", help="register the slash commands with Discord")
    p.add_argument(
        "--guild", dest="guild_id", type=int, help="sync to one guild (instant) instead of globally"
    )
    p.set_defaults(func=cmd_sync_commands)

    p = sub.add_parser("comments", help="an article's comment section")
    csub = p.add_subparsers(dest="comments_command", required=True, parser_class=_Parser)
    c = csub.add_parser("export", help="print the article's comment tree as JSON (or JSON lines)")
    c.add_argument("article", type=int, help="article id (as printed by ingest)")
    c.add_argument("--format", choices=("json", "jsonl"), default="json")
    c.set_defaults(func=cmd_comments_export)

    p = sub.add_parser("db", help="database information")
    dsub = p.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    d = dsub.add_parser("info", help="schema version and row counts (migrates if needed)")
    d.set_defaults(func=cmd_db_info)
    return parser


def _load(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    if args.db:
        settings = settings.with_database(args.db)
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.db_given = bool(args.db)
    try:
        settings = _load(args)
    except ConfigError as exc:
        print(f"parley: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    level = logging.DEBUG if args.verbose else getattr(logging, settings.logging.level.upper())
    runs_bot = args.command == "run" and bool(settings.discord.token)
    if not runs_bot and not args.verbose:
        level = max(level, logging.WARNING)  # CLI output is for people and tools, not log lines
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(args.func(settings, args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        message = _user_message(exc)
        if message is None:
            raise
        print(f"parley: {message}", file=sys.stderr)
        return EXIT_ERROR


def _user_message(exc: BaseException) -> str | None:
    """The one-line message for errors a user can act on; None for bugs (shown with a traceback)."""
    from bot.app import BotStartError
    from bot.news.extract import ExtractionError
    from bot.news.feeds import FeedError
    from bot.news.fetch import FetchError
    from bot.store.db import StoreError

    known = (CLIError, ConfigError, StoreError, FetchError, ExtractionError, FeedError, BotStartError)
    if isinstance(exc, known):
        return str(exc)
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    return None


if __name__ == "__main__":
    sys.exit(main())


