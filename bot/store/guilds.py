"""Guild rows: every per-guild table hangs off `guilds`, so a row must exist before any data.

Repositories call `ensure_guild` inside their own write transaction; the bot calls `register`
when it sees a guild, to keep the name current for `/parley status` and exports.
"""

from __future__ import annotations

import aiosqlite

from bot.store.db import Database

ENSURE_GUILD_SQL = "INSERT INTO guilds(id) VALUES (?) ON CONFLICT(id) DO NOTHING"


async def ensure_guild(conn: aiosqlite.Connection, guild_id: int) -> None:
    """Create the guild's row if missing (inside the caller's transaction)."""
    await conn.execute(ENSURE_GUILD_SQL, (guild_id,))


class GuildRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def register(self, guild_id: int, name: str) -> None:
        await self._db.execute(
            "INSERT INTO guilds(id, name) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name",
            (guild_id, name),
        )
