"""Comment capture throughput, in process: messages through `CommentService` into a real SQLite file.

Five runs, each on a fresh database:
  live    - gateway-style: every message is its own `store(..., live=True)` call, arriving in bursts
            with the event loop free in between (as when a websocket delivers them), 3% re-delivered;
  mixed   - the same plus replies, edits and deletes interleaved, as a busy thread produces them;
  flood   - the bot's shape under a gateway flood: a reader decodes a whole socket read of events in
            one loop turn, spending on each as much CPU as discord.py spends on a MESSAGE_CREATE, and
            starts one task per event; the writer competes with it for the loop, so every trip back
            from the database thread waits a long turn. Prints the longest stretch without a commit
            while messages waited, as `bench wire` does;
  paced   - messages at a steady 2,000/s (the throughput goal) to show the commit latency at that rate;
  sync    - a history catch-up: 100-message pages through `sync_thread`.
Each prints messages committed per second, commit latency of a single store call, and lost /
duplicated counts checked against the database afterwards.

`python -m bench comments` (defaults) or `python -m bench.comments --messages 50000 --threads 50`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.comments import CommentService, HistoryPage, IncomingMessage
from bot.store.articles import ArticleRepo, NewArticle
from bot.store.db import Database
from bot.store.threads import ThreadRepo

GUILD = 1
FIRST_THREAD = 10_000_000
FIRST_MESSAGE = 20_000_000
T0 = datetime(2026, 1, 1, tzinfo=UTC)
TEXT = (
    "the council vote was close and the bridge reopened early but the budget is still unclear "
    "I think readers deserve to know who paid for the repairs and why nobody asked"
)
WORDS = TEXT.split()


async def _setup(path: Path, threads: int) -> tuple[Database, list[int]]:
    db = await Database.open(path)
    articles = ArticleRepo(db)
    repo = ThreadRepo(db)
    ids = []
    for n in range(threads):
        article_id = await articles.insert(
            NewArticle(guild_id=GUILD, title=f"Story {n}", text=f"Story {n} text.", content_hash=f"h{n}"),
            ("Summary.",),
            "extractive",
        )
        thread_id = FIRST_THREAD + n
        await repo.add(
            guild_id=GUILD, thread_id=thread_id, article_id=article_id, channel_id=1, starter_message_id=None
        )
        ids.append(thread_id)
    return db, ids


def _messages(count: int, threads: list[int], rng: random.Random, replies: bool) -> list[IncomingMessage]:
    out: list[IncomingMessage] = []
    last_in_thread: dict[int, list[int]] = {}
    for i in range(count):
        message_id = FIRST_MESSAGE + i
        thread = threads[i % len(threads)]
        seen = last_in_thread.setdefault(thread, [])
        parent = rng.choice(seen[-20:]) if replies and seen and rng.random() < 0.3 else None
        seen.append(message_id)
        out.append(
            IncomingMessage(
                message_id=message_id,
                guild_id=GUILD,
                channel_id=thread,
                author_id=1000 + rng.randrange(500),
                author_name=f"reader{rng.randrange(500)}",
                content=" ".join(rng.choices(WORDS, k=rng.randint(5, 40))),
                attachments=("https://cdn.example/img.png",) if rng.random() < 0.05 else (),
                created_at=T0 + timedelta(milliseconds=i),
                parent_id=parent,
            )
        )
    return out


async def _timed_store(svc: CommentService, msg: IncomingMessage, latencies: list[float]) -> None:
    started = time.perf_counter()
    await svc.store(msg, live=True)
    latencies.append(time.perf_counter() - started)


async def _live(args: argparse.Namespace, folder: Path, mixed: bool) -> None:
    rng = random.Random(7)
    db, threads = await _setup(folder / ("mixed.db" if mixed else "live.db"), args.threads)
    svc = CommentService(db, max_batch=args.max_batch)
    messages = _messages(args.messages, threads, rng, replies=mixed)
    # Gateway re-deliveries (a resumed session replays some events): must not duplicate.
    stream = messages + rng.sample(messages, len(messages) * 3 // 100)
    stream.sort(key=lambda m: m.message_id)
    deleted: set[int] = set()
    latencies: list[float] = []
    tasks: list[asyncio.Task[object]] = []
    started = time.perf_counter()
    for start in range(0, len(stream), args.burst):
        for msg in stream[start : start + args.burst]:
            tasks.append(asyncio.create_task(_timed_store(svc, msg, latencies)))
            if mixed and rng.random() < 0.05:
                tasks.append(asyncio.create_task(svc.edit(msg.message_id, msg.content + " (edited)", T0)))
            if mixed and rng.random() < 0.02:
                deleted.add(msg.message_id)
                tasks.append(asyncio.create_task(svc.delete(msg.message_id)))
        await asyncio.sleep(0)  # the loop reads the next websocket frame
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    await svc.close()

    rows = int(await db.fetchval("SELECT count(*) FROM comments"))
    distinct = int(await db.fetchval("SELECT count(DISTINCT message_id) FROM comments"))
    tombstones = int(await db.fetchval("SELECT count(*) FROM comments WHERE deleted = 1"))
    expected = {m.message_id for m in messages} - deleted
    present = {int(r[0]) for r in await db.fetchall("SELECT message_id FROM comments WHERE deleted = 0")}
    lost = len(expected - present)
    resurrected = len(present & deleted)
    await db.close()
    label = "mixed (replies, 5% edits, 2% deletes)" if mixed else "live"
    extra = f", {len(deleted)} deletes ({tombstones} tombstones kept for replies)" if mixed else ""
    print(
        f"{label}: {len(messages)} messages (+{len(stream) - len(messages)} re-delivered) in "
        f"{elapsed:.2f} s = {len(messages) / elapsed:,.0f} msg/s{extra}"
    )
    lat = sorted(latencies)
    print(
        f"  store() until committed (a flood: mostly time queued behind earlier messages): "
        f"p50 {statistics.median(lat) * 1000:.1f} ms, "
        f"p99 {lat[int(len(lat) * 0.99)] * 1000:.1f} ms, max {lat[-1] * 1000:.1f} ms"
    )
    print(f"  lost {lost}, duplicated {rows - distinct}, deleted but present {resurrected}")


def _event_json(msg: IncomingMessage) -> str:
    """A MESSAGE_CREATE dispatch shaped like Discord's (about 1 KB), for the flood reader to decode."""
    author = {
        "id": str(msg.author_id),
        "username": msg.author_name,
        "global_name": msg.author_name,
        "avatar": "0" * 32,
        "discriminator": "0",
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "banner_color": None,
        "clan": None,
    }
    data: dict[str, object] = {
        "type": 19 if msg.parent_id else 0,
        "tts": False,
        "timestamp": msg.created_at.isoformat(),
        "pinned": False,
        "nonce": str(msg.message_id),
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "member": {
            "roles": [],
            "premium_since": None,
            "pending": False,
            "nick": None,
            "mute": False,
            "joined_at": msg.created_at.isoformat(),
            "flags": 0,
            "deaf": False,
            "communication_disabled_until": None,
            "avatar": None,
            "banner": None,
        },
        "id": str(msg.message_id),
        "flags": 0,
        "embeds": [],
        "edited_timestamp": None,
        "content": msg.content,
        "components": [],
        "channel_id": str(msg.channel_id),
        "author": author,
        "attachments": [
            {"id": "1", "filename": "img.png", "size": 1, "url": url, "proxy_url": url}
            for url in msg.attachments
        ],
        "guild_id": str(msg.guild_id),
        "message_reference": {"message_id": str(msg.parent_id), "channel_id": str(msg.channel_id)}
        if msg.parent_id
        else None,
    }
    return json.dumps({"t": "MESSAGE_CREATE", "s": msg.message_id, "op": 0, "d": data})


def _decode_event(raw: str, rounds: int) -> IncomingMessage:
    """Stands in for discord.py's work on one event: decoding it `rounds` times costs about as much
    CPU as building its Message, Member and User objects does."""
    for _ in range(rounds - 1):
        json.loads(raw)
    d = json.loads(raw)["d"]
    ref = d.get("message_reference")
    return IncomingMessage(
        message_id=int(d["id"]),
        guild_id=int(d["guild_id"]),
        channel_id=int(d["channel_id"]),
        author_id=int(d["author"]["id"]),
        author_name=d["author"]["username"],
        content=d["content"],
        attachments=tuple(a["url"] for a in d["attachments"]),
        created_at=datetime.fromisoformat(d["timestamp"]),
        parent_id=int(ref["message_id"]) if ref else None,
    )


def _rounds_for(raw: str, event_cost_s: float) -> int:
    started = time.perf_counter()
    for _ in range(200):
        json.loads(raw)
    return max(1, round(event_cost_s / ((time.perf_counter() - started) / 200)))


async def _flood(args: argparse.Namespace, folder: Path) -> None:
    rng = random.Random(13)
    db, threads = await _setup(folder / "flood.db", args.threads)
    svc = CommentService(db, max_batch=args.max_batch)
    await asyncio.gather(*(svc.sync_thread(t, _no_history) for t in threads))  # in sync: cursors move
    messages = _messages(args.messages, threads, rng, replies=True)
    events = [_event_json(m) for m in messages]
    rounds = _rounds_for(events[0], args.event_cost_us / 1e6)
    done: list[float] = []
    latencies: list[float] = []
    tasks: list[asyncio.Task[None]] = []

    async def on_message(raw: str, received: float) -> None:
        await svc.store(_decode_event(raw, 1), live=True)
        now = time.perf_counter()
        done.append(now)
        latencies.append(now - received)

    started = time.perf_counter()
    for start in range(0, len(events), args.read):
        received = time.perf_counter()
        for raw in events[start : start + args.read]:
            _decode_event(raw, rounds - 1)  # the gateway's share of the work, inline in the reader
            tasks.append(asyncio.create_task(on_message(raw, received)))
        await asyncio.sleep(0)  # the next socket read
    injected = time.perf_counter() - started
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    await svc.close()

    rows = int(await db.fetchval("SELECT count(*) FROM comments"))
    distinct = int(await db.fetchval("SELECT count(DISTINCT message_id) FROM comments"))
    cursors = await db.fetchall("SELECT id, last_message_id FROM threads")
    last_in = {m.channel_id: m.message_id for m in messages}
    at_end = sum(1 for r in cursors if r[1] == last_in.get(r[0]))
    await db.close()
    # Completions come in clusters, one per commit; from the first event to the first commit, and
    # every gap between clusters (messages were outstanding until the end), is a stretch without one.
    stall = max((b - a for a, b in itertools.pairwise([started, *sorted(done)])), default=0.0)
    lat = sorted(latencies)
    print(
        f"flood ({args.event_cost_us:.0f} us of loop work per event, {args.read} events per read): "
        f"{len(messages)} messages in {elapsed:.2f} s = {len(messages) / elapsed:,.0f} msg/s "
        f"(events decoded at {len(messages) / injected:,.0f}/s)"
    )
    print(
        f"  longest stretch without a commit while messages waited {stall * 1000:.0f} ms; received until "
        f"committed p50 {statistics.median(lat) * 1000:.0f} ms, p99 {lat[int(len(lat) * 0.99)] * 1000:.0f} ms"
    )
    print(
        f"  lost {len(messages) - distinct}, duplicated {rows - distinct}, "
        f"cursors at the end {at_end}/{len(threads)}"
    )


async def _no_history(after: int | None) -> AsyncIterator[HistoryPage]:
    return
    yield


async def _paced(args: argparse.Namespace, folder: Path) -> None:
    """Messages at a steady rate instead of a flood: how long one waits for its commit."""
    rng = random.Random(5)
    db, threads = await _setup(folder / "paced.db", args.threads)
    svc = CommentService(db, max_batch=args.max_batch)
    count = max(1, int(args.rate * args.paced_seconds))
    messages = _messages(count, threads, rng, replies=True)
    latencies: list[float] = []
    tasks: list[asyncio.Task[None]] = []
    tick = 0.01
    per_tick = max(1, round(args.rate * tick))
    loop = asyncio.get_running_loop()
    started = loop.time()
    for n, start in enumerate(range(0, count, per_tick)):
        for msg in messages[start : start + per_tick]:
            tasks.append(asyncio.create_task(_timed_store(svc, msg, latencies)))
        await asyncio.sleep(max(0.0, started + (n + 1) * tick - loop.time()))
    await asyncio.gather(*tasks)
    await svc.close()
    stored = int(await db.fetchval("SELECT count(*) FROM comments"))
    await db.close()
    lat = sorted(latencies)
    print(
        f"paced: {count} messages at {args.rate:,.0f} msg/s: store() until committed p50 "
        f"{statistics.median(lat) * 1000:.1f} ms, p99 {lat[int(len(lat) * 0.99)] * 1000:.1f} ms, "
        f"max {lat[-1] * 1000:.1f} ms; lost {count - stored}"
    )


async def _sync(args: argparse.Namespace, folder: Path) -> None:
    rng = random.Random(11)
    db, threads = await _setup(folder / "sync.db", args.threads)
    svc = CommentService(db, max_batch=args.max_batch)
    messages = _messages(args.messages, threads, rng, replies=True)
    by_thread: dict[int, list[IncomingMessage]] = {}
    for m in messages:
        by_thread.setdefault(m.channel_id, []).append(m)

    def source_for(thread: int):  # type: ignore[no-untyped-def]
        async def pages(after: int | None) -> AsyncIterator[HistoryPage]:
            newer = [m for m in by_thread[thread] if after is None or m.message_id > after]
            for start in range(0, len(newer), 100):
                chunk = tuple(newer[start : start + 100])
                yield HistoryPage(chunk, chunk[-1].message_id)

        return pages

    started = time.perf_counter()
    for thread in threads:
        await svc.sync_thread(thread, source_for(thread))
    elapsed = time.perf_counter() - started
    stored = int(await db.fetchval("SELECT count(*) FROM comments"))
    cursors = await db.fetchall("SELECT id, last_message_id FROM threads")
    at_end = sum(1 for r in cursors if r[1] == by_thread[r[0]][-1].message_id)
    await db.close()
    print(
        f"sync: {len(messages)} messages in {len(threads)} threads, 100-message pages, in "
        f"{elapsed:.2f} s = {len(messages) / elapsed:,.0f} msg/s; lost {len(messages) - stored}, "
        f"cursors at the end {at_end}/{len(threads)}"
    )


async def _run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        folder = Path(tmp)
        await _live(args, folder, mixed=False)
        await _live(args, folder, mixed=True)
        await _flood(args, folder)
        await _paced(args, folder)
        await _sync(args, folder)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.comments", description=__doc__)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--burst", type=int, default=200, help="messages handed over per loop turn")
    parser.add_argument("--max-batch", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=2000.0, help="messages per second of the paced run")
    parser.add_argument("--paced-seconds", type=float, default=5.0)
    parser.add_argument(
        "--event-cost-us",
        type=float,
        default=250.0,
        help="loop CPU per event in the flood run (microseconds)",
    )
    parser.add_argument("--read", type=int, default=500, help="events decoded per loop turn in the flood run")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    asyncio.run(_run(parse_args(argv or [])))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
