"""The pieces of an end-to-end run: the bot as a real process, members acting through fakecord, and
looks into the bot's SQLite file (changed only while the bot is stopped, or before its first start
to register article threads through the project's own repositories).

The bot is started exactly as an operator starts it (`python -m bot.cli run`, settings from the
environment) and is observed only from outside: its log lines, the requests and frames fakecord
saw, and its database file. Nothing in the bot is patched, so a test that passes here passes
against the same code that runs on Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web

from bot.store.articles import ArticleRepo, NewArticle
from bot.store.db import Database
from bot.store.feeds import iso
from bot.store.threads import ThreadRepo
from tests.fakecord import FakecordConfig, FakeDiscord, Interaction, World
from tests.httpserver import LocalServer

JSON = dict[str, Any]

REPO = Path(__file__).resolve().parents[2]
# Log lines the bot writes at INFO level: bot.app's on_ready, and cogs.comments after every
# history catch-up. They are the only window into "the bot is ready" from outside the process.
READY_MARK = "connected as"
CATCH_UP_MARK = "comment catch-up:"
COMMENT_TYPES = (0, 19)  # DEFAULT and REPLY: the message types the bot keeps as comments
EPHEMERAL_FLAG = 1 << 6
LOADING_FLAG = 1 << 7
DEMO_ARTICLES = ("harbour-bridge", "library-robots", "river-festival")
DEMO_TITLES = {
    "harbour-bridge": "Lindmoor council approves new harbour bridge after heated debate",
    "library-robots": "Robots help sort a million books at Eastvale library",
    "river-festival": "River festival draws record crowd despite the rain",
}


class BotExited(RuntimeError):
    """The bot process ended while a test was waiting for it."""


# -- the bot process ------------------------------------------------------------------------------


def bot_env(fake: FakeDiscord, db_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a bot pointed at `fake`: token, endpoints, database, and settings that
    make schedules fast enough for tests (`settings` adds or overrides PARLEY_* variables)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARLEY_", "DISCORD_"))}
    env.update(
        DISCORD_TOKEN=fake.token,
        PARLEY_DATABASE_PATH=str(db_path),
        PARLEY_DISCORD_API_BASE=fake.api_base,
        PARLEY_DISCORD_GATEWAY_URL=fake.gateway_url,
        PARLEY_FETCH_ALLOW_PRIVATE="true",
        PARLEY_FEEDS_MIN_INTERVAL_MIN="1",
        PARLEY_FEEDS_DEFAULT_INTERVAL_MIN="1",
        PARLEY_FEEDS_POST_SPACING_S="0",
        PARLEY_LOGGING_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


class BotProcess:
    """`parley run` as a child process; stdout and stderr of every run are appended to one log."""

    def __init__(self, env: Mapping[str, str], log_path: Path) -> None:
        self.env = dict(env)
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0
        self._log_start = 0  # offset in the log where the current run's output begins

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError("the bot has not been started")
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self) -> None:
        if self.running:
            raise RuntimeError("the bot is already running")
        self._log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "run",
                cwd=REPO,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        finally:
            os.close(log)
        self.starts += 1

    def output(self) -> str:
        """What the current (or last) run has written so far."""
        if not self.log_path.exists():
            return ""
        with open(self.log_path, "rb") as log:
            log.seek(self._log_start)
            return log.read().decode("utf-8", errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    async def wait_for_log(self, marker: str, count: int = 1, within: float = 60.0) -> None:
        """Wait until the current run has logged `marker` `count` times."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self.output().count(marker) < count:
            if not self.running:
                code = self.proc.returncode if self.proc else None
                raise BotExited(f"bot exited ({code}) before logging {marker!r}:\n{self.log_tail()}")
            if loop.time() > deadline:
                raise TimeoutError(f"bot did not log {marker!r} x{count} in {within}s:\n{self.log_tail()}")
            await asyncio.sleep(0.05)

    async def wait_ready(self, within: float = 60.0) -> None:
        await self.wait_for_log(READY_MARK, within=within)

    async def wait_caught_up(self, count: int = 1, within: float = 60.0) -> None:
        """Wait for the `count`-th history catch-up of the current run to finish."""
        await self.wait_for_log(CATCH_UP_MARK, count=count, within=within)

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a crash or an OOM kill."""
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def stop(self, within: float = 30.0) -> int | None:
        """SIGTERM, the way a service manager stops the bot; SIGKILL if it does not leave in time."""
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), within)
            except TimeoutError:
                await self.kill()
        return self.proc.returncode

    async def restart(self) -> None:
        await self.stop()
        await self.start()
        await self.wait_ready()


async def sync_commands(env: Mapping[str, str], guild_id: str) -> None:
    """`parley sync-commands --guild ID`: the operator's one-time step that makes the commands exist."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "sync-commands",
        "--guild",
        guild_id,
        cwd=REPO,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    if proc.returncode != 0:
        raise RuntimeError(f"sync-commands failed ({proc.returncode}):\n{out.decode(errors='replace')}")


# -- the bot's database, read from outside ---------------------------------------------------------


def _query(db_path: Path, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return conn.execute(sql, tuple(params)).fetchall()
    finally:
        conn.close()


async def query(db_path: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Read the bot's database off the event loop, so fakecord keeps serving the bot meanwhile."""
    return await asyncio.to_thread(_query, db_path, sql, params)


def _execute(db_path: Path, sql: str, params: Sequence[Any]) -> int:
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        with conn:  # commits
            return conn.execute(sql, tuple(params)).rowcount
    finally:
        conn.close()


async def execute(db_path: Path, sql: str, params: Sequence[Any] = ()) -> int:
    """Change the bot's database (only while the bot is stopped); returns the rows changed."""
    return await asyncio.to_thread(_execute, db_path, sql, params)


async def scalar(db_path: Path, sql: str, params: Sequence[Any] = ()) -> Any:
    rows = await query(db_path, sql, params)
    return rows[0][0] if rows else None


async def eventually(
    check: Callable[[], Any], *, within: float = 30.0, interval: float = 0.1, what: str = "condition"
) -> Any:
    """Await `check()` (sync or async) until it returns something truthy, then return it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if loop.time() > deadline:
            raise TimeoutError(f"{what} not met within {within}s (last: {result!r})")
        await asyncio.sleep(interval)


async def seed_threads(
    fake: FakeDiscord, world: World, db_path: Path, count: int, *, channel_id: str | None = None
) -> list[int]:
    """Open `count` threads in a text channel and register each as an article's discussion in the
    bot's database (through the project's own repositories), as a posted article would be."""
    channel = channel_id or world.news_id
    thread_ids: list[int] = []
    db = await Database.open(db_path)
    try:
        articles, threads = ArticleRepo(db), ThreadRepo(db)
        for n in range(count):
            starter = await fake.member_says(channel, world.admin_id, f"Story {n}: discuss it below")
            thread = await fake.member_starts_thread(
                channel, world.admin_id, f"Story {n}", message_id=starter["id"]
            )
            article_id = await articles.insert(
                NewArticle(
                    guild_id=int(world.guild_id),
                    title=f"Story {n}",
                    text=f"The text of story {n}.",
                    content_hash=f"e2e-story-{n}",
                ),
                (f"Summary of story {n}.",),
                "extractive",
            )
            await threads.add(
                guild_id=int(world.guild_id),
                thread_id=int(thread["id"]),
                article_id=article_id,
                channel_id=int(channel),
                starter_message_id=int(starter["id"]),
            )
            thread_ids.append(int(thread["id"]))
    finally:
        await db.close()
    return thread_ids


# -- slash commands ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What the bot answered an interaction with: the response message and any followups."""

    interaction: Interaction
    messages: tuple[JSON, ...]

    @property
    def text(self) -> str:
        return "\n".join(message_text(m) for m in self.messages)

    @property
    def ephemeral(self) -> bool:
        return any(m.get("flags", 0) & EPHEMERAL_FLAG for m in self.messages)


def message_text(message: JSON) -> str:
    """Content plus every visible text of the message's embeds."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f.get('name', '')} {f.get('value', '')}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
        parts.append((embed.get("author") or {}).get("name") or "")
    return "\n".join(p for p in parts if p)


def _answer(fake: FakeDiscord, record: Interaction) -> tuple[JSON, ...] | None:
    if not record.responded:
        return None
    followups = fake.followups(record)
    original = fake.original_response(record)
    if record.response_type == 5:  # deferred: done once a followup or an edit replaced "thinking"
        if followups:
            return tuple(followups)
        if original is not None and not original.get("flags", 0) & LOADING_FLAG:
            return (original,)
        return None
    return tuple(m for m in (original, *followups) if m is not None)


async def run_command(
    fake: FakeDiscord,
    name: str,
    *,
    channel_id: str,
    user_id: str,
    options: Mapping[str, Any] | None = None,
    within: float = 60.0,
) -> Reply:
    """A member runs a slash command; returns once the bot has answered it."""
    record = await fake.invoke_command(name, channel_id=channel_id, user_id=user_id, options=options)
    messages = await fake.wait_for(lambda: _answer(fake, record), within)
    assert messages is not None
    return Reply(record, messages)


# -- a news site with articles and a feed ------------------------------------------------------------


@dataclass
class NewsSite:
    """The project's bundled sample articles (made-up people and places) on a local HTTP server,
    and an RSS feed whose entries a test publishes one by one."""

    server: LocalServer
    entries: list[tuple[str, str, datetime]] = field(default_factory=list)  # (title, link, published)

    @property
    def feed_url(self) -> str:
        return self.server.url("/feed.xml")

    def article_url(self, name: str) -> str:
        return self.server.url(f"/news/{name}.html")

    def publish(self, title: str, link: str, published: datetime | None = None) -> None:
        self.entries.append((title, link, published or datetime.now(UTC)))

    def feed_xml(self) -> str:
        items = "".join(
            f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
            f'<guid isPermaLink="true">{escape(link)}</guid>'
            f"<pubDate>{format_datetime(published)}</pubDate></item>"
            for title, link, published in self.entries
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>The Lindmoor Ledger</title><link>{escape(self.server.url('/'))}</link>"
            f"<description>Sample news</description>{items}</channel></rss>"
        )


def demo_article(name: str) -> str:
    return (resources.files("bot") / "demo_data" / f"{name}.html").read_text(encoding="utf-8")


@contextlib.asynccontextmanager
async def news_site() -> AsyncIterator[NewsSite]:
    async with LocalServer() as server:
        site = NewsSite(server)
        for name in DEMO_ARTICLES:
            server.page(f"/news/{name}.html", demo_article(name))

        async def feed(request: web.Request) -> web.StreamResponse:
            return web.Response(text=site.feed_xml(), content_type="application/rss+xml")

        server.route("/feed.xml", feed)
        yield site


# -- members chatting, and what the bot should have stored --------------------------------------------


@dataclass(frozen=True)
class Expected:
    content: str
    parent_id: int | None


def discord_truth(fake: FakeDiscord, thread_ids: Sequence[int]) -> dict[int, Expected]:
    """Every member message now in the threads, as the bot should hold it."""
    truth: dict[int, Expected] = {}
    for thread_id in thread_ids:
        for message in fake.messages(thread_id):
            if message["type"] not in COMMENT_TYPES or message["author"]["id"] == fake.bot_id:
                continue
            ref = message.get("message_reference") or {}
            parent = ref.get("message_id") if message["type"] == 19 else None
            truth[int(message["id"])] = Expected(message["content"], int(parent) if parent else None)
    return truth


@dataclass(frozen=True)
class CaptureCheck:
    """The bot's comments table against Discord's truth."""

    expected: int
    stored: int  # visible (not deleted) rows
    lost: int  # messages on Discord with no visible row
    duplicated: int  # visible rows that are a second copy of a message
    stale: int  # rows whose text or reply parent differs from Discord's latest
    resurrected: int  # visible rows of messages that are no longer on Discord

    @property
    def exact(self) -> bool:
        return self.lost == self.duplicated == self.stale == self.resurrected == 0 and (
            self.stored == self.expected
        )

    def line(self) -> str:
        return (
            f"expected {self.expected}, stored {self.stored}: lost {self.lost}, duplicated "
            f"{self.duplicated}, stale {self.stale}, resurrected {self.resurrected}"
        )


async def check_capture(
    db_path: Path, truth: Mapping[int, Expected], thread_ids: Sequence[int]
) -> CaptureCheck:
    marks = ",".join("?" * len(thread_ids))
    rows = await query(
        db_path,
        f"SELECT message_id, content, parent_id FROM comments WHERE deleted = 0 AND thread_id IN ({marks})",
        list(thread_ids),
    )
    stored = {int(r[0]): Expected(r[1], int(r[2]) if r[2] is not None else None) for r in rows}
    # Texts are unique per message, so a row holding another message's text is a second copy of it.
    owner = {e.content: mid for mid, e in truth.items()}
    copies = sum(1 for mid, e in stored.items() if owner.get(e.content, mid) != mid)
    return CaptureCheck(
        expected=len(truth),
        stored=len(stored),
        lost=sum(1 for mid in truth if mid not in stored),
        duplicated=copies + len(rows) - len(stored),
        stale=sum(1 for mid, e in truth.items() if mid in stored and stored[mid] != e),
        resurrected=sum(1 for mid in stored if mid not in truth),
    )


@dataclass
class Chatter:
    """Members talking in threads, driven by a seeded RNG: new messages, replies (also to replies),
    edits and deletes. Every text is unique, so a stored copy can be told from a duplicate."""

    fake: FakeDiscord
    thread_ids: Sequence[int]
    member_ids: Sequence[str]
    rng: random.Random
    reply_share: float = 0.3
    edit_share: float = 0.0
    delete_share: float = 0.0
    created: int = 0
    edits: int = 0
    deletes: int = 0
    live: dict[int, list[int]] = field(default_factory=dict)  # thread -> live message ids

    async def step(self) -> str:
        """One member action; returns its kind ("create", "edit" or "delete")."""
        roll = self.rng.random()
        thread = self.rng.choice(self.thread_ids)
        live = self.live.setdefault(thread, [])
        if live and roll < self.delete_share:
            victim = live.pop(self.rng.randrange(len(live)))
            await self.fake.delete_message(thread, victim)
            self.deletes += 1
            return "delete"
        if live and roll < self.delete_share + self.edit_share:
            target = self.rng.choice(live)
            self.edits += 1
            await self.fake.member_edits(thread, target, f"m{target} edit {self.edits}")
            return "edit"
        await self.create(thread)
        return "create"

    async def create(self, thread: int) -> int:
        live = self.live.setdefault(thread, [])
        reply_to = self.rng.choice(live) if live and self.rng.random() < self.reply_share else None
        self.created += 1
        message = await self.fake.member_says(
            thread, self.rng.choice(self.member_ids), f"comment {self.created}", reply_to=reply_to
        )
        live.append(int(message["id"]))
        return int(message["id"])


async def add_members(fake: FakeDiscord, world: World, count: int) -> list[str]:
    return [await fake.create_member(world.guild_id, f"reader{n}") for n in range(count)]


def export_from_reply(fake: FakeDiscord, reply: Reply) -> JSON:
    """The JSON file the bot attached to its answer to `/comments export`."""
    for message in reply.messages:
        for attachment in message.get("attachments") or []:
            found = fake.files.get(attachment["id"])
            if found is not None:
                data: JSON = json.loads(found[1])
                return data
    raise AssertionError(f"no file in the bot's answer: {reply.text!r}")


# -- everything together ------------------------------------------------------------------------------


@dataclass
class Stack:
    """fakecord with its newsroom world, the bot's database and log, and the bot process."""

    fake: FakeDiscord
    world: World
    db_path: Path
    env: dict[str, str]
    bot: BotProcess

    async def command(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: str | None = None,
        channel: str | None = None,
        within: float = 60.0,
    ) -> Reply:
        """Run a slash command, by the admin in #news unless told otherwise."""
        return await run_command(
            self.fake,
            name,
            channel_id=channel or self.world.news_id,
            user_id=user or self.world.admin_id,
            options=options,
            within=within,
        )

    def bot_posts(self, channel_id: str) -> list[JSON]:
        """Messages the bot itself sent to the channel (not its answers to commands)."""
        return [
            m
            for m in self.fake.messages(channel_id)
            if m["author"]["id"] == self.fake.bot_id and "webhook_id" not in m
        ]


@contextlib.asynccontextmanager
async def e2e_stack(
    tmp_path: Path,
    config: FakecordConfig | None = None,
    *,
    sync: bool = True,
    start: bool = True,
    **settings: str,
) -> AsyncIterator[Stack]:
    """Start fakecord and build its world, register the commands and start the bot (with
    `start=False` the test starts it, after preparing the database); tear it all down on exit."""
    # A generous interaction deadline: on a loaded 2-core machine a cold Python can miss Discord's 3 s.
    fake = FakeDiscord(config or FakecordConfig(interaction_deadline_s=15.0))
    await fake.start()
    bot: BotProcess | None = None
    try:
        world = await fake.build_world()
        db_path = tmp_path / "parley.db"
        env = bot_env(fake, db_path, **settings)
        bot = BotProcess(env, tmp_path / "bot.log")
        if start:
            await bot.start()
        if sync:
            # Its own database: two processes migrating one new file at once can collide (see
            # the report on bot/store/db.py), and command sync needs nothing from the bot's data.
            await sync_commands(dict(env, PARLEY_DATABASE_PATH=str(tmp_path / "sync.db")), world.guild_id)
        if start:
            await bot.wait_ready()
        yield Stack(fake, world, db_path, env, bot)
    except BaseException:
        if bot is not None:  # pytest shows captured output of a failed test: the bot's side of it
            print(f"--- bot log ({bot.log_path}) ---\n{bot.log_tail(80)}")
        raise
    finally:
        if bot is not None:
            await bot.kill()
        await fake.stop()


# -- feeds ------------------------------------------------------------------------------------------


async def poll_on_restart(s: Stack) -> str | None:
    """Stop the bot, let the poll interval pass, start it again: its schedule polls due feeds as
    soon as it is ready. Returns the feed's last poll time from before.

    The interval passing is written into the bot's database (`feeds.next_poll_at`, where the
    schedule keeps due times) because the bot's clock cannot be moved from outside its process and
    the shortest interval is a minute.
    """
    assert await s.bot.stop() == 0
    before = await scalar(s.db_path, "SELECT last_polled_at FROM feeds")
    due = iso(datetime.now(UTC) - timedelta(seconds=1))
    assert await execute(s.db_path, "UPDATE feeds SET next_poll_at = ?", (due,)) == 1
    await s.bot.start()
    await s.bot.wait_ready()
    return str(before) if before is not None else None


async def add_feed(s: Stack, site: NewsSite) -> str:
    reply = await s.command("feed add", {"url": site.feed_url, "channel": s.world.news_id})
    assert reply.ephemeral and reply.text.startswith("Following feed #1"), reply.text
    return reply.text
