"""Reading a test's database whatever its backend (SQLite file or PostgreSQL)."""

from __future__ import annotations

from bot.store import Database, open_database


async def table_names(db: Database) -> list[str]:
    if db.dialect == "postgresql":
        sql = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "ORDER BY table_name"
        )
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    return [name for (name,) in await db.conn.execute_fetchall(sql)]


async def everything(db: Database) -> str:
    """Every value of every table, one per line: what a copy of the database would give."""
    values = []
    for table in await table_names(db):
        for row in await db.conn.execute_fetchall(f"SELECT * FROM {table}"):
            values.extend(str(value) for value in row)
    return "\n".join(values)


async def rows_of(target: str, sql: str, params: tuple = ()) -> list[tuple]:
    """What another process opening the database at `target` reads."""
    db = await open_database(target)
    try:
        return [tuple(row) for row in await db.conn.execute_fetchall(sql, params)]
    finally:
        await db.close()
