"""Discord snowflakes: ids that grow with time, so sorting by id sorts by creation time."""

from __future__ import annotations

import datetime as dt
import time

DISCORD_EPOCH_MS = 1_420_070_400_000
_LOW_BITS = 22


def snowflake_time(snowflake: int | str) -> dt.datetime:
    """When a snowflake was minted (the time part of the id)."""
    ms = (int(snowflake) >> _LOW_BITS) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


def iso(moment: dt.datetime) -> str:
    """Discord's timestamp format: ISO 8601 with an explicit UTC offset."""
    return moment.astimezone(dt.UTC).isoformat()


def now_iso() -> str:
    return iso(dt.datetime.now(dt.UTC))


class Snowflakes:
    """Mints unique ids; ids minted "now" are strictly increasing even within one millisecond.

    Back-dated ids (for messages a test pretends were sent long ago) land in the past and only need
    to be unique, which the low 22 bits (worker, process, increment) take care of.
    """

    def __init__(self, last: int = 0) -> None:
        self.last = last
        self._backdated = 0

    def next(self, at: dt.datetime | None = None) -> str:
        if at is None:
            ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
            value = max(ms << _LOW_BITS, self.last + 1)
            self.last = value
            return str(value)
        ms = int(at.timestamp() * 1000) - DISCORD_EPOCH_MS
        self._backdated = (self._backdated + 1) % (1 << _LOW_BITS)
        value = (ms << _LOW_BITS) | self._backdated
        self.last = max(self.last, value)
        return str(value)
