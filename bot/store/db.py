"""The database, SQLite or PostgreSQL: write transactions, versioned migrations.

`open_database` reads the address (bot/store/address.py), opens the backend
(bot/store/sqlite.py or bot/store/postgres.py) and applies the migrations
(bot/store/migrate.py). Modules write SQL through `Database.transaction()` and `db.conn`,
one interface for both (bot/store/connection.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.store.address import POSTGRESQL, parse_address
from bot.store.errors import DatabaseError
from bot.store.keyed import keyed_hash

__all__ = ["Database", "DatabaseError", "open_database"]


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


async def open_database(
    target: str | Path, *, migrate: bool = True, hash_key: str | None = None
) -> Database:
    """Open (and create or upgrade) the database: a SQLite file path, `sqlite:///path` or
    `postgresql://…`. `hash_key`: Settings.hash_key (empty: as RELAIS_HASH_KEY says now,
    for callers holding no Settings)."""
    from bot.config import configured_hash_key
    from bot.store.migrate import apply_migrations

    if not hash_key:
        hash_key = configured_hash_key()

    address = parse_address(str(target))
    if address.dialect == POSTGRESQL:
        from bot.store.postgres import open_postgres

        db = await open_postgres(address, hash_key)
    else:
        from bot.store.sqlite import open_sqlite

        db = await open_sqlite(address.location, hash_key)
    if migrate:
        try:
            await apply_migrations(db)
        except BaseException:
            await db.close()
            raise
    return db
