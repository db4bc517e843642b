"""A new import reaches the running service without a restart.

Each process holds its own `PlaceIndex` in memory. Every import writes a row into
`place_imports`, so the number of rows and the newest `finished_at` change with each one:
the service reads them (one small query) at most every `every` seconds, and when they
changed it builds a new index and swaps it into the engine between two batches of messages.
"""

from __future__ import annotations

import logging
import time

from bot.places.search import PlaceIndex
from bot.store import Database

log = logging.getLogger(__name__)

CHECK_EVERY = 2.0
"""Seconds between two looks at `place_imports` (as covered places are read again)."""


async def imports_version(db: Database) -> tuple[int, float]:
    async with db.conn.execute(
        "SELECT count(*), coalesce(max(finished_at), 0) FROM place_imports"
    ) as cursor:
        count, newest = await cursor.fetchone()
    return int(count), float(newest)


async def load_index(db: Database) -> tuple[PlaceIndex, tuple[int, float]]:
    """The index and the imports it holds (read first: an import meanwhile is seen later)."""
    version = await imports_version(db)
    return await PlaceIndex.load(db), version


class PlacesWatch:
    """Tells the service when the places it holds are older than the last import."""

    def __init__(self, version: tuple[int, float] | None, every: float = CHECK_EVERY) -> None:
        self.version = version
        self.every = every
        self._checked = time.monotonic()

    async def newer(self, db: Database) -> PlaceIndex | None:
        """A fresh index when an import finished since the last one; None otherwise (and
        always None when the engine's places did not come from this database: version None)."""
        if self.version is None or time.monotonic() - self._checked < self.every:
            return None
        self._checked = time.monotonic()
        current = await imports_version(db)
        if current == self.version:
            return None
        index, self.version = await load_index(db)
        log.info("help places reloaded after an import: %d places", len(index))
        return index
