"""Over the wire: the real `parley run` process against fakecord on loopback.

1. Comment capture: members post messages (a share of them replies) in several article threads;
   fakecord delivers them over its gateway (zlib-compressed JSON, as Discord does) and the bot stores
   them. Printed: messages per second stored by the bot process (first message sent to last one
   committed, read from the bot's SQLite file), the rate fakecord could inject them at (an upper
   bound for the figure above, since both share the machine), lost and duplicated counts, and the
   bot's peak RSS.
2. Idle memory: the bot's RSS (/proc/PID/status VmRSS) once it is ready and idle, with an empty
   database and with a database holding a million quotes (built directly in the bot's schema with
   executemany; the FTS triggers fire, so building takes a while).

`python -m bench wire` (defaults) or `python -m bench.wire --messages 50000 --threads 10 --quotes 1000000`.
Everything is bounded: counts come from the arguments, every wait has a deadline, and only 127.0.0.1
is used.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.store.db import Database
from tests.e2e.harness import BotProcess, Chatter, add_members, bot_env, scalar, seed_threads
from tests.fakecord import FakeDiscord, running_fakecord

GOAL_PER_S = 2000
CAPTURE_DEADLINE_S = 900.0  # the capture run gives up (and says so) if the bot falls this far behind
SAMPLE_S = 0.25
IDLE_S = 3.0  # how long the bot sits idle before its memory is read
WORDS = (
    "the council vote was close and the bridge reopened early but the budget is still unclear",
    "residents said harbour traffic would ease while critics warned costs had doubled since spring",
)

VOCABULARY = " ".join(WORDS).split()


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.wire", description=__doc__)
    parser.add_argument("--messages", type=int, default=50_000, help="messages to send (default 50000)")
    parser.add_argument("--threads", type=int, default=10, help="article threads they go to (default 10)")
    parser.add_argument("--quotes", type=int, default=1_000_000, help="quotes in the idle-RSS database")
    parser.add_argument("--skip-capture", action="store_true", help="only measure idle memory")
    parser.add_argument("--skip-memory", action="store_true", help="only measure comment capture")
    parser.add_argument("--seed", type=int, default=20261128)
    return parser.parse_args(list(argv))


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in KiB."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


# -- comment capture ------------------------------------------------------------------------------


async def _stored(db_path: Path) -> int:
    return int(await scalar(db_path, "SELECT count(*) FROM comments WHERE deleted = 0") or 0)


@dataclass
class Progress:
    """(seconds since the first send, messages sent, messages stored) every SAMPLE_S."""

    samples: list[tuple[float, int, int]] = field(default_factory=list)

    def longest_stall(self) -> float:
        """Longest stretch in which messages were waiting but the stored count did not move."""
        longest = 0.0
        since: float | None = None
        for (t0, _, stored0), (t1, sent1, stored1) in itertools.pairwise(self.samples):
            if stored1 == stored0 and sent1 > stored1:
                since = t0 if since is None else since
                longest = max(longest, t1 - since)
            else:
                since = None
        return longest


async def _watch(db_path: Path, chatter: Chatter, started: float, progress: Progress) -> None:
    while True:
        stored = await _stored(db_path)
        progress.samples.append((time.perf_counter() - started, chatter.created, stored))
        await asyncio.sleep(SAMPLE_S)


async def capture(args: argparse.Namespace, folder: Path) -> None:
    async with running_fakecord() as fake:
        world = await fake.build_world()
        db_path = folder / "capture.db"
        threads = await seed_threads(fake, world, db_path, args.threads)
        members = [world.member_id, *await add_members(fake, world, 9)]
        bot = BotProcess(bot_env(fake, db_path), folder / "capture.log")
        await bot.start()
        progress = Progress()
        try:
            await bot.wait_caught_up()
            chatter = Chatter(fake, threads, members, random.Random(args.seed), reply_share=0.2)
            cpu_before = cpu_seconds(bot.pid)
            started = time.perf_counter()
            watcher = asyncio.create_task(_watch(db_path, chatter, started, progress))
            for n in range(args.messages):
                await chatter.create(chatter.rng.choice(threads))
                if n % 250 == 0:
                    await asyncio.sleep(0)  # let the watcher look now and then
            injected_s = time.perf_counter() - started
            stored_s, stored = await _wait_stored(db_path, args.messages, started)
            watcher.cancel()
            cpu = cpu_seconds(bot.pid) - cpu_before
            peak = memory_kib(bot.pid).get("VmHWM", 0)
            lost, duplicated = await _lost_and_duplicated(fake, db_path, threads)
        finally:
            await bot.stop()
    print(
        f"comment capture over the gateway: {args.messages:,} messages (20% replies) in "
        f"{args.threads} threads"
    )
    print(f"  fakecord injected them in {injected_s:.1f} s ({args.messages / injected_s:,.0f}/s)")
    if stored < args.messages:
        print(f"  the bot stored only {stored:,} within {CAPTURE_DEADLINE_S:.0f} s")
    print(
        f"  stored by the bot: {stored:,} in {stored_s:.1f} s = {stored / stored_s:,.0f} msg/s "
        f"(goal >= {GOAL_PER_S:,}/s), the last one {max(0.0, stored_s - injected_s):.1f} s after the "
        f"last send"
    )
    print(
        f"  longest stretch without a commit while messages waited: {progress.longest_stall():.1f} s; "
        f"bot peak RSS {mib(peak)}"
    )
    print(
        f"  bot CPU time {cpu:.1f} s = {stored / max(cpu, 1e-9):,.0f} messages per CPU-second (the bot's "
        f"ceiling on one free core)"
    )
    print(f"  lost {lost}, duplicated {duplicated}")


async def _wait_stored(db_path: Path, want: int, started: float) -> tuple[float, int]:
    """Seconds from `started` until `want` comments are stored (or the deadline), and the count."""
    stored = 0
    while time.perf_counter() - started < CAPTURE_DEADLINE_S:
        stored = await _stored(db_path)
        if stored >= want:
            break
        await asyncio.sleep(0.05)
    return time.perf_counter() - started, stored


async def _lost_and_duplicated(fake: FakeDiscord, db_path: Path, threads: Sequence[int]) -> tuple[int, int]:
    sent = {
        int(m["id"])
        for t in threads
        for m in fake.messages(t)
        if m["type"] in (0, 19) and m["author"]["id"] != fake.bot_id
    }
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        rows = conn.execute("SELECT message_id, content FROM comments WHERE deleted = 0").fetchall()
    finally:
        conn.close()
    ids = [int(r[0]) for r in rows]
    texts = [r[1] for r in rows]
    return len(sent - set(ids)), (len(ids) - len(set(ids))) + (len(texts) - len(set(texts)))


# -- idle memory ----------------------------------------------------------------------------------


async def idle_rss(fake: FakeDiscord, db_path: Path, log_path: Path) -> int:
    bot = BotProcess(bot_env(fake, db_path), log_path)
    await bot.start()
    try:
        await bot.wait_caught_up(within=300)
        await asyncio.sleep(IDLE_S)
        return memory_kib(bot.pid)["VmRSS"]
    finally:
        await bot.stop()


def _quote_rows(
    n: int, guild_id: int, speakers: int, per_article: int, rng: random.Random
) -> Iterator[tuple]:
    for i in range(n):
        speaker = rng.randrange(1, speakers + 1)
        text = " ".join(rng.choices(VOCABULARY, k=rng.randint(6, 24)))
        yield (guild_id, i // per_article + 1, speaker, f"Speaker {speaker}", text, "said", text)


def build_quote_db(path: Path, guild_id: int, quotes: int, rng: random.Random) -> int:
    """A database in the bot's schema holding `quotes` quotes from 5,000 speakers, 10 per article;
    returns its size on disk in bytes."""
    asyncio.run(_migrate(path))
    speakers, per_article = 5_000, 10
    articles = (quotes + per_article - 1) // per_article
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        with conn:
            conn.execute(
                "INSERT INTO guilds(id, name) VALUES (?, 'bench') ON CONFLICT DO NOTHING", (guild_id,)
            )
            conn.executemany(
                "INSERT INTO articles(id, guild_id, title, text, content_hash) VALUES (?, ?, ?, ?, ?)",
                (
                    (a, guild_id, f"Article {a}", f"Text of article {a}.", f"h{a}")
                    for a in range(1, articles + 1)
                ),
            )
            conn.executemany(
                "INSERT INTO speakers(id, guild_id, canonical_name) VALUES (?, ?, ?)",
                ((s, guild_id, f"Speaker {s}") for s in range(1, speakers + 1)),
            )
            conn.executemany(
                "INSERT INTO speaker_aliases(speaker_id, alias, alias_norm) VALUES (?, ?, ?)",
                ((s, f"Speaker {s}", f"speaker {s}") for s in range(1, speakers + 1)),
            )
        step = 100_000
        for start in range(0, quotes, step):
            with conn:
                conn.executemany(
                    "INSERT INTO quotes(guild_id, article_id, speaker_id, speaker_mention, text, cue, "
                    "context) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    _quote_rows(min(step, quotes - start), guild_id, speakers, per_article, rng),
                )
    finally:
        conn.close()
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


async def _migrate(path: Path) -> None:
    db = await Database.open(path)
    await db.close()


async def memory(args: argparse.Namespace, folder: Path) -> None:
    async with running_fakecord() as fake:
        world = await fake.build_world()
        empty = await idle_rss(fake, folder / "empty.db", folder / "empty.log")
        print(f"idle RSS of the bot process: empty database {mib(empty)}")
        big = folder / "quotes.db"
        started = time.perf_counter()
        size = await asyncio.to_thread(
            build_quote_db, big, int(world.guild_id), args.quotes, random.Random(args.seed)
        )
        built_s = time.perf_counter() - started
        loaded = await idle_rss(fake, big, folder / "quotes.log")
        print(
            f"  with {args.quotes:,} quotes (built in {built_s:.0f} s, {size / 2**20:,.0f} MiB on disk): "
            f"{mib(loaded)}"
        )


async def _run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="parley-wire-") as tmp:
        folder = Path(tmp)
        if not args.skip_capture:
            await capture(args, folder)
        if not args.skip_memory:
            await memory(args, folder)


def main(argv: Sequence[str] | None = None) -> None:
    asyncio.run(_run(parse_args(argv or [])))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
