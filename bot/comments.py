"""Comment capture: every message of an article's thread kept as that article's comment section.

The Discord side hands over plain values (`IncomingMessage`); this module decides what they mean.

Writes are batched: each call queues an operation and waits for the commit that carries it. A
drain task, started on demand and gone when the queue is empty, commits everything queued since
the previous commit in one transaction (group commit), so under load one transaction carries
thousands of messages and when idle a message is committed at once. Operations are applied in the
order they were queued, so an edit or delete queued after a create always lands after it.

A batch is one trip to the database thread: lookups, writes, cursor moves and COMMIT run there as
one synchronous function (`Database.run_in_transaction`), and an operation that fails is isolated
there too (savepoints, halving the batch), so the others still commit in the same trip. During a
gateway flood the event loop takes long turns, and a commit that went back to it after every
statement, or a retry one message at a time, would leave messages waiting for seconds.

Nothing is lost across downtime because of the per-thread cursor (`threads.last_message_id`): it
means "every message up to here is stored". A history page moves it in the same transaction that
stores the page. A live message moves it only when its thread has been read in full since the
gateway (re)connected: after a disconnect, live events alone cannot prove there is no gap, so the
cursor stays put until the next history sync has closed it. What was queued but not committed when
the process died is therefore still after the cursor, and the sync on restart reads it again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.store.articles import ArticleRepo
from bot.store.comments import CommentRow, CommentStore, DeleteOutcome, DiscussedArticle, StoredComment
from bot.store.db import Database
from bot.store.threads import ThreadRecord, ThreadRepo

log = logging.getLogger(__name__)

EXPORT_FORMATS = ("json", "jsonl")
EXPORT_VERSION = "parley.comments/1"
# Replies nested deeper than this are hung under their deepest shown ancestor, so a long reply
# chain cannot overflow a JSON encoder or a web page.
MAX_NEST_DEPTH = 64


@dataclass(frozen=True)
class IncomingMessage:
    message_id: int
    guild_id: int
    channel_id: int  # the thread (or forum post) the message was sent in
    author_id: int | None
    author_name: str | None
    content: str
    attachments: tuple[str, ...]  # attachment URLs
    created_at: datetime
    edited_at: datetime | None = None
    parent_id: int | None = None  # the replied-to message, when it is in the same thread


@dataclass(frozen=True)
class HistoryPage:
    """One contiguous slice of a thread's history, oldest first.

    `through_id` is the newest message id the slice covered, counting messages the adapter left out
    (system messages, the bot's own posts): every message after the previous page and up to
    `through_id` that is a comment must be in `messages`. That contract is what lets the cursor
    move to `through_id` and lets a stored comment missing from the slice be treated as deleted.
    """

    messages: tuple[IncomingMessage, ...]
    through_id: int


# Given the cursor to read after (None: from the start), yields the thread's pages oldest first.
HistorySource = Callable[[int | None], AsyncIterator[HistoryPage]]
# Opens the history of a tracked thread, or returns None when the thread is gone or unreadable.
HistoryOpener = Callable[[ThreadRecord], Awaitable[HistorySource | None]]


@dataclass(frozen=True)
class SyncResult:
    thread_id: int
    read: int = 0  # messages the history returned that are comments
    written: int = 0  # rows inserted or updated (new messages, edits made while away)
    deleted: int = 0  # stored comments no longer in the history (deleted while away)
    cursor: int | None = None


@dataclass(frozen=True)
class CatchUpReport:
    threads: int = 0  # threads read to the end
    unreachable: int = 0  # threads deleted on Discord or not readable by the bot
    failed: int = 0  # threads whose sync broke off with an error
    read: int = 0
    written: int = 0
    deleted: int = 0


@dataclass(frozen=True)
class ForgetResult:
    removed: int
    tombstoned: int  # blanked but kept because other members replied to them

    @property
    def total(self) -> int:
        return self.removed + self.tombstoned


@dataclass(frozen=True)
class CommentNode:
    comment: StoredComment
    replies: tuple[CommentNode, ...]


@dataclass(frozen=True)
class ExportFile:
    filename: str
    data: bytes
    comments: int  # visible comments in the file
    title: str  # the article's title


class CommentServiceClosed(RuntimeError):
    """A write arrived after `close()`."""


class HistoryUnavailable(Exception):
    """Raised by a history source when the thread cannot be read (gone, or no access): the thread
    is counted as unreachable, not as a failure."""


# -- queued operations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Store:
    row: CommentRow
    live: bool


@dataclass(frozen=True)
class _Edit:
    message_id: int
    content: str
    edited_at: str
    attachments_json: str | None


@dataclass(frozen=True)
class _Delete:
    ids: tuple[int, ...]  # newest first, so replies go before the messages they answer


@dataclass(frozen=True)
class _Page:
    thread_id: int
    rows: tuple[CommentRow, ...]
    after: int | None
    through_id: int
    detect_deletes: bool


@dataclass(frozen=True)
class _Forget:
    guild_id: int
    author_id: int
    up_to_id: int


@dataclass(frozen=True)
class _Barrier:
    pass


_Op = _Store | _Edit | _Delete | _Page | _Forget | _Barrier


@dataclass(frozen=True)
class _Failed:
    """The result of an operation that could not be applied: its caller gets `error`."""

    error: Exception


@dataclass(frozen=True)
class _BatchContext:
    """What every attempt at one batch shares (on the database thread)."""

    ops: Sequence[_Op]
    synced: frozenset[int]  # threads whose live messages may move the cursor
    tracked: set[int]  # which of the batch's channels are article threads
    results: list[Any]  # per operation, filled in as attempts succeed


@dataclass
class _BatchState:
    """What applying a batch has decided so far; an attempt works on a copy, so one that is rolled
    back leaves no trace."""

    deleted_at: dict[int, int]  # see `CommentService._deleted_positions`
    cursor_to: dict[int, int] = field(default_factory=dict)
    holed: set[int] = field(default_factory=set)
    gone: list[int] = field(default_factory=list)

    def copy(self) -> _BatchState:
        return _BatchState(dict(self.deleted_at), dict(self.cursor_to), set(self.holed), list(self.gone))


def _weight(op: _Op) -> int:
    if isinstance(op, _Page):
        return max(1, len(op.rows))
    if isinstance(op, _Delete):
        return max(1, len(op.ids))
    return 1


def iso(moment: datetime) -> str:
    """UTC, fixed millisecond precision: equal-width strings compare in time order, which the
    newer-edit-wins rule relies on."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _now() -> str:
    return iso(datetime.now(UTC))


def to_row(msg: IncomingMessage) -> CommentRow:
    return CommentRow(
        message_id=msg.message_id,
        guild_id=msg.guild_id,
        thread_id=msg.channel_id,
        parent_id=msg.parent_id,
        author_id=msg.author_id,
        author_name=msg.author_name,
        content=msg.content,
        attachments_json=json.dumps(list(msg.attachments)) if msg.attachments else "[]",
        created_at=iso(msg.created_at),
        edited_at=iso(msg.edited_at) if msg.edited_at else None,
    )


class CommentService:
    """Capture, sync, export and erasure of comments. One instance per process, shared by all
    guilds; every read and erase takes the guild id."""

    def __init__(
        self,
        db: Database,
        *,
        threads: ThreadRepo | None = None,
        articles: ArticleRepo | None = None,
        store: CommentStore | None = None,
        max_batch: int = 2000,
        linger_s: float = 0.0,
        remember_deletes: int = 100_000,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        if not 0.0 <= linger_s <= 0.05:
            raise ValueError("linger_s must be between 0 and 0.05 seconds")
        self._db = db
        self._threads = threads or ThreadRepo(db)
        self._articles = articles or ArticleRepo(db)
        self._store = store or CommentStore(db)
        self._max_batch = max_batch
        self._linger_s = linger_s
        self._queue: deque[tuple[_Op, asyncio.Future[Any]]] = deque()
        self._drainer: asyncio.Task[None] | None = None
        self._closed = False
        # Ids deleted on Discord lately: a history page fetched just before a delete and committed
        # just after it must not bring the message back.
        self._recent_deletes: OrderedDict[int, None] = OrderedDict()
        self._remember_deletes = remember_deletes
        # Connection bookkeeping for the cursor rule in the module docstring.
        self._generation = 0
        self._synced: set[int] = set()
        self._syncing: set[int] = set()
        self._caught_up_generation: int | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Accept writes (again, after `close()`). Optional: a new service already does; the writer
        task itself starts on the first write, so an idle service owns no task."""
        self._closed = False

    async def flush(self) -> None:
        """Return once everything queued before this call is committed (or has failed)."""
        if self._queue or (self._drainer is not None and not self._drainer.done()):
            await self._submit(_Barrier(), force=True)

    async def close(self) -> None:
        """Stop taking writes and commit what is queued: the shutdown path."""
        self._closed = True
        await self.flush()

    # -- connection state (called by the Discord adapter) ---------------------------------------

    def connection_lost(self) -> None:
        """The gateway dropped: events may be missed until the next catch-up, so no thread counts
        as in sync any more and live messages stop moving cursors."""
        self._generation += 1
        self._synced.clear()
        self._caught_up_generation = None

    def needs_sync(self, thread_id: int) -> bool:
        """A tracked thread that the last catch-up did not cover (registered after it), so its
        history should be read once to bring it in sync."""
        return (
            self._caught_up_generation == self._generation
            and thread_id not in self._synced
            and thread_id not in self._syncing
        )

    def is_synced(self, thread_id: int) -> bool:
        return thread_id in self._synced

    # -- writes ---------------------------------------------------------------------------------

    async def store(self, msg: IncomingMessage, *, live: bool = False) -> bool:
        """Store or refresh one message; True when its channel is a tracked thread.

        `live=True` is for gateway create events, which arrive in order: they may move the thread's
        cursor. Edits, history reads and manual adds pass False.
        """
        result = await self._submit(_Store(to_row(msg), live))
        return bool(result)

    async def edit(
        self,
        message_id: int,
        content: str,
        edited_at: datetime,
        attachments: Sequence[str] | None = None,
    ) -> bool:
        """Apply an edit to a stored comment; True if it changed. An edit older than the stored
        one is ignored."""
        attachments_json = json.dumps(list(attachments)) if attachments is not None else None
        return bool(await self._submit(_Edit(message_id, content, iso(edited_at), attachments_json)))

    async def delete(self, message_id: int) -> int:
        """Delete one message; returns 1 if a stored comment was removed or tombstoned."""
        return await self.delete_many((message_id,))

    async def delete_many(self, message_ids: Iterable[int]) -> int:
        ids = tuple(sorted(set(message_ids), reverse=True))
        if not ids:
            return 0
        outcome: DeleteOutcome = await self._submit(_Delete(ids))
        return outcome.changed

    async def forget_author(self, guild_id: int, author_id: int, *, up_to_id: int) -> ForgetResult:
        """Erase a member's comments in one guild (tombstones where others replied) and keep their
        messages up to `up_to_id` (the request's snowflake) out of later history syncs."""
        result: ForgetResult = await self._submit(_Forget(guild_id, author_id, up_to_id))
        return result

    # -- history sync -----------------------------------------------------------------------------

    async def sync_thread(
        self, thread_id: int, source: HistorySource, *, full: bool = False, detect_deletes: bool = True
    ) -> SyncResult:
        """Read a tracked thread from its cursor (or from the start with `full`) and store every page.

        Messages read again are upserted with their current content, so edits made while the bot
        was away are picked up. With `detect_deletes`, a stored comment inside a page's id range
        that the page no longer has was deleted on Discord and is deleted here too: safe because a
        page is contiguous (see `HistoryPage`) and snowflakes only grow, so no message created
        after the read can fall inside a range already read. A normal sync only covers messages
        after the cursor; `full=True` re-reads the whole thread to catch every edit and delete.
        """
        record = await self._threads.get(thread_id)
        if record is None:
            raise LookupError(f"thread {thread_id} is not a tracked article thread")
        generation = self._generation
        after = None if full else record.last_message_id
        read = written = deleted = 0
        self._syncing.add(thread_id)
        try:
            async for page in source(after):
                if after is not None and page.through_id <= after:
                    continue
                rows = tuple(
                    to_row(m)
                    for m in page.messages
                    if m.channel_id == thread_id and m.message_id <= page.through_id
                )
                page_written, page_deleted = await self._submit(
                    _Page(thread_id, rows, after, page.through_id, detect_deletes)
                )
                read += len(rows)
                written += page_written
                deleted += page_deleted
                after = page.through_id
        finally:
            self._syncing.discard(thread_id)
        if generation == self._generation:
            self._synced.add(thread_id)
        final = await self._threads.get(thread_id)
        return SyncResult(
            thread_id=thread_id,
            read=read,
            written=written,
            deleted=deleted,
            cursor=final.last_message_id if final else None,
        )

    async def catch_up(
        self,
        threads: Iterable[ThreadRecord],
        open_history: HistoryOpener,
        *,
        full: bool = False,
        concurrency: int = 4,
    ) -> CatchUpReport:
        """Sync every thread, a few at a time (each history read mostly waits on the network); one
        unreadable or failing thread does not stop the others."""
        generation = self._generation
        pending = deque(threads)
        done = unreachable = failed = read = written = deleted = 0

        async def worker() -> None:
            nonlocal done, unreachable, failed, read, written, deleted
            while pending:
                record = pending.popleft()
                source = await open_history(record)
                if source is None:
                    unreachable += 1
                    continue
                try:
                    result = await self.sync_thread(record.id, source, full=full)
                except HistoryUnavailable as exc:
                    log.info("thread %s cannot be read: %s", record.id, exc)
                    unreachable += 1
                    continue
                except Exception:
                    log.exception("history sync of thread %s failed", record.id)
                    failed += 1
                    continue
                done += 1
                read += result.read
                written += result.written
                deleted += result.deleted

        await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(pending))))))
        if generation == self._generation:
            self._caught_up_generation = generation
        return CatchUpReport(done, unreachable, failed, read, written, deleted)

    # -- reads ------------------------------------------------------------------------------------

    async def get(self, message_id: int) -> StoredComment | None:
        return await self._store.get(message_id)

    async def count(self, guild_id: int, article_id: int | None = None) -> int:
        return await self._store.count(guild_id, article_id)

    async def discussed_articles(
        self, guild_id: int, query: str = "", limit: int = 25
    ) -> list[DiscussedArticle]:
        return await self._store.discussed_articles(guild_id, query, limit)

    async def tree(self, guild_id: int, article_id: int) -> list[CommentNode]:
        """The article's comments as reply trees, oldest first at every level. A reply whose parent
        is not a stored comment (a reply to the article post, or to a message removed before it was
        seen) is a top-level comment."""
        comments = await self._store.for_article(guild_id, article_id)
        host = _nesting(comments)
        children: dict[int, list[CommentNode]] = {}
        roots: list[CommentNode] = []
        # Replies always have larger ids than what they answer, so building newest first means
        # every node's replies exist before the node itself.
        for comment in reversed(comments):
            node = CommentNode(comment, tuple(reversed(children.pop(comment.message_id, []))))
            parent = host.get(comment.message_id)
            (children.setdefault(parent, []) if parent is not None else roots).append(node)
        roots.reverse()
        return roots

    async def export(self, guild_id: int, article_id: int) -> dict[str, Any] | None:
        """The comment tree with the article's metadata, as JSON-ready data; None when the guild
        has no such article. Ids are strings: snowflakes do not fit a JavaScript number."""
        head = await self._export_head(guild_id, article_id)
        if head is None:
            return None
        roots = await self.tree(guild_id, article_id)
        head["comments"] = [_node_dict(n) for n in roots]
        return head

    async def export_file(self, guild_id: int, article_id: int, fmt: str = "json") -> ExportFile | None:
        """`json`: the tree (see `export`); `jsonl`: one line for the article, then one line per
        comment oldest first with its `parent_id`, for loading into a table."""
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {fmt!r} (use {' or '.join(EXPORT_FORMATS)})")
        head = await self._export_head(guild_id, article_id)
        if head is None:
            return None
        if fmt == "json":
            head["comments"] = [_node_dict(n) for n in await self.tree(guild_id, article_id)]
            body = json.dumps(head, ensure_ascii=False, indent=2) + "\n"
        else:
            comments = await self._store.for_article(guild_id, article_id)
            lines = [json.dumps({"type": "article", **head}, ensure_ascii=False)]
            lines.extend(
                json.dumps({"type": "comment", **_comment_dict(c)}, ensure_ascii=False) for c in comments
            )
            body = "\n".join(lines) + "\n"
        return ExportFile(
            filename=f"article-{article_id}-comments.{fmt}",
            data=body.encode("utf-8"),
            comments=int(head["comment_count"]),
            title=str(head["article"]["title"]),
        )

    async def _export_head(self, guild_id: int, article_id: int) -> dict[str, Any] | None:
        article = await self._articles.get(guild_id, article_id)
        if article is None:
            return None
        thread = await self._threads.for_article(article_id)
        return {
            "format": EXPORT_VERSION,
            "exported_at": _now(),
            "guild_id": str(guild_id),
            "article": {
                "id": article.id,
                "title": article.title,
                "url": article.url,
                "published_at": article.published_at,
                "site_name": article.site_name,
                "summary": list(article.summary),
            },
            "thread_id": str(thread.id) if thread and thread.guild_id == guild_id else None,
            "comment_count": await self._store.count(guild_id, article_id),
        }

    # -- the writer -------------------------------------------------------------------------------

    def _remember_deleted(self, ids: Iterable[int]) -> None:
        for message_id in ids:
            self._recent_deletes[message_id] = None
            self._recent_deletes.move_to_end(message_id)
        while len(self._recent_deletes) > self._remember_deletes:
            self._recent_deletes.popitem(last=False)

    def _submit(self, op: _Op, *, force: bool = False) -> asyncio.Future[Any]:
        if self._closed and not force:
            raise CommentServiceClosed("the comment service is closed")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((op, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain(), name="comments-writer")
        return future

    async def _drain(self) -> None:
        if len(self._queue) < self._max_batch:
            # The first write after an idle spell waits for company: zero linger still yields one
            # loop turn, so events dispatched together share a commit. Later batches do not wait:
            # what arrived during the previous commit is the next batch, and under a flood a loop
            # turn is long, so an extra one per batch would cost a good part of the throughput.
            await asyncio.sleep(self._linger_s)
        while self._queue:
            batch: list[tuple[_Op, asyncio.Future[Any]]] = []
            weight = 0
            while self._queue and weight < self._max_batch:
                item = self._queue.popleft()
                batch.append(item)
                weight += _weight(item[0])
            try:
                await self._run_batch(batch)
            except BaseException:
                for _, future in batch:
                    if not future.done():
                        future.cancel()
                raise

    async def _run_batch(self, batch: list[tuple[_Op, asyncio.Future[Any]]]) -> None:
        """Commit a batch in one trip to the database thread (see `_write`) and settle its futures.

        One trip matters because during a gateway flood every trip back waits a whole event-loop
        turn behind the gateway's work: a statement-by-statement commit, or a retry one operation
        at a time after a bad message, would starve the writer."""
        ops = [op for op, _ in batch]
        deleted_at = self._deleted_positions(ops)
        synced = frozenset(self._synced)
        try:
            results, gone, holed = await self._db.run_in_transaction(
                lambda conn: self._write(conn, ops, synced, deleted_at)
            )
        except Exception as exc:
            # The transaction itself failed (the disk, a broken file): nothing of the batch is stored.
            log.warning("comment batch of %d failed: %s", len(batch), exc)
            results = [_Failed(exc)] * len(batch)
            gone = []
            holed = {op.row.thread_id for op in ops if isinstance(op, _Store)}
        self._remember_deleted(gone)
        # A thread with a message that could not be stored has a hole: later live messages must not
        # move its cursor past it, so the next history sync can fill it.
        self._synced.difference_update(holed)
        failed = 0
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, _Failed):
                failed += 1
                future.set_exception(result.error)
            else:
                future.set_result(result)
        if failed and len(batch) > 1:
            log.warning(
                "%d of a batch of %d comment operations failed; the rest are stored", failed, len(batch)
            )

    def _deleted_positions(self, ops: Sequence[_Op]) -> dict[int, int]:
        """Message id -> index of the operation that deleted it (-1: deleted before this batch),
        for the ids of this batch that are deleted. Deletes are remembered here, in queue order,
        so the database thread never reads the service's own state."""
        positions: dict[int, int] = {}
        recent = self._recent_deletes
        for index, op in enumerate(ops):
            if isinstance(op, _Store):
                if op.row.message_id in recent:
                    positions.setdefault(op.row.message_id, -1)
            elif isinstance(op, _Edit):
                if op.message_id in recent:
                    positions.setdefault(op.message_id, -1)
            elif isinstance(op, _Page):
                for row in op.rows:
                    if row.message_id in recent:
                        positions.setdefault(row.message_id, -1)
            elif isinstance(op, _Delete):
                for message_id in op.ids:
                    positions.setdefault(message_id, index)
                self._remember_deleted(op.ids)
        return positions

    # -- on the database thread: these touch only their arguments and the connection ------------

    def _write(
        self,
        conn: sqlite3.Connection,
        ops: Sequence[_Op],
        synced: frozenset[int],
        deleted_at: dict[int, int],
    ) -> tuple[list[Any], list[int], set[int]]:
        """The whole batch inside the caller's transaction: each operation's result (or `_Failed`),
        the ids history pages found deleted, and the threads left with a hole by a failed store.
        Cursors move once per thread, after every row is written."""
        store_threads = {op.row.thread_id for op in ops if isinstance(op, _Store)}
        ctx = _BatchContext(
            ops=ops,
            synced=synced,
            tracked=self._store.tracked_threads(conn, store_threads) if store_threads else set(),
            results=[None] * len(ops),
        )
        state = self._attempt(conn, ctx, 0, len(ops), _BatchState(dict(deleted_at)))
        self._store.advance_cursors(conn, state.cursor_to.items())
        return ctx.results, state.gone, state.holed

    def _attempt(
        self, conn: sqlite3.Connection, ctx: _BatchContext, lo: int, hi: int, state: _BatchState
    ) -> _BatchState:
        """Apply ops[lo:hi] inside a savepoint; if that fails, undo it and split the range in two
        (in order), down to the one bad operation, which fails alone. One bad message in a batch
        of n costs about 2 log2(n) attempts, all in this one trip."""
        trial = state.copy()
        conn.execute("SAVEPOINT comment_ops")
        try:
            self._apply(conn, ctx, lo, hi, trial)
        except Exception as exc:
            conn.execute("ROLLBACK TO comment_ops")
            conn.execute("RELEASE comment_ops")
            if hi - lo == 1:
                ctx.results[lo] = _Failed(exc)
                op = ctx.ops[lo]
                if isinstance(op, _Store):
                    state.holed.add(op.row.thread_id)
                return state
            mid = (lo + hi) // 2
            return self._attempt(conn, ctx, mid, hi, self._attempt(conn, ctx, lo, mid, state))
        conn.execute("RELEASE comment_ops")
        return trial

    def _apply(
        self, conn: sqlite3.Connection, ctx: _BatchContext, lo: int, hi: int, state: _BatchState
    ) -> None:
        """ops[lo:hi] in queue order; consecutive stores share one statement."""
        deleted_at = state.deleted_at

        def deleted(message_id: int, index: int) -> bool:
            return deleted_at.get(message_id, index) < index

        results = ctx.results
        run: list[CommentRow] = []
        for index in range(lo, hi):
            op = ctx.ops[index]
            if isinstance(op, _Store):
                row = op.row
                tracked = row.thread_id in ctx.tracked
                results[index] = tracked
                if not deleted(row.message_id, index):
                    run.append(row)
                if op.live and tracked and row.thread_id in ctx.synced and row.thread_id not in state.holed:
                    state.cursor_to[row.thread_id] = max(
                        state.cursor_to.get(row.thread_id, 0), row.message_id
                    )
                continue
            if run:
                self._store.upsert(conn, run)
                run = []
            if isinstance(op, _Edit):
                results[index] = not deleted(op.message_id, index) and self._store.edit(
                    conn, op.message_id, op.content, op.edited_at, op.attachments_json
                )
            elif isinstance(op, _Delete):
                results[index] = self._delete_ids(conn, op.ids)
            elif isinstance(op, _Page):
                rows = [r for r in op.rows if not deleted(r.message_id, index)]
                written = self._store.upsert(conn, rows)
                removed = 0
                if op.detect_deletes:
                    gone = self._store.live_ids_between(conn, op.thread_id, op.after, op.through_id)
                    gone -= {r.message_id for r in op.rows}
                    if gone:
                        for message_id in gone:
                            deleted_at.setdefault(message_id, index)
                        state.gone.extend(gone)
                        removed = self._delete_ids(conn, sorted(gone, reverse=True)).changed
                self._store.advance_cursors(conn, [(op.thread_id, op.through_id)])
                results[index] = (written, removed)
            elif isinstance(op, _Forget):
                self._store.remember_forgotten(conn, op.guild_id, op.author_id, op.up_to_id)
                ids = self._store.author_comment_ids(conn, op.guild_id, op.author_id)
                outcome = self._delete_ids(conn, ids)
                results[index] = ForgetResult(removed=outcome.removed, tombstoned=outcome.tombstoned)
            else:  # _Barrier: nothing to write
                results[index] = None
        if run:
            self._store.upsert(conn, run)

    def _delete_ids(self, conn: sqlite3.Connection, ids: Sequence[int]) -> DeleteOutcome:
        removed = tombstoned = purged = 0
        deleted_at = _now()
        for message_id in ids:
            outcome = self._store.delete(conn, message_id, deleted_at)
            removed += outcome.removed
            tombstoned += outcome.tombstoned
            purged += outcome.purged
        return DeleteOutcome(removed=removed, tombstoned=tombstoned, purged=purged)


def _nesting(comments: Sequence[StoredComment]) -> dict[int, int]:
    """Message id -> id of the comment it is shown under (absent: top level), capping depth."""
    known = {c.message_id for c in comments}
    depth: dict[int, int] = {}
    host: dict[int, int] = {}
    for comment in comments:  # oldest first: parents before replies
        parent = comment.parent_id
        if parent is None or parent not in known or parent not in depth:
            depth[comment.message_id] = 0
            continue
        target = parent if depth[parent] < MAX_NEST_DEPTH else host[parent]
        host[comment.message_id] = target
        depth[comment.message_id] = depth[target] + 1
    return host


def _comment_dict(comment: StoredComment) -> dict[str, Any]:
    author = None
    if comment.author_id is not None or comment.author_name is not None:
        author = {
            "id": str(comment.author_id) if comment.author_id is not None else None,
            "name": comment.author_name,
        }
    return {
        "id": str(comment.message_id),
        "parent_id": str(comment.parent_id) if comment.parent_id is not None else None,
        "author": author,
        "content": comment.content,
        "attachments": list(comment.attachments),
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "deleted": comment.deleted,
    }


def _node_dict(root: CommentNode) -> dict[str, Any]:
    """Iterative, so a deep tree cannot hit Python's recursion limit here."""
    out = _comment_dict(root.comment)
    out["replies"] = []
    stack: list[tuple[CommentNode, dict[str, Any]]] = [(root, out)]
    while stack:
        node, target = stack.pop()
        for reply in node.replies:
            child = _comment_dict(reply.comment)
            child["replies"] = []
            target["replies"].append(child)
            stack.append((reply, child))
    return out
