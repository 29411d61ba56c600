"""Comment capture core: real SQLite files, the real batching writer, made-up messages."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import textwrap
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.comments import (
    MAX_NEST_DEPTH,
    CommentService,
    CommentServiceClosed,
    HistoryPage,
    HistorySource,
    HistoryUnavailable,
    IncomingMessage,
)
from bot.store.articles import ArticleRepo, NewArticle
from bot.store.db import Database
from bot.store.threads import ThreadRecord, ThreadRepo

REPO = Path(__file__).resolve().parents[1]
GUILD = 111
OTHER_GUILD = 222
THREAD = 5000
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def add_article(
    db: Database,
    guild_id: int = GUILD,
    *,
    title: str = "Bridge reopens after repairs",
    thread_id: int | None = THREAD,
    channel_id: int = 42,
    starter_message_id: int | None = None,
) -> int:
    """An article (with summary) and, unless thread_id is None, its registered discussion thread."""
    article_id = await ArticleRepo(db).insert(
        NewArticle(
            guild_id=guild_id,
            title=title,
            text=f"{title}. The council said the work was finished early.",
            content_hash=f"hash-{guild_id}-{title}-{thread_id}",
            url=f"https://news.example/{guild_id}/{thread_id}",
        ),
        ("The bridge reopened on Monday.", "Repairs took six weeks."),
        "extractive",
    )
    if thread_id is not None:
        await ThreadRepo(db).add(
            guild_id=guild_id,
            thread_id=thread_id,
            article_id=article_id,
            channel_id=channel_id,
            starter_message_id=starter_message_id if starter_message_id is not None else thread_id,
        )
    return article_id


def msg(
    message_id: int,
    content: str = "",
    *,
    author: int = 1,
    parent: int | None = None,
    thread: int = THREAD,
    guild: int = GUILD,
    edited: datetime | None = None,
    attachments: tuple[str, ...] = (),
) -> IncomingMessage:
    return IncomingMessage(
        message_id=message_id,
        guild_id=guild,
        channel_id=thread,
        author_id=author,
        author_name=f"user{author}",
        content=content or f"comment {message_id}",
        attachments=attachments,
        created_at=T0 + timedelta(seconds=message_id % 100_000),
        edited_at=edited,
        parent_id=parent,
    )


def history(
    messages: Sequence[IncomingMessage], page_size: int = 3
) -> tuple[HistorySource, list[int | None]]:
    """A thread history as a page source over a fixed message list; records each `after` it got."""
    calls: list[int | None] = []

    async def pages(after: int | None) -> AsyncIterator[HistoryPage]:
        calls.append(after)
        newer = [
            m for m in sorted(messages, key=lambda m: m.message_id) if after is None or m.message_id > after
        ]
        for start in range(0, len(newer), page_size):
            chunk = newer[start : start + page_size]
            yield HistoryPage(tuple(chunk), chunk[-1].message_id)

    return pages, calls


async def ids(db: Database, thread: int = THREAD) -> list[int]:
    rows = await db.fetchall(
        "SELECT message_id FROM comments WHERE thread_id = ? ORDER BY message_id", (thread,)
    )
    return [int(r[0]) for r in rows]


async def cursor(db: Database, thread: int = THREAD) -> int | None:
    value = await db.fetchval("SELECT last_message_id FROM threads WHERE id = ?", (thread,))
    return None if value is None else int(value)


@pytest.mark.asyncio
async def test_stores_thread_messages_ignores_untracked_and_starter(db: Database) -> None:
    article = await add_article(db)
    svc = CommentService(db)
    assert await svc.store(msg(5001, "First!", attachments=("https://cdn.example/a.png",))) is True
    assert await svc.store(msg(9001, "elsewhere", thread=9000)) is False  # not an article thread
    assert await svc.store(msg(THREAD, "the bot's own post")) is True  # tracked, but the starter
    assert await ids(db) == [5001]
    stored = await svc.get(5001)
    assert stored is not None
    assert (stored.article_id, stored.guild_id, stored.author_name) == (article, GUILD, "user1")
    assert stored.content == "First!" and stored.attachments == ("https://cdn.example/a.png",)
    assert stored.created_at == "2026-03-01T13:23:21.000+00:00" and stored.edited_at is None


@pytest.mark.asyncio
async def test_restoring_is_idempotent(db: Database) -> None:
    await add_article(db)
    svc = CommentService(db)
    for _ in range(3):
        await asyncio.gather(*(svc.store(msg(i)) for i in (5001, 5002, 5003)))
    assert await ids(db) == [5001, 5002, 5003]
    assert await svc.count(GUILD) == 3
    fts = await db.fetchval("SELECT count(*) FROM comments_fts WHERE comments_fts MATCH 'comment'")
    assert fts == 3


@pytest.mark.asyncio
async def test_replies_form_a_tree(db: Database) -> None:
    article = await add_article(db)
    svc = CommentService(db)
    await svc.store(msg(5001, "root"))
    await svc.store(msg(5002, "reply", parent=5001))
    await svc.store(msg(5003, "reply to reply", parent=5002))
    await svc.store(msg(5004, "second reply", parent=5001))
    await svc.store(msg(5005, "answers the article post", parent=THREAD))
    roots = await svc.tree(GUILD, article)
    assert [n.comment.message_id for n in roots] == [5001, 5005]
    assert [n.comment.message_id for n in roots[0].replies] == [5002, 5004]
    assert [n.comment.message_id for n in roots[0].replies[0].replies] == [5003]


@pytest.mark.asyncio
async def test_very_deep_reply_chain_is_capped(db: Database) -> None:
    article = await add_article(db)
    svc = CommentService(db)
    chain = [msg(5001)] + [msg(5001 + i, parent=5000 + i) for i in range(1, MAX_NEST_DEPTH + 5)]
    await asyncio.gather(*(svc.store(m) for m in chain))
    node = (await svc.tree(GUILD, article))[0]
    depth = 0
    while node.replies:
        node = node.replies[-1]
        depth += 1
    assert depth == MAX_NEST_DEPTH  # everything is still there, just hung lower
    data = await svc.export(GUILD, article)
    assert data is not None and data["comment_count"] == len(chain)


@pytest.mark.asyncio
async def test_edits_keep_latest_and_ignore_older(db: Database) -> None:
    await add_article(db)
    svc = CommentService(db)
    await svc.store(msg(5001, "tpyo"))
    assert await svc.edit(5001, "typo fixed", T0 + timedelta(hours=1)) is True
    assert await svc.edit(5001, "an older edit arriving late", T0 + timedelta(minutes=30)) is False
    stored = await svc.get(5001)
    assert stored is not None and stored.content == "typo fixed"
    assert stored.edited_at == "2026-03-01T13:00:00.000+00:00"
    # A re-read (history) of the message before the edit must not roll it back either.
    await svc.store(msg(5001, "tpyo"))
    stored = await svc.get(5001)
    assert stored is not None and stored.content == "typo fixed"
    # An edit carried by a full message upserts it.
    await svc.store(
        msg(5001, "final words", edited=T0 + timedelta(hours=2), attachments=("https://x/y.png",))
    )
    stored = await svc.get(5001)
    assert (
        stored is not None and stored.content == "final words" and stored.attachments == ("https://x/y.png",)
    )
    hits = await db.fetchall("SELECT rowid FROM comments_fts WHERE comments_fts MATCH 'final'")
    assert [r[0] for r in hits] == [5001]
    assert await svc.edit(999, "unknown message", T0) is False


@pytest.mark.asyncio
async def test_delete_tombstones_only_with_replies_and_purges(db: Database) -> None:
    article = await add_article(db)
    svc = CommentService(db)
    await svc.store(msg(5001, "parent", author=7))
    await svc.store(msg(5002, "child", parent=5001))
    await svc.store(msg(5003, "grandchild", parent=5002))
    await svc.store(msg(5004, "lonely"))

    assert await svc.delete(5004) == 1
    assert await svc.get(5004) is None  # no replies: gone

    assert await svc.delete(5001) == 1
    tomb = await svc.get(5001)
    assert tomb is not None and tomb.deleted
    assert (tomb.content, tomb.author_id, tomb.author_name, tomb.attachments) == ("", None, None, ())
    assert await svc.count(GUILD) == 2  # tombstones are not counted
    assert await svc.delete(5001) == 0  # deleting again changes nothing

    assert await svc.delete(5002) == 1  # still has a reply: a second tombstone
    assert await ids(db) == [5001, 5002, 5003]
    assert await svc.delete(5003) == 1  # last reply gone: both tombstones above are purged
    assert await ids(db) == []
    assert await svc.tree(GUILD, article) == []


@pytest.mark.asyncio
async def test_bulk_delete_of_parent_and_reply_leaves_nothing(db: Database) -> None:
    await add_article(db)
    svc = CommentService(db)
    await svc.store(msg(5001))
    await svc.store(msg(5002, parent=5001))
    await svc.store(msg(5003, parent=5001))
    assert await svc.delete_many([5001, 5002]) == 2
    assert await ids(db) == [5001, 5003]  # 5001 keeps 5003's reply: tombstone
    assert await svc.delete_many([5003, 424242]) == 1
    assert await ids(db) == []


@pytest.mark.asyncio
async def test_order_is_kept_inside_one_batch(db: Database) -> None:
    await add_article(db)
    svc = CommentService(db, linger_s=0.02)
    results = await asyncio.gather(
        svc.store(msg(5001, "created")),
        svc.edit(5001, "edited", T0 + timedelta(days=1)),
        svc.store(msg(5002, "doomed")),
        svc.delete(5002),
    )
    assert results == [True, True, True, 1]
    stored = await svc.get(5001)
    assert stored is not None and stored.content == "edited"
    assert await svc.get(5002) is None
    # The delete is remembered: a late re-read of the message does not bring it back.
    await svc.store(msg(5002, "doomed"))
    assert await svc.get(5002) is None


@pytest.mark.asyncio
async def test_a_bad_message_does_not_sink_its_batch(db: Database) -> None:
    await add_article(db)
    svc = CommentService(db, linger_s=0.02)
    bad = IncomingMessage(5002, GUILD, THREAD, 1, "x", None, (), T0)  # type: ignore[arg-type]
    results = await asyncio.gather(
        svc.store(msg(5001)), svc.store(bad), svc.store(msg(5003)), return_exceptions=True
    )
    assert results[0] is True and results[2] is True
    assert isinstance(results[1], Exception)
    assert await ids(db) == [5001, 5003]


@pytest.mark.asyncio
async def test_one_bad_message_in_a_large_batch_fails_alone_and_holds_the_cursor_back(db: Database) -> None:
    await add_article(db)
    svc = CommentService(db)

    async def empty(after: int | None) -> AsyncIterator[HistoryPage]:
        return
        yield

    await svc.sync_thread(THREAD, empty)  # read to the end: live messages may move the cursor
    bad_id = 5150
    # A lone surrogate cannot be encoded for SQLite: the only message of the batch that can fail.
    messages = [msg(i, "broken \ud800 text" if i == bad_id else "") for i in range(5001, 5301)]
    results = await asyncio.gather(*(svc.store(m, live=True) for m in messages), return_exceptions=True)
    failed = [m.message_id for m, r in zip(messages, results, strict=True) if isinstance(r, Exception)]
    assert failed == [bad_id]
    assert all(r is True for r in results if not isinstance(r, Exception))
    assert await ids(db) == [m.message_id for m in messages if m.message_id != bad_id]
    # The cursor stops before the hole, and the thread is no longer in sync, so later live messages
    # do not move it either: the next history sync is what may close the gap.
    assert await cursor(db) == bad_id - 1
    assert not svc.is_synced(THREAD)
    await svc.store(msg(5400), live=True)
    assert await cursor(db) == bad_id - 1


@pytest.mark.asyncio
async def test_nul_characters_are_stored_whole_and_in_order(db: Database) -> None:
    await add_article(db)
    svc = CommentService(db, linger_s=0.02)
    odd = IncomingMessage(5002, GUILD, THREAD, 7, "name\x00tail", "before\x00after", (), T0)
    results = await asyncio.gather(
        svc.store(msg(5001, "plain")),
        svc.store(odd),
        svc.store(msg(5002, "newer copy", edited=T0 + timedelta(hours=1))),
        svc.store(msg(5003, "plain too")),
    )
    assert results == [True, True, True, True]
    assert await ids(db) == [5001, 5002, 5003]
    stored = await svc.get(5002)
    assert stored is not None and stored.content == "newer copy"
    await svc.store(msg(5004, "a\x00b", author=9))
    fourth = await svc.get(5004)
    assert fourth is not None and fourth.content == "a\x00b"


@pytest.mark.asyncio
async def test_a_message_twice_in_one_batch_ends_with_the_newer_edit(db: Database) -> None:
    await add_article(db)
    svc = CommentService(db, linger_s=0.02)
    later = T0 + timedelta(minutes=5)
    await asyncio.gather(
        svc.store(msg(5001, "first")),
        svc.store(msg(5001, "fixed typo", edited=later)),
        svc.store(msg(5002, "edited", edited=later)),
        svc.store(msg(5002, "original (a late history read)")),
    )
    first, second = await svc.get(5001), await svc.get(5002)
    assert first is not None and first.content == "fixed typo"
    assert second is not None and second.content == "edited"


@pytest.mark.asyncio
async def test_committed_before_store_returns_and_close_flushes(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    db = await Database.open(path)
    await add_article(db)
    other = await Database.open(path)  # a second connection sees only committed data
    svc = CommentService(db)
    await svc.store(msg(5001))
    assert await ids(other) == [5001]
    pending = [asyncio.create_task(svc.store(msg(5002 + i))) for i in range(300)]
    await asyncio.sleep(0)  # queued, not awaited
    await svc.close()
    assert len(await ids(other)) == 301
    assert all(t.done() and t.result() is True for t in pending)
    with pytest.raises(CommentServiceClosed):
        await svc.store(msg(9999))
    await svc.start()
    assert await svc.store(msg(9999)) is True
    await other.close()
    await db.close()


@pytest.mark.asyncio
async def test_many_concurrent_writes_all_land(db: Database) -> None:
    await add_article(db)
    await add_article(db, title="Second story", thread_id=6000)
    svc = CommentService(db, max_batch=64)
    messages = [msg(10_000 + i, thread=THREAD if i % 2 else 6000) for i in range(2000)]
    results = await asyncio.gather(*(svc.store(m, live=True) for m in messages))
    assert all(results)
    assert await db.fetchval("SELECT count(*) FROM comments") == 2000


@pytest.mark.asyncio
async def test_sync_reads_from_the_cursor_and_picks_up_edits_and_deletes(db: Database) -> None:
    await add_article(db)
    svc = CommentService(db)
    first = [msg(i) for i in range(5001, 5008)]
    source, calls = history(first)
    result = await svc.sync_thread(THREAD, source)
    assert calls == [None] and result.read == 7 and result.written == 7 and result.deleted == 0
    assert await cursor(db) == 5007 and result.cursor == 5007
    assert svc.is_synced(THREAD)

    # While "away": 5008-5009 posted, 5003 edited, 5005 deleted.
    edited = msg(5003, "edited while away", edited=T0 + timedelta(days=1))
    later = [m for m in first if m.message_id not in (5003, 5005)] + [edited, msg(5008), msg(5009)]
    source, calls = history(later)
    result = await svc.sync_thread(THREAD, source)
    assert calls == [5007]  # resumes after the cursor
    assert (result.read, result.written, result.deleted) == (2, 2, 0)
    assert await cursor(db) == 5009

    result = await svc.sync_thread(THREAD, history(later)[0], full=True)
    assert (result.written, result.deleted) == (1, 1)  # the edit, and the delete
    assert await ids(db) == [5001, 5002, 5003, 5004, 5006, 5007, 5008, 5009]
    stored = await svc.get(5003)
    assert stored is not None and stored.content == "edited while away"


@pytest.mark.asyncio
async def test_sync_delete_detection_keeps_tombstones_for_replies(db: Database) -> None:
    await add_article(db)
    svc = CommentService(db)
    await svc.store(msg(5001, "parent"))
    await svc.store(msg(5002, "reply", parent=5001))
    result = await svc.sync_thread(THREAD, history([msg(5002, "reply", parent=5001)])[0])
    assert result.deleted == 1
    tomb = await svc.get(5001)
    assert tomb is not None and tomb.deleted and tomb.content == ""


@pytest.mark.asyncio
async def test_sync_of_unknown_thread_is_an_error(db: Database) -> None:
    svc = CommentService(db)
    with pytest.raises(LookupError):
        await svc.sync_thread(777, history([])[0])


@pytest.mark.asyncio
async def test_live_messages_move_the_cursor_only_while_in_sync(db: Database) -> None:
    await add_article(db)
    svc = CommentService(db)
    await svc.store(msg(5001), live=True)
    assert await cursor(db) is None  # not yet read since (re)connecting: there may be a gap

    await svc.sync_thread(THREAD, history([msg(5001), msg(5002)])[0])
    assert await cursor(db) == 5002
    await svc.store(msg(5003), live=True)
    assert await cursor(db) == 5003
    await svc.store(msg(5004, "an edit, not a create"))
    assert await cursor(db) == 5003

    svc.connection_lost()
    await svc.store(msg(5010), live=True)  # 5005-5009 may have been missed
    assert await cursor(db) == 5003
    assert not svc.needs_sync(THREAD)  # no catch-up has run since the reconnect

    async def opener(record: object) -> HistorySource:
        return history([msg(i) for i in range(5001, 5011)])[0]

    report = await svc.catch_up(await ThreadRepo(db).list_all(), opener)
    assert (report.threads, report.read) == (1, 7)
    assert await cursor(db) == 5010 and len(await ids(db)) == 10
    await svc.store(msg(5011), live=True)
    assert await cursor(db) == 5011


@pytest.mark.asyncio
async def test_one_batch_moves_each_threads_cursor_to_its_own_last_message(db: Database) -> None:
    threads = (5000, 6000, 7000)
    for n, thread in enumerate(threads):
        await add_article(db, title=f"Story {n}", thread_id=thread)
    svc = CommentService(db)
    for thread in threads:
        await svc.sync_thread(thread, history([])[0])
    messages = [msg(thread + k, thread=thread) for k in range(1, 40) for thread in threads]
    assert all(await asyncio.gather(*(svc.store(m, live=True) for m in messages)))
    assert [await cursor(db, t) for t in threads] == [5039, 6039, 7039]


@pytest.mark.asyncio
async def test_a_full_resync_never_moves_the_cursor_back(db: Database) -> None:
    await add_article(db)
    svc = CommentService(db)
    await svc.sync_thread(THREAD, history([msg(i) for i in range(5001, 5011)])[0])
    assert await cursor(db) == 5010
    # An older, shorter view of the history (its pages end at 5005): the cursor stays where it is.
    await svc.sync_thread(THREAD, history([msg(i) for i in range(5001, 5006)])[0], full=True)
    assert await cursor(db) == 5010
    assert len(await ids(db)) == 10


@pytest.mark.asyncio
async def test_thread_registered_after_catch_up_needs_sync(db: Database) -> None:
    await add_article(db)
    svc = CommentService(db)

    async def unreachable(record: object) -> None:
        return None

    report = await svc.catch_up(await ThreadRepo(db).list_all(), unreachable)
    assert report.unreachable == 1
    await add_article(db, title="Late story", thread_id=7000)
    assert svc.needs_sync(7000)
    await svc.sync_thread(7000, history([msg(7001, thread=7000)])[0])
    assert not svc.needs_sync(7000)


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from datetime import UTC, datetime
    from bot.comments import CommentService, IncomingMessage
    from bot.store.db import Database

    async def main(path, thread, guild):
        db = await Database.open(path)
        svc = CommentService(db, max_batch=200)

        async def empty(after):
            return
            yield

        await svc.sync_thread(thread, empty)  # an empty thread read to the end: in sync
        next_id = thread + 1
        while True:
            msgs = [IncomingMessage(next_id + k, guild, thread, 1, "u", "hello " * 20, (),
                                    datetime.now(UTC)) for k in range(100)]
            next_id += 100
            await asyncio.gather(*(svc.store(m, live=True) for m in msgs))
            if next_id > thread + 1000:
                print("ready", flush=True)

    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
    """
)


@pytest.mark.asyncio
async def test_sigkill_never_leaves_the_cursor_past_an_uncommitted_message(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    db = await Database.open(path)
    await add_article(db)
    await db.close()
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        str(path),
        str(THREAD),
        str(GUILD),
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), timeout=60)
    assert line.strip() == b"ready"
    await asyncio.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    await proc.wait()

    db = await Database.open(path)
    stored = await ids(db)
    last = await cursor(db)
    assert last is not None and stored
    # Everything up to the cursor is stored, and nothing was stored out of order.
    assert stored == list(range(THREAD + 1, stored[-1] + 1))
    assert last == stored[-1]
    # "Discord" still has every message the child sent; a restart's catch-up fills in the rest.
    sent = [msg(i) for i in range(THREAD + 1, stored[-1] + 301)]
    source, calls = history(sent, page_size=100)
    svc = CommentService(db)
    await svc.sync_thread(THREAD, source)
    assert calls == [last]
    assert await ids(db) == [m.message_id for m in sent]
    await db.close()


@pytest.mark.asyncio
async def test_export_json_tree_and_jsonl(db: Database) -> None:
    article = await add_article(db, title="Council <votes> *today*")
    svc = CommentService(db)
    await svc.store(msg(5001, "root", author=7, attachments=("https://cdn.example/p.png",)))
    await svc.store(msg(5002, "reply", author=8, parent=5001))
    await svc.store(msg(5003, "gone soon", author=9, parent=5001))
    await svc.store(msg(5004, "reply to deleted", parent=5003))
    await svc.delete(5003)

    data = await svc.export(GUILD, article)
    assert data is not None
    assert data["article"]["title"] == "Council <votes> *today*"
    assert data["article"]["url"] == f"https://news.example/{GUILD}/{THREAD}"
    assert data["article"]["summary"] == ["The bridge reopened on Monday.", "Repairs took six weeks."]
    assert data["thread_id"] == str(THREAD) and data["comment_count"] == 3
    (root,) = data["comments"]
    assert root["id"] == "5001" and root["author"] == {"id": "7", "name": "user7"}
    assert root["attachments"] == ["https://cdn.example/p.png"] and root["deleted"] is False
    assert [r["id"] for r in root["replies"]] == ["5002", "5003"]
    tomb = root["replies"][1]
    assert tomb["deleted"] is True and tomb["author"] is None and tomb["content"] == ""
    assert tomb["replies"][0]["content"] == "reply to deleted"
    assert set(root) == {
        "id",
        "parent_id",
        "author",
        "content",
        "attachments",
        "created_at",
        "edited_at",
        "deleted",
        "replies",
    }

    file = await svc.export_file(GUILD, article, "json")
    assert file is not None and file.filename == f"article-{article}-comments.json"
    assert json.loads(file.data)["comments"] == data["comments"]

    lines = await svc.export_file(GUILD, article, "jsonl")
    assert lines is not None and lines.comments == 3
    records = [json.loads(line) for line in lines.data.decode().splitlines()]
    assert records[0]["type"] == "article" and records[0]["article"]["id"] == article
    assert [(r["id"], r["parent_id"]) for r in records[1:]] == [
        ("5001", None),
        ("5002", "5001"),
        ("5003", "5001"),
        ("5004", "5003"),
    ]
    with pytest.raises(ValueError):
        await svc.export_file(GUILD, article, "xml")


@pytest.mark.asyncio
async def test_forget_author_counts_tombstones_and_survives_resync(db: Database) -> None:
    article = await add_article(db)
    svc = CommentService(db)
    await svc.store(msg(5001, "mine, answered", author=7))
    await svc.store(msg(5002, "someone answers", author=8, parent=5001))
    await svc.store(msg(5003, "mine, alone", author=7))
    await svc.store(msg(5004, "mine, alone too", author=7, parent=5002))

    result = await svc.forget_author(GUILD, 7, up_to_id=5100)
    assert (result.removed, result.tombstoned, result.total) == (2, 1, 3)
    assert await svc.count(GUILD) == 1
    tomb = await svc.get(5001)
    assert tomb is not None and tomb.deleted and tomb.author_id is None

    # A full history re-read still sees their old messages on Discord: they stay forgotten.
    everything = [
        msg(5001, "mine, answered", author=7),
        msg(5002, author=8, parent=5001),
        msg(5003, author=7),
        msg(5004, author=7, parent=5002),
    ]
    await svc.sync_thread(THREAD, history(everything)[0], full=True)
    assert await ids(db) == [5001, 5002]
    # What they write after asking is stored as usual.
    await svc.store(msg(5200, "new opinion", author=7))
    assert (await svc.get(5200)) is not None
    assert (await svc.forget_author(GUILD, 7, up_to_id=5000)).total == 1  # the newer one; cutoff kept
    await svc.store(msg(5050, author=7))  # still before the first cutoff, which only grows
    assert await svc.get(5050) is None
    assert len(await svc.tree(GUILD, article)) == 1


@pytest.mark.asyncio
async def test_guilds_are_isolated(db: Database) -> None:
    mine = await add_article(db, GUILD)
    theirs = await add_article(db, OTHER_GUILD, thread_id=8000)
    svc = CommentService(db)
    await svc.store(msg(5001, author=7))
    await svc.store(msg(8001, author=7, thread=8000, guild=OTHER_GUILD))
    await svc.store(msg(8002, author=7, thread=8000, guild=GUILD))  # claims the wrong guild: refused
    assert await svc.count(GUILD) == 1 and await svc.count(OTHER_GUILD) == 1
    assert await svc.export(GUILD, theirs) is None
    assert await svc.export_file(OTHER_GUILD, mine) is None
    assert await svc.tree(GUILD, theirs) == []
    assert (await svc.forget_author(GUILD, 7, up_to_id=10**6)).total == 1
    assert await svc.count(OTHER_GUILD) == 1
    picks = await svc.discussed_articles(OTHER_GUILD)
    assert [p.article_id for p in picks] == [theirs]
    assert [p.article_id for p in await svc.discussed_articles(GUILD, "bridge")] == [mine]
    assert await svc.discussed_articles(GUILD, "no such title") == []


@pytest.mark.asyncio
async def test_catch_up_runs_threads_side_by_side_and_counts_unreadable_ones(db: Database) -> None:
    for n in range(5):
        await add_article(db, title=f"Story {n}", thread_id=THREAD + 1000 * n)
    svc = CommentService(db)
    running = 0
    most = 0

    async def opener(record: ThreadRecord) -> HistorySource:
        async def pages(after: int | None) -> AsyncIterator[HistoryPage]:
            nonlocal running, most
            if record.id == THREAD + 4000:
                raise HistoryUnavailable("403 Missing Access")
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.01)  # a history request on the wire
            running -= 1
            yield HistoryPage((msg(record.id + 1, thread=record.id),), record.id + 1)

        return pages

    report = await svc.catch_up(await ThreadRepo(db).list_all(), opener, concurrency=3)
    assert (report.threads, report.unreachable, report.failed, report.read) == (4, 1, 0, 4)
    assert most == 3
    assert all(svc.is_synced(THREAD + 1000 * n) for n in range(4))
    assert not svc.is_synced(THREAD + 4000)
