"""The SQLite database: connection settings, versioned migrations, write transactions."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.store.errors import DatabaseError
from bot.store.keyed import keyed_hash, load_key

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def migrations() -> list[tuple[int, Path]]:
    """Numbered SQL files (`0001_name.sql`), applied in order, each once."""
    found = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        number, _, _ = path.stem.partition("_")
        found.append((int(number), path))
    return found


class Database:
    """One connection; writes go through `transaction()`, which serialises them."""

    def __init__(self, conn: aiosqlite.Connection, path: str, key: bytes = b"") -> None:
        self.conn = conn
        self.path = path
        self.key = key
        self._write = asyncio.Lock()

    def keyed(self, value: str) -> str:
        """How an identifier that is only compared is stored (see bot/store/keyed.py)."""
        return keyed_hash(self.key, value)

    @asynccontextmanager
    async def transaction(self, *, begin: bool = True) -> AsyncIterator[aiosqlite.Connection]:
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

    async def close(self) -> None:
        await self.conn.close()


async def open_database(path: str | Path, *, hash_key: str = "") -> Database:
    """Open (and create or upgrade) the database at `path`; `hash_key`: Settings.hash_key."""
    path = str(path)
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
    db = Database(conn, path, key)
    try:
        await _migrate(db)
    except BaseException:
        await db.close()
        raise
    return db


async def _migrate(db: Database) -> None:
    current = await db.schema_version()
    known = migrations()
    newest = known[-1][0] if known else 0
    if current > newest:
        raise DatabaseError(
            f"the database {db.path} has schema version {current}, newer than this Relais "
            f"knows ({newest}): upgrade Relais"
        )
    for number, path in known:
        if number <= current:
            continue
        async with db.transaction() as conn:
            for statement in _statements(path.read_text()):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version={number}")
        log.info("database %s migrated to schema version %d", db.path, number)


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit on its own)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [s for s in statements if s]
