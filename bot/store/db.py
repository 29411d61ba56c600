"""The one owner of the SQLite connection: opening, pragmas, migrations, transactions.

Everything else reaches the database through a repository that is handed this object. Writes go
through `transaction()`, which serialises them with a lock: the connection is shared by every
coroutine of the process, and two interleaved BEGIN ... COMMIT blocks on one connection would merge.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")

T = TypeVar("T")


class StoreError(Exception):
    """The database cannot be opened or migrated; the message says which file and why."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """Numbered SQL files shipped in bot/store/migrations, in order; gaps are a packaging bug."""
    found: list[Migration] = []
    folder = resources.files("bot.store").joinpath("migrations")
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StoreError(f"migration {migration.name}: expected number {expected:04d}")
    return found


def split_statements(sql: str) -> list[str]:
    """The statements of a SQL script, so they can run inside one explicit transaction
    (`executescript` would commit it first). Triggers' inner semicolons stay in their statement."""
    statements: list[str] = []
    buffer = ""
    for piece in sql.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if _has_sql(buffer):
                statements.append(buffer.strip())
            buffer = ""
    if _has_sql(buffer.rstrip(";")):
        raise StoreError("migration ends with an incomplete statement")
    return statements


def _has_sql(text: str) -> bool:
    lines = [line.split("--", 1)[0] for line in text.splitlines()]
    return bool("".join(lines).strip(" \t\n;"))


class Database:
    """An open, migrated SQLite database. Use `await Database.open(path)` and `await db.close()`,
    or `async with Database.connect(path) as db`."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        path = str(path)
        if path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{path}: cannot create the database folder ({exc.strerror})") from None
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the database ({exc})") from None
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await db._configure()
            await db._migrate()
        except sqlite3.DatabaseError as exc:
            await conn.close()
            raise StoreError(f"{path}: not a usable Parley database ({exc})") from None
        except BaseException:
            await conn.close()
            raise
        return db

    @classmethod
    @asynccontextmanager
    async def connect(cls, path: str | Path) -> AsyncIterator[Database]:
        db = await cls.open(path)
        try:
            yield db
        finally:
            await db.close()

    async def close(self) -> None:
        await self._conn.close()

    async def _configure(self) -> None:
        await self._conn.execute("PRAGMA busy_timeout=5000")
        await self._switch_to_wal()
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute("PRAGMA synchronous=NORMAL")

    async def _switch_to_wal(self, attempts: int = 50) -> None:
        """Switching a new file to WAL needs an exclusive lock, and SQLite answers "locked" at once
        (without its busy handler) while another process opening the same file holds one: retry."""
        for attempt in range(attempts):
            try:
                await self._conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.05)

    async def user_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        """Apply every migration newer than `PRAGMA user_version` in one write transaction, with the
        version read inside it: two processes opening a new file at once cannot both apply the same
        migration, and a failed migration leaves the file exactly at the previous version."""
        migrations = load_migrations()
        latest = migrations[-1].version if migrations else 0
        await self._conn.execute("BEGIN IMMEDIATE")
        try:
            current = await self.user_version()
            if current > latest:
                raise StoreError(
                    f"{self.path}: database is at schema version {current}, newer than this Parley ({latest})"
                )
            for migration in migrations:
                if migration.version <= current:
                    continue
                log.info("applying migration %s", migration.name)
                try:
                    for statement in split_statements(migration.sql):
                        await self._conn.execute(statement)
                except sqlite3.Error as exc:
                    raise StoreError(f"migration {migration.name} failed: {exc}") from None
                await self._conn.execute(f"PRAGMA user_version = {migration.version}")
        except BaseException:
            await self._conn.execute("ROLLBACK")
            raise
        await self._conn.execute("COMMIT")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception; one writer at a time."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Call `fn(conn)` with the underlying `sqlite3.Connection` on aiosqlite's worker thread and
        return its result: one hop however many statements `fn` runs.

        Each `await conn.execute(...)` is a hop to that thread and back, and the way back waits a
        full event-loop turn; a busy loop (a gateway flood) makes a many-statement write crawl.
        `fn` runs on the thread that owns the connection, so it must not touch event-loop objects
        and must not keep the connection. Use it for reads; a write goes through
        `run_in_transaction`, which takes the write lock.
        """
        return await self._in_worker(fn)

    async def run_in_transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`run`, with `fn` inside BEGIN IMMEDIATE ... COMMIT (rolled back if it raises), under the
        same write lock as `transaction()`: the whole write, commit included, in one hop.

        Cancelling the caller does not stop `fn`: it runs to its COMMIT or ROLLBACK on the worker
        thread, and any later write queues behind it there, since that thread runs one call at a time.
        """
        async with self._write_lock:
            return await self._in_worker(lambda conn: _in_transaction(conn, fn))

    async def _in_worker(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._conn
        # aiosqlite (0.22) has no public call for "run this function on the connection's thread";
        # `_execute` is what every one of its public methods goes through, and `_conn` is the
        # sqlite3 connection it created on that thread. This is the one place Parley uses either.
        result: T = await conn._execute(lambda: fn(conn._conn))
        return result

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self._conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self._conn.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())

    async def fetchval(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """One write statement in its own transaction; returns lastrowid (or rowcount for updates)."""
        async with self.transaction() as conn:
            cur = await conn.execute(sql, tuple(params))
            result = cur.lastrowid if sql.lstrip().upper().startswith("INSERT") else cur.rowcount
            await cur.close()
            return int(result or 0)


def _in_transaction(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """The body of `Database.run_in_transaction`, on the worker thread."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn)
        conn.execute("COMMIT")
    except BaseException:
        # A failed COMMIT (or `fn` ending the transaction itself) must not leave one half open.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result
