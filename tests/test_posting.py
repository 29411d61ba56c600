"""Exactly-once posting from the outbox, with a real SQLite file and a stand-in for Discord.

`ChannelsStandIn` plays Discord's side of `PostTransport` (messages per channel, one thread per
message, Discord's "thread already created" rule); it can die right after a send to model a crash
between Discord accepting a post and our database recording it. The Discord implementation of the
transport is exercised against simcord in tests/test_cog_summaries.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from bot.posting import (
    MARKER_PREFIX,
    PostedMessage,
    Poster,
    PostError,
    marker,
    parse_marker,
)
from bot.store.articles import ArticleRepo, NewArticle, StoredArticle
from bot.store.db import Database
from bot.store.outbox import OutboxRepo, OutboxRow, make_nonce
from bot.store.threads import ThreadRepo

GUILD = 7


class Crash(Exception):
    """The process 'dies' here: nothing after this point of the attempt runs."""


@dataclass
class Post:
    id: int
    channel_id: int
    marker: str
    nonce: str
    discussion: int | None
    thread_id: int | None = None


@dataclass
class ChannelsStandIn:
    posts: list[Post] = field(default_factory=list)
    next_id: int = 1000
    crash_after_send: bool = False
    crash_after_thread: bool = False
    send_error: PostError | None = None
    thread_error: PostError | None = None
    searches: int = 0

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    async def find_post(self, row: OutboxRow, marker: str) -> PostedMessage | None:
        self.searches += 1
        for post in reversed(self.posts):
            if post.channel_id == row.channel_id and post.marker == marker:
                return PostedMessage(post.id, post.thread_id)
        return None

    async def send_post(
        self, row: OutboxRow, article: StoredArticle, discussion_thread_id: int | None
    ) -> PostedMessage:
        await asyncio.sleep(0)
        if self.send_error is not None:
            raise self.send_error
        post = Post(self._id(), row.channel_id, marker(article.id), row.nonce, discussion_thread_id)
        if row.mode == "forum":
            post.thread_id = self._id()
        self.posts.append(post)
        if self.crash_after_send:
            raise Crash
        return PostedMessage(post.id, post.thread_id)

    async def open_thread(self, row: OutboxRow, message_id: int, article: StoredArticle) -> int:
        if self.thread_error is not None:
            raise self.thread_error
        post = next(p for p in self.posts if p.id == message_id)
        if post.thread_id is None:  # Discord: a message has at most one thread, its id = message id
            post.thread_id = post.id
            if self.crash_after_thread:
                raise Crash
        return post.thread_id

    def in_channel(self, channel_id: int) -> list[Post]:
        return [p for p in self.posts if p.channel_id == channel_id]


async def add_article(db: Database, title: str, guild_id: int = GUILD) -> int:
    text = f"{title}. The council said the bridge would reopen on Monday."
    return await ArticleRepo(db).insert(
        NewArticle(
            guild_id=guild_id, title=title, text=text, content_hash=title, url=f"https://x.test/{title}"
        ),
        ("The bridge reopens on Monday.",),
        "extractive",
    )


def make_poster(db: Database, **kwargs: float) -> Poster:
    return Poster(OutboxRepo(db), ThreadRepo(db), ArticleRepo(db), **kwargs)  # type: ignore[arg-type]


def test_marker_round_trip() -> None:
    assert marker(42) == f"{MARKER_PREFIX}42"
    assert parse_marker(f"Example News · {marker(42)}") == 42
    assert parse_marker("no marker here") is None
    assert parse_marker(None) is None


def test_nonce_is_short_stable_and_distinct() -> None:
    nonce = make_nonce(1, 123456789012345678)
    assert len(nonce) <= 25
    assert nonce == make_nonce(1, 123456789012345678)
    assert nonce != make_nonce(2, 123456789012345678)
    assert nonce != make_nonce(1, 123456789012345679)


@pytest.mark.asyncio
async def test_enqueue_is_idempotent(db: Database) -> None:
    article = await add_article(db, "a")
    outbox = OutboxRepo(db)
    first = await outbox.enqueue(guild_id=GUILD, article_id=article, channel_id=5, mode="thread")
    again = await outbox.enqueue(guild_id=GUILD, article_id=article, channel_id=5, mode="forum")
    assert again == first
    assert first.state == "pending" and first.mode == "thread"
    with pytest.raises(ValueError):
        await outbox.enqueue(guild_id=GUILD, article_id=article, channel_id=6, mode="dm")


@pytest.mark.asyncio
async def test_text_channel_post_opens_and_registers_thread(db: Database) -> None:
    article = await add_article(db, "a")
    poster = make_poster(db)
    row = await poster.outbox.enqueue(guild_id=GUILD, article_id=article, channel_id=5, mode="thread")
    discord = ChannelsStandIn()

    delivery = await poster.deliver(row.id, discord)

    assert delivery.status == "sent" and not delivery.recovered
    [post] = discord.in_channel(5)
    assert post.nonce == row.nonce and post.marker == marker(article)
    assert delivery.message_id == post.id and delivery.thread_id == post.thread_id == post.id
    thread = await ThreadRepo(db).for_article(article)
    assert thread is not None and thread.id == post.id and thread.starter_message_id == post.id
    assert thread.kind == "thread" and thread.channel_id == 5 and thread.guild_id == GUILD
    stored = await poster.outbox.get(row.id)
    assert stored is not None and stored.state == "sent" and stored.sent_at

    again = await poster.deliver(row.id, discord)
    assert again.status == "sent" and len(discord.posts) == 1


@pytest.mark.asyncio
async def test_crash_after_send_never_posts_twice(db: Database) -> None:
    article = await add_article(db, "a")
    row = await OutboxRepo(db).enqueue(guild_id=GUILD, article_id=article, channel_id=5, mode="thread")
    discord = ChannelsStandIn(crash_after_send=True)
    with pytest.raises(Crash):
        await make_poster(db).deliver(row.id, discord)
    crashed = await OutboxRepo(db).get(row.id)
    assert crashed is not None and crashed.state == "pending"
    assert crashed.message_id is None and crashed.attempts == 1

    discord.crash_after_send = False
    restarted = make_poster(db)  # a new process: nothing in memory
    delivery = await restarted.deliver(row.id, discord)

    assert delivery.status == "sent" and delivery.recovered
    assert len(discord.in_channel(5)) == 1 and discord.searches == 1
    thread = await ThreadRepo(db).for_article(article)
    assert thread is not None and thread.starter_message_id == discord.posts[0].id


@pytest.mark.asyncio
async def test_crash_after_thread_opened_keeps_one_thread(db: Database) -> None:
    article = await add_article(db, "a")
    row = await OutboxRepo(db).enqueue(guild_id=GUILD, article_id=article, channel_id=5, mode="thread")
    discord = ChannelsStandIn(crash_after_thread=True)
    with pytest.raises(Crash):
        await make_poster(db).deliver(row.id, discord)
    half = await OutboxRepo(db).get(row.id)
    assert half is not None and half.message_id == discord.posts[0].id and half.thread_id is None

    discord.crash_after_thread = False
    delivery = await make_poster(db).deliver(row.id, discord)

    assert delivery.status == "sent" and not delivery.recovered
    assert discord.searches == 0  # the message id was already recorded: no search needed
    assert len(discord.posts) == 1 and delivery.thread_id == discord.posts[0].id


@pytest.mark.asyncio
async def test_forum_post_is_the_thread(db: Database) -> None:
    article = await add_article(db, "a")
    poster = make_poster(db)
    row = await poster.outbox.enqueue(guild_id=GUILD, article_id=article, channel_id=9, mode="forum")
    discord = ChannelsStandIn(thread_error=PostError("must not open a thread in a forum"))

    delivery = await poster.deliver(row.id, discord)

    [post] = discord.posts
    assert delivery.status == "sent" and delivery.thread_id == post.thread_id != post.id
    thread = await ThreadRepo(db).for_article(article)
    assert thread is not None and thread.kind == "forum" and thread.id == post.thread_id


@pytest.mark.asyncio
async def test_transient_errors_retry_then_fail(db: Database) -> None:
    article = await add_article(db, "a")
    poster = make_poster(db, max_attempts=3)
    row = await poster.outbox.enqueue(guild_id=GUILD, article_id=article, channel_id=5, mode="thread")
    discord = ChannelsStandIn(send_error=PostError("Discord is having trouble (503)"))

    statuses = [(await poster.deliver(row.id, discord)).status for _ in range(3)]

    assert statuses == ["retry", "retry", "failed"]
    failed = await poster.outbox.get(row.id)
    assert failed is not None and failed.state == "failed"
    assert failed.last_error == "Discord is having trouble (503)"
    assert discord.searches == 2  # attempts 2 and 3 looked for an unrecorded post first
    assert (await poster.outbox.counts(GUILD)).failed == 1

    assert await poster.outbox.retry_failed(GUILD) == 1
    discord.send_error = None
    assert (await poster.deliver(row.id, discord)).status == "sent"


@pytest.mark.asyncio
async def test_permanent_error_fails_at_once(db: Database) -> None:
    article = await add_article(db, "a")
    poster = make_poster(db)
    row = await poster.outbox.enqueue(guild_id=GUILD, article_id=article, channel_id=5, mode="thread")
    discord = ChannelsStandIn(send_error=PostError("missing permission", permanent=True))
    delivery = await poster.deliver(row.id, discord)
    assert delivery.status == "failed" and delivery.error == "missing permission"


@pytest.mark.asyncio
async def test_thread_failure_keeps_message_and_retries_thread_only(db: Database) -> None:
    article = await add_article(db, "a")
    poster = make_poster(db)
    row = await poster.outbox.enqueue(guild_id=GUILD, article_id=article, channel_id=5, mode="thread")
    discord = ChannelsStandIn(thread_error=PostError("thread creation failed"))
    assert (await poster.deliver(row.id, discord)).status == "retry"
    discord.thread_error = None
    delivery = await poster.deliver(row.id, discord)
    assert delivery.status == "sent" and len(discord.posts) == 1 and discord.searches == 0


@pytest.mark.asyncio
async def test_article_discussed_elsewhere_links_instead_of_second_thread(db: Database) -> None:
    article = await add_article(db, "a")
    poster = make_poster(db)
    first = await poster.outbox.enqueue(guild_id=GUILD, article_id=article, channel_id=5, mode="thread")
    second = await poster.outbox.enqueue(guild_id=GUILD, article_id=article, channel_id=6, mode="thread")
    discord = ChannelsStandIn()

    one = await poster.deliver(first.id, discord)
    two = await poster.deliver(second.id, discord)

    assert one.status == two.status == "sent"
    [post_in_6] = discord.in_channel(6)
    assert post_in_6.discussion == one.thread_id and post_in_6.thread_id is None
    assert two.thread_id == one.thread_id
    assert len(await ThreadRepo(db).list_for_guild(GUILD)) == 1


@pytest.mark.asyncio
async def test_concurrent_deliveries_of_one_row_post_once(db: Database) -> None:
    article = await add_article(db, "a")
    poster = make_poster(db)
    row = await poster.outbox.enqueue(guild_id=GUILD, article_id=article, channel_id=5, mode="thread")
    discord = ChannelsStandIn()
    results = await asyncio.gather(*(poster.deliver(row.id, discord) for _ in range(4)))
    assert {r.status for r in results} == {"sent"} and len(discord.posts) == 1


@pytest.mark.asyncio
async def test_deliver_due_paces_each_channel_oldest_first(db: Database) -> None:
    poster = make_poster(db, spacing_s=10.0)
    ids = [await add_article(db, name) for name in ("a1", "a2", "a3", "b1")]
    for article in ids[:3]:
        await poster.outbox.enqueue(guild_id=GUILD, article_id=article, channel_id=5, mode="thread")
    await poster.outbox.enqueue(guild_id=GUILD, article_id=ids[3], channel_id=6, mode="thread")
    discord = ChannelsStandIn()

    assert len(await poster.deliver_due(discord, now=0.0)) == 2  # one in each channel
    assert await poster.deliver_due(discord, now=5.0) == []
    assert len(await poster.deliver_due(discord, now=10.0)) == 1
    assert len(await poster.deliver_due(discord, now=20.0)) == 1
    assert await poster.deliver_due(discord, now=30.0) == []

    assert [p.marker for p in discord.in_channel(5)] == [marker(a) for a in ids[:3]]
    assert [p.marker for p in discord.in_channel(6)] == [marker(ids[3])]


@pytest.mark.asyncio
async def test_deliver_due_backs_off_after_a_failure(db: Database) -> None:
    poster = make_poster(db, spacing_s=10.0)
    article = await add_article(db, "a")
    await poster.outbox.enqueue(guild_id=GUILD, article_id=article, channel_id=5, mode="thread")
    discord = ChannelsStandIn(send_error=PostError("503"))
    assert [d.status for d in await poster.deliver_due(discord, now=0.0)] == ["retry"]
    assert await poster.deliver_due(discord, now=5.0) == []  # still backing off
    discord.send_error = None
    later = await poster.deliver_due(discord, now=100.0)
    assert [d.status for d in later] == ["sent"] and len(discord.posts) == 1
