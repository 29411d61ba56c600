"""Exactly-once posting of articles to Discord channels, from the outbox.

Discord offers no transaction spanning "send a message" and "write our database", so a crash between
the two must be survivable without a second post. The rules:

1. The intent is stored first (`OutboxRepo.enqueue`), and every attempt is counted in the database
   *before* anything is sent.
2. Each post carries a nonce derived from its row (Discord drops a repeated nonce for a while) and a
   marker naming the article (`parley:article:<id>`, in the embed footer).
3. A pending row that was attempted before and has no message id may have been posted by a process
   that died before recording it: the channel's recent posts are searched for the marker first, and a
   post found there is adopted instead of sending another.
4. The message id is recorded as soon as it is known; opening the thread is a separate, retryable
   step, and the transport treats "this message already has a thread" as success.

Article <-> thread is one-to-one (ThreadRepo): if an article already has a discussion elsewhere, a
new post links to it instead of opening a second comment section.

This module never imports discord: the Discord side is a `PostTransport` the bot supplies. Delivery
is serialised by one lock, so the scheduler's loop and a `/summarize` command can never deliver the
same row at the same time.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Protocol

from bot.store.articles import ArticleRepo, StoredArticle
from bot.store.outbox import OutboxRepo, OutboxRow
from bot.store.threads import ThreadRepo

log = logging.getLogger(__name__)

MARKER_PREFIX = "parley:article:"
_MARKER = re.compile(re.escape(MARKER_PREFIX) + r"(\d+)")
DEFAULT_MAX_ATTEMPTS = 5
_MAX_BACKOFF_S = 900.0


def marker(article_id: int) -> str:
    return f"{MARKER_PREFIX}{article_id}"


def parse_marker(text: str | None) -> int | None:
    """The article id named by a marker inside `text`, if any."""
    if not text:
        return None
    match = _MARKER.search(text)
    return int(match.group(1)) if match else None


class PostError(Exception):
    """Posting failed. `permanent` errors (unknown channel, missing permissions) are not retried;
    `str()` is shown to admins in `/parley status`."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class PostedMessage:
    """A post on Discord: its message id and, when known, its thread (a forum post's own thread, or a
    thread already opened from the message)."""

    message_id: int
    thread_id: int | None = None


class PostTransport(Protocol):
    """The Discord operations posting needs, implemented by the bot."""

    async def find_post(self, row: OutboxRow, marker: str) -> PostedMessage | None:
        """Search the channel's recent posts by the bot for `marker`."""
        ...

    async def send_post(
        self, row: OutboxRow, article: StoredArticle, discussion_thread_id: int | None
    ) -> PostedMessage:
        """Send the post (text channel: a message; forum: a new post) with `row.nonce` and the
        marker; when `discussion_thread_id` is set, link to that discussion instead."""
        ...

    async def open_thread(self, row: OutboxRow, message_id: int, article: StoredArticle) -> int:
        """Open the discussion thread from a posted message (or return the one it already has)."""
        ...


@dataclass(frozen=True)
class Delivery:
    row_id: int
    article_id: int
    channel_id: int
    status: str  # "sent" | "retry" | "failed"
    message_id: int | None = None
    thread_id: int | None = None
    recovered: bool = False  # the post was found in the channel instead of being sent again
    error: str | None = None


class Poster:
    def __init__(
        self,
        outbox: OutboxRepo,
        threads: ThreadRepo,
        articles: ArticleRepo,
        *,
        spacing_s: float = 5.0,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        self._outbox = outbox
        self._threads = threads
        self._articles = articles
        self._spacing_s = spacing_s
        self._max_attempts = max_attempts
        self._lock = asyncio.Lock()
        self._last_post: dict[int, float] = {}  # channel id -> time of the last post (caller's clock)
        self._retry_at: dict[int, float] = {}  # row id -> earliest time of the next attempt

    @property
    def outbox(self) -> OutboxRepo:
        return self._outbox

    async def deliver(self, row_id: int, transport: PostTransport) -> Delivery:
        """Bring one row to its final state as far as possible; safe to call again at any time."""
        async with self._lock:
            return await self._deliver(row_id, transport)

    async def deliver_due(self, transport: PostTransport, now: float) -> list[Delivery]:
        """Deliver the oldest pending row of each channel whose last post is at least `spacing_s`
        old by `now` (any monotonic clock, in seconds). Called on a short tick, this posts a backlog
        oldest first at one post per channel per `spacing_s`."""
        done: list[Delivery] = []
        seen: set[int] = set()
        for row in await self._outbox.pending():
            if row.channel_id in seen:
                continue
            seen.add(row.channel_id)
            last = self._last_post.get(row.channel_id)
            if last is not None and now - last < self._spacing_s:
                continue
            if now < self._retry_at.get(row.id, now):
                continue
            delivery = await self.deliver(row.id, transport)
            if delivery.status == "retry":
                # Back off exponentially so an outage does not burn every attempt in a minute.
                delay = min(_MAX_BACKOFF_S, max(self._spacing_s, 1.0) * 2 ** (row.attempts + 1))
                self._retry_at[row.id] = now + delay
            else:
                self._retry_at.pop(row.id, None)
            if delivery.status == "sent" and not delivery.recovered:
                self._last_post[row.channel_id] = now
            done.append(delivery)
        return done

    async def _deliver(self, row_id: int, transport: PostTransport) -> Delivery:
        row = await self._outbox.get(row_id)
        if row is None:
            raise LookupError(f"no outbox row {row_id}")
        if row.state != "pending":
            return _delivery(row, row.state, row.message_id, row.thread_id, error=row.last_error)
        article = await self._articles.get(row.guild_id, row.article_id)
        if article is None:
            await self._outbox.mark_failed(row.id, "the article is no longer stored")
            return _delivery(row, "failed", None, None, error="the article is no longer stored")

        await self._outbox.begin_attempt(row.id)
        attempts = row.attempts + 1
        message_id, thread_id, recovered = row.message_id, row.thread_id, False
        try:
            existing = await self._threads.for_article(article.id)
            if message_id is None and row.attempts > 0:
                found = await transport.find_post(row, marker(article.id))
                if found is not None:
                    log.info("outbox %s: adopting post %s found in channel", row.id, found.message_id)
                    message_id, thread_id, recovered = found.message_id, found.thread_id, True
                    await self._outbox.record_message(row.id, message_id, thread_id)
            if message_id is None:
                discussion = existing.id if existing is not None else None
                posted = await transport.send_post(row, article, discussion)
                message_id, thread_id = posted.message_id, posted.thread_id
                await self._outbox.record_message(row.id, message_id, thread_id)

            if existing is not None and existing.starter_message_id == message_id:
                thread_id = existing.id  # registered by an earlier attempt that died before mark_sent
            elif existing is None:
                if thread_id is None and row.mode == "thread":
                    thread_id = await transport.open_thread(row, message_id, article)
                    await self._outbox.record_message(row.id, message_id, thread_id)
                if thread_id is not None:
                    registered = await self._threads.add(
                        guild_id=row.guild_id,
                        thread_id=thread_id,
                        article_id=article.id,
                        channel_id=row.channel_id,
                        starter_message_id=message_id,
                        kind=row.mode,
                    )
                    if registered.id != thread_id:
                        log.warning(
                            "article %s already has thread %s; post %s links to none",
                            article.id,
                            registered.id,
                            message_id,
                        )
            else:
                # The article is discussed elsewhere; the post linked there.
                thread_id = thread_id if row.mode == "forum" else existing.id
            await self._outbox.mark_sent(row.id, message_id, thread_id)
            return _delivery(row, "sent", message_id, thread_id, recovered=recovered)
        except PostError as exc:
            error = str(exc)
            if exc.permanent or attempts >= self._max_attempts:
                await self._outbox.mark_failed(row.id, error)
                log.warning("outbox %s failed after %s attempt(s): %s", row.id, attempts, error)
                return _delivery(row, "failed", message_id, thread_id, error=error)
            await self._outbox.record_error(row.id, error)
            log.info("outbox %s attempt %s failed, will retry: %s", row.id, attempts, error)
            return _delivery(row, "retry", message_id, thread_id, error=error)


def _delivery(
    row: OutboxRow,
    status: str,
    message_id: int | None,
    thread_id: int | None,
    *,
    recovered: bool = False,
    error: str | None = None,
) -> Delivery:
    return Delivery(
        row_id=row.id,
        article_id=row.article_id,
        channel_id=row.channel_id,
        status=status,
        message_id=message_id,
        thread_id=thread_id,
        recovered=recovered,
        error=error,
    )
