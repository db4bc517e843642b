"""SQLite through aiosqlite: one file, one connection, one serving process (owner.py)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.store.connection import SQLiteConnection
from bot.store.db import Database
from bot.store.errors import DatabaseError
from bot.store.keyed import load_key

log = logging.getLogger(__name__)


class SQLiteDatabase(Database):
    """One connection; writes go through `transaction()`, which serialises them."""

    dialect = "sqlite"

    @asynccontextmanager
    async def transaction(self, *, begin: bool = True) -> AsyncIterator[SQLiteConnection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error.

        With `begin=False` the transaction opens at the first INSERT, UPDATE or DELETE
        (sqlite3 issues BEGIN IMMEDIATE itself, in the same call): one thread hop less on
        the per-message path, whose first statement is such a write.
        """
        async with self._write:
            if begin:
                await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.rollback()
                raise
            await self.conn.commit()

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the file and empty it: after an erasure, the old
        pages are in neither (secure_delete zeroed them in the file). Best effort: a reader
        in another process may hold the log, then SQLite checkpoints later by itself."""
        async with self._write:
            try:
                await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                log.warning("could not empty the write-ahead log of %s: %s", self.path, exc)

    async def schema_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0])

    async def set_schema_version(self, conn: SQLiteConnection, number: int) -> None:
        await conn.execute(f"PRAGMA user_version={int(number)}")

    async def close(self) -> None:
        await self.conn.close()


async def open_sqlite(path: str, hash_key: str = "") -> SQLiteDatabase:
    """Open the file at `path` (created if missing) with the settings Relais relies on."""
    if path != ":memory:":
        parent = Path(path).expanduser().resolve().parent
        if not parent.is_dir():
            raise DatabaseError(
                f"cannot open the database {path}: the folder {parent} does not exist "
                "(create it, or set RELAIS_DB / --db to another path)"
            )
    try:
        conn = await aiosqlite.connect(path, isolation_level="IMMEDIATE")
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, not left in free pages (erasure, purge).
        await conn.execute("PRAGMA secure_delete=ON")
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot open the database {path}: {exc}") from exc
    try:
        key = load_key(path, hash_key)
    except DatabaseError:
        await conn.close()
        raise
    return SQLiteDatabase(SQLiteConnection(conn), path, key)
