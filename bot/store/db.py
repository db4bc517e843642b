"""The database, SQLite or PostgreSQL: write transactions, versioned migrations.

`open_database` (bot/store/opening.py) reads the address (bot/store/address.py), opens
the backend (bot/store/sqlite.py or bot/store/postgres.py, each a `Database`) and applies
the migrations (bot/store/migrate.py). Modules write SQL through `Database.transaction()`
and `db.conn`, one interface for both (bot/store/connection.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.store.errors import DatabaseError
from bot.store.keyed import keyed_hash

__all__ = ["Database", "DatabaseError"]


class Database:
    """Writes go through `transaction()` (one at a time in a process: the group commit);
    `conn` reads outside a transaction."""

    dialect = "sqlite"

    def __init__(self, conn: Any, path: str, key: bytes = b"") -> None:
        self.conn = conn
        self.path = path
        """The file (SQLite) or the server's URL without its password: what messages name."""
        self.key = key
        self._write = asyncio.Lock()

    def keyed(self, value: str) -> str:
        """How an identifier that is only compared is stored (see bot/store/keyed.py)."""
        return keyed_hash(self.key, value)

    @asynccontextmanager
    async def transaction(self, *, begin: bool = True) -> AsyncIterator[Any]:
        raise NotImplementedError
        yield

    async def checkpoint(self) -> None:
        """After an erasure: leave no copy of the erased rows behind (SQLite's log)."""

    async def schema_version(self) -> int:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError
