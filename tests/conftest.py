"""Shared fixtures: a fresh migrated database file per test, and the dev-data location."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.store.db import Database

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO.parent / "shared" / "eval"


def eval_file(name: str) -> Path:
    """Path of a dev-data file, skipping the test when ../shared/eval is not there (a user's clone)."""
    path = EVAL / name
    if not path.exists():
        pytest.skip(f"dev data {name} not available")
    return path


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "parley.db")
    try:
        yield database
    finally:
        await database.close()
