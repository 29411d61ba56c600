"""`Database.run` / `run_in_transaction`: a synchronous function on aiosqlite's own thread, in one hop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.store.db import Database


def guild_names(path: Path) -> list[str]:
    """What another connection (another process, in effect) sees committed; guild 0 is the one the
    migrations create."""
    other = sqlite3.connect(path)
    try:
        return [r[0] for r in other.execute("SELECT name FROM guilds WHERE id > 0 ORDER BY id")]
    finally:
        other.close()


@pytest.mark.asyncio
async def test_run_calls_the_function_on_the_connection_thread_with_named_rows(db: Database) -> None:
    def probe(conn: sqlite3.Connection) -> tuple[int, int, bool]:
        row = conn.execute("SELECT 40 + 2 AS answer").fetchone()
        return row["answer"], threading.get_ident(), conn.in_transaction

    answer, thread, in_transaction = await db.run(probe)
    assert answer == 42
    assert thread != threading.get_ident()  # not the event loop's thread
    assert in_transaction is False  # plain `run` opens no transaction


@pytest.mark.asyncio
async def test_run_in_transaction_commits_everything_the_function_wrote(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    async with Database.connect(path) as db:

        def write(conn: sqlite3.Connection) -> int:
            assert conn.in_transaction
            conn.executemany("INSERT INTO guilds(id, name) VALUES (?, ?)", [(1, "one"), (2, "two")])
            conn.execute("UPDATE guilds SET name = 'uno' WHERE id = 1")
            return conn.total_changes

        assert await db.run_in_transaction(write) >= 3
        assert guild_names(path) == ["uno", "two"]
        assert await db.run(lambda conn: conn.in_transaction) is False


@pytest.mark.asyncio
async def test_an_exception_rolls_everything_back_and_reaches_the_caller(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    async with Database.connect(path) as db:

        def half_then_fail(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO guilds(id, name) VALUES (1, 'kept?')")
            raise ValueError("the second half went wrong")

        with pytest.raises(ValueError, match="second half"):
            await db.run_in_transaction(half_then_fail)
        assert guild_names(path) == []
        assert await db.run(lambda conn: conn.in_transaction) is False
        await db.execute("INSERT INTO guilds(id, name) VALUES (2, 'later')")  # the connection still works
        assert guild_names(path) == ["later"]


@pytest.mark.asyncio
async def test_a_failing_commit_is_rolled_back_not_left_open(db: Database) -> None:
    # A deferred foreign key is checked at COMMIT, so here COMMIT itself fails; SQLite then keeps
    # the transaction open, and only an explicit ROLLBACK ends it.
    def create_tables(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE t_parent(id INTEGER PRIMARY KEY)")
        conn.execute(
            "CREATE TABLE t_child(parent INTEGER REFERENCES t_parent(id) DEFERRABLE INITIALLY DEFERRED)"
        )

    await db.run_in_transaction(create_tables)
    with pytest.raises(sqlite3.IntegrityError):
        await db.run_in_transaction(lambda conn: conn.execute("INSERT INTO t_child VALUES (99)"))
    assert await db.run(lambda conn: conn.in_transaction) is False
    assert await db.fetchval("SELECT count(*) FROM t_child") == 0


@pytest.mark.asyncio
async def test_the_whole_write_commit_included_needs_no_event_loop_turn(tmp_path: Path) -> None:
    """The point of the method: once queued, the write and its COMMIT finish while the event loop
    is blocked, so a busy loop cannot stretch it out statement by statement."""
    path = tmp_path / "p.db"
    async with Database.connect(path) as db:

        def many_statements(conn: sqlite3.Connection) -> int:
            for n in range(1, 201):
                conn.execute("INSERT INTO guilds(id, name) VALUES (?, ?)", (n, f"g{n}"))
            return 200

        finished = threading.Event()
        write = asyncio.create_task(db.run_in_transaction(many_statements))
        after = asyncio.create_task(db.run(lambda conn: finished.set()))
        await asyncio.sleep(0)  # both tasks reach the connection's queue, in this order
        assert finished.wait(timeout=30)  # blocks the loop: the worker thread needs no help from it
        assert len(guild_names(path)) == 200  # committed, seen by another connection
        assert await write == 200
        await after


@pytest.mark.asyncio
async def test_writes_from_run_in_transaction_and_transaction_do_not_interleave(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    async with Database.connect(path) as db:

        async def with_transaction(n: int) -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO guilds(id, name) VALUES (?, 'a')", (n,))
                await asyncio.sleep(0)
                await conn.execute("UPDATE guilds SET name = 'a done' WHERE id = ?", (n,))

        def in_one_hop(n: int) -> Callable[[sqlite3.Connection], None]:
            def write(conn: sqlite3.Connection) -> None:
                conn.execute("INSERT INTO guilds(id, name) VALUES (?, 'b done')", (n,))

            return write

        await asyncio.gather(
            *(with_transaction(n) if n % 2 else db.run_in_transaction(in_one_hop(n)) for n in range(1, 21))
        )
        names = guild_names(path)
        assert len(names) == 20 and set(names) == {"a done", "b done"}
