"""Versioned migrations, in two dialects with the same numbers.

`migrations/NNNN_name.sql` is SQLite's (the schema version is SQLite's `user_version`);
`migrations/postgresql/NNNN_name.sql` is the same change for PostgreSQL (the version is kept
in the table `relais_schema`). Each number is applied once, in order, in its own
transaction; on PostgreSQL, workers starting together wait for each other (an advisory lock),
so only one applies them. See migrations/README.md.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from bot.store.address import POSTGRESQL
from bot.store.db import Database
from bot.store.errors import DatabaseError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
FOLDERS = {"sqlite": MIGRATIONS, POSTGRESQL: MIGRATIONS / "postgresql"}
MIGRATION_LOCK = 0x52454C414953
"""The advisory lock taken while migrating a PostgreSQL database ("RELAIS" in hex)."""


def migrations(dialect: str = "sqlite") -> list[tuple[int, Path]]:
    """Numbered SQL files (`0001_name.sql`), applied in order, each once."""
    found = []
    for path in sorted(FOLDERS[dialect].glob("*.sql")):
        number, _, _ = path.stem.partition("_")
        found.append((int(number), path))
    return found


def newest(dialect: str = "sqlite") -> int:
    known = migrations(dialect)
    return known[-1][0] if known else 0


async def apply_migrations(db: Database) -> int:
    """Bring the schema up to date; returns the version it is at."""
    if db.dialect == POSTGRESQL:
        return await _migrate_postgres(db)
    return await _migrate_sqlite(db)


def _too_new(db: Database, current: int, known: int) -> DatabaseError:
    return DatabaseError(
        f"the database {db.path} has schema version {current}, newer than this Relais "
        f"knows ({known}): upgrade Relais"
    )


async def _migrate_sqlite(db) -> int:
    current = await db.schema_version()
    if current > newest("sqlite"):
        raise _too_new(db, current, newest("sqlite"))
    for number, path in migrations("sqlite"):
        if number <= current:
            continue
        async with db.transaction() as conn:
            for statement in _statements(path.read_text()):
                await conn.execute(statement)
            await db.set_schema_version(conn, number)
        log.info("database %s migrated to schema version %d", db.path, number)
        current = number
    return current


async def _migrate_postgres(db) -> int:
    current = 0
    async with db.session() as raw:
        async with raw.transaction():
            await raw.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            await raw.execute(
                "CREATE TABLE IF NOT EXISTS relais_schema ("
                "one INTEGER PRIMARY KEY DEFAULT 1 CHECK (one = 1), version INTEGER NOT NULL)"
            )
            await raw.execute(
                "INSERT INTO relais_schema (version) VALUES (0) ON CONFLICT DO NOTHING"
            )
        try:
            current = (await (await raw.execute("SELECT version FROM relais_schema")).fetchone())[0]
            if current > newest(POSTGRESQL):
                raise _too_new(db, current, newest(POSTGRESQL))
            for number, path in migrations(POSTGRESQL):
                if number <= current:
                    continue
                async with raw.transaction():
                    await raw.execute(path.read_text())
                    await raw.execute("UPDATE relais_schema SET version = %s", (number,))
                log.info("database %s migrated to schema version %d", db.path, number)
                current = number
        finally:
            await raw.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
    return current


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
