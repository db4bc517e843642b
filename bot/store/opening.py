"""Opening the database: the address picks the backend, then the migrations are applied.

Apart from `Database` (db.py), which the backends and the migrations build on: this module
imports them (each backend when it is used), they do not import it (no import cycle).
"""

from __future__ import annotations

from pathlib import Path

from bot.store.address import POSTGRESQL, parse_address
from bot.store.db import Database
from bot.store.migrate import apply_migrations


async def open_database(
    target: str | Path, *, migrate: bool = True, hash_key: str | None = None
) -> Database:
    """Open (and create or upgrade) the database: a SQLite file path, `sqlite:///path` or
    `postgresql://…`. `hash_key`: Settings.hash_key (empty: as RELAIS_HASH_KEY says now,
    for callers holding no Settings)."""
    from bot.config import configured_hash_key

    if not hash_key:
        hash_key = configured_hash_key()

    address = parse_address(str(target))
    if address.dialect == POSTGRESQL:
        from bot.store.postgres import open_postgres  # psycopg: loaded only when used

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
