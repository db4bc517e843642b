"""The one connection interface the modules write SQL through, whatever the backend.

Modules keep writing SQL with `?` placeholders, in the subset that SQLite (3.40 and later)
and PostgreSQL both understand: `ON CONFLICT … DO NOTHING/UPDATE` (never `INSERT OR …`),
`RETURNING id` (never `lastrowid`), `CAST(x AS DOUBLE PRECISION)`, `state ->> 'key'`,
`COUNT(*) FILTER (WHERE …)`, `CASE` instead of the two-argument `MAX`/`MIN`, no `PRAGMA`
outside bot/store/. The SQLite side is aiosqlite itself; the PostgreSQL side
(bot/store/postgres.py) translates the placeholders.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, Protocol

Params = Sequence[Any] | None


class Cursor(Protocol):
    """What `execute` gives: rows and how many rows a change touched."""

    rowcount: int

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Iterable[Any]: ...

    def __aiter__(self) -> AsyncIterator[Any]: ...

    async def close(self) -> None: ...


class Connection(Protocol):
    """`await conn.execute(sql, params)` or `async with conn.execute(...) as cursor`, as
    aiosqlite offers, plus `execute_fetchall` and `executemany`; `dialect` says which SQL
    the server speaks, for the rare statement that cannot be written for both."""

    dialect: str

    def execute(self, sql: str, parameters: Params = None) -> Any: ...

    async def execute_fetchall(self, sql: str, parameters: Params = None) -> Iterable[Any]: ...

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Any: ...


class SQLiteConnection:
    """aiosqlite's connection, as it is (no cost per statement), with its dialect."""

    dialect = "sqlite"

    def __init__(self, raw) -> None:
        self.raw = raw
        self.execute = raw.execute
        self.execute_fetchall = raw.execute_fetchall
        self.executemany = raw.executemany
        self.commit = raw.commit
        self.rollback = raw.rollback
        self.close = raw.close
