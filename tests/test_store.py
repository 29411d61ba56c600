"""The store: migrations from an empty file, re-open, pragmas, FTS kept in sync by triggers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store.articles import ArticleRepo, NewArticle
from bot.store.db import Database, StoreError, load_migrations
from bot.store.threads import ThreadRepo


@pytest.mark.asyncio
async def test_migrates_an_empty_file_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "parley.db"
    db = await Database.open(path)
    latest = load_migrations()[-1].version
    assert await db.user_version() == latest
    assert await db.fetchval("PRAGMA journal_mode") == "wal"
    assert await db.fetchval("PRAGMA foreign_keys") == 1
    await db.execute("INSERT INTO guilds(id, name) VALUES (42, 'g')")
    await db.close()

    db = await Database.open(path)  # re-open: nothing re-applied, data kept
    assert await db.user_version() == latest
    assert await db.fetchval("SELECT name FROM guilds WHERE id = 42") == "g"
    await db.close()


@pytest.mark.asyncio
async def test_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable Parley database"):
        await Database.open(path)


@pytest.mark.asyncio
async def test_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(StoreError, match="newer than this Parley"):
        await Database.open(path)


@pytest.mark.asyncio
async def test_failed_transaction_rolls_back(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO guilds(id, name) VALUES (7, 'x')")
            raise RuntimeError("boom")
    assert await db.fetchval("SELECT count(*) FROM guilds WHERE id = 7") == 0


@pytest.mark.asyncio
async def test_article_fts_follows_insert_update_delete(db: Database) -> None:
    repo = ArticleRepo(db)
    article_id = await repo.insert(
        NewArticle(guild_id=0, title="Harbour bridge", text="The council voted for a bridge.",
                   content_hash="h1"),
        ("The council voted.",),
        "extractive",
    )
    match = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
    assert [r[0] for r in await db.fetchall(match, ("bridges",))] == [article_id]  # porter stemming
    await db.execute("UPDATE articles SET text = 'A tunnel instead.' WHERE id = ?", (article_id,))
    assert await db.fetchall(match, ("council",)) == []
    assert [r[0] for r in await db.fetchall(match, ("tunnel",))] == [article_id]
    await db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
    assert await db.fetchall(match, ("tunnel",)) == []


@pytest.mark.asyncio
async def test_articles_are_per_guild_and_deduped(db: Database) -> None:
    repo = ArticleRepo(db)
    first = await repo.insert(
        NewArticle(guild_id=1, title="A", text="x", content_hash="same", canonical_url="https://a/1"),
        ("x",), "extractive",
    )
    assert await repo.find_duplicate(1, canonical_url="https://a/1", content_hash="other") == (
        first, "canonical_url")
    assert await repo.find_duplicate(1, canonical_url=None, content_hash="same") == (first, "content_hash")
    assert await repo.find_duplicate(2, canonical_url="https://a/1", content_hash="same") is None
    assert await repo.get(2, first) is None
    stored = await repo.get(1, first)
    assert stored is not None and stored.summary == ("x",)


@pytest.mark.asyncio
async def test_comment_fts_and_thread_cursor(db: Database) -> None:
    repo = ArticleRepo(db)
    article_id = await repo.insert(
        NewArticle(guild_id=5, title="A", text="t", content_hash="c"), ("t",), "extractive"
    )
    threads = ThreadRepo(db)
    record = await threads.add(guild_id=5, thread_id=900, article_id=article_id, channel_id=10,
                               starter_message_id=899)
    again = await threads.add(guild_id=5, thread_id=901, article_id=article_id, channel_id=10,
                              starter_message_id=898)
    assert again == record  # article <-> thread is one to one
    await threads.advance_last_message(900, 1000)
    await threads.advance_last_message(900, 950)  # never rewinds
    current = await threads.get(900)
    assert current is not None and current.last_message_id == 1000
    await db.execute(
        "INSERT INTO comments(message_id, guild_id, thread_id, article_id, content, created_at) "
        "VALUES (1000, 5, 900, ?, 'I disagree with the mayor', '2026-01-01T00:00:00+00:00')",
        (article_id,),
    )
    hits = await db.fetchall("SELECT rowid FROM comments_fts WHERE comments_fts MATCH 'mayor'")
    assert [r[0] for r in hits] == [1000]


@pytest.mark.asyncio
async def test_two_openers_of_a_new_file_migrate_it_once(tmp_path: Path) -> None:
    """The bot and a CLI command may start together on a fresh file: one migrates, the other waits
    and finds it done (the version is read inside the write transaction)."""
    import asyncio

    path = tmp_path / "race.db"
    opened = await asyncio.gather(*(Database.open(path) for _ in range(4)))
    latest = load_migrations()[-1].version
    for db in opened:
        assert await db.user_version() == latest
        await db.close()


def test_split_statements_keeps_trigger_bodies_whole() -> None:
    from bot.store.db import split_statements

    script = """
    -- a comment; with a semicolon
    CREATE TABLE t (a TEXT DEFAULT ';');
    CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN
        INSERT INTO t VALUES ('x'); INSERT INTO t VALUES ('y');
    END;
    """
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
