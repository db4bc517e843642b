"""PostgreSQL through psycopg 3 and its connection pool: the store of several workers.

Modules write SQL with `?` placeholders (bot/store/connection.py); here they become psycopg's
`%s`. Python booleans are sent as integers (the columns are the SQLite ones: 0 and 1),
`numeric` results (what SUM of a bigint gives) come back as int or float like SQLite's,
and `json` columns (the sessions' state) as the text that was written.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.types.string import TextLoader
from psycopg_pool import AsyncConnectionPool

from bot.store.address import POSTGRESQL, Address
from bot.store.db import Database
from bot.store.errors import DatabaseError
from bot.store.keyed import load_server_key

DEFAULT_POOL = 10
"""Connections each process may hold: the batch transaction, the outbox and the readers."""

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\?|%")


@lru_cache(maxsize=2048)
def pyformat(sql: str) -> str:
    """`?` → `%s` outside quoted strings, names and comments; every `%` → `%%`."""

    def swap(match: re.Match[str]) -> str:
        token = match.group()
        return "%s" if token == "?" else token.replace("%", "%%")

    return _TOKENS.sub(swap, sql)


def _query(sql: str, parameters: Sequence[Any] | None) -> tuple[str, Sequence[Any] | None]:
    if not parameters:
        return sql, None  # (not parsed for placeholders: a `%` stays as written)
    return pyformat(sql), parameters


class _BoolAsInt(Dumper):
    oid = psycopg.postgres.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


class _Number(Loader):
    def load(self, data: Any) -> int | float:
        text = bytes(data)
        try:
            return int(text)
        except ValueError:
            return float(text)


async def _configure(raw: psycopg.AsyncConnection) -> None:
    raw.adapters.register_dumper(bool, _BoolAsInt)
    raw.adapters.register_loader("numeric", _Number)
    raw.adapters.register_loader("json", TextLoader)


class _Pending:
    """A statement sent: awaited, it is its cursor; used with `async with`, the cursor is
    closed at the end of the block (aiosqlite's two ways)."""

    __slots__ = ("_cursor", "_running")

    def __init__(self, running) -> None:
        self._running = running
        self._cursor = None

    def __await__(self):
        return self._running.__await__()

    async def __aenter__(self):
        self._cursor = await self._running
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        await self._cursor.close()


class _Rows:
    """The rows of a statement already run on a connection now back in the pool."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def __aiter__(self) -> AsyncIterator[Any]:
        while self._rows:
            yield self._rows.pop(0)

    async def close(self) -> None:
        self._rows = []


class PostgresConnection:
    """One pooled connection inside a transaction."""

    dialect = POSTGRESQL

    def __init__(self, raw: psycopg.AsyncConnection) -> None:
        self.raw = raw

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> _Pending:
        return _Pending(self._execute(sql, parameters))

    async def _execute(self, sql: str, parameters: Sequence[Any] | None):
        cursor = self.raw.cursor()
        await cursor.execute(*_query(sql, parameters))
        return cursor

    async def execute_fetchall(self, sql: str, parameters: Sequence[Any] | None = None):
        async with self.raw.cursor() as cursor:
            await cursor.execute(*_query(sql, parameters))
            return await cursor.fetchall() if cursor.description else []

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> None:
        rows = list(parameters)
        if rows:
            async with self.raw.cursor() as cursor:
                await cursor.executemany(pyformat(sql), rows)


class PooledConnection(PostgresConnection):
    """`db.conn` outside a transaction: each statement on a free connection of the pool,
    committed by itself (the readers: health check, inbox pages, commands)."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool

    async def _execute(self, sql: str, parameters: Sequence[Any] | None) -> _Rows:
        async with self.pool.connection() as raw, raw.cursor() as cursor:
            await cursor.execute(*_query(sql, parameters))
            rows = await cursor.fetchall() if cursor.description else []
            return _Rows(rows, cursor.rowcount)

    async def execute_fetchall(self, sql: str, parameters: Sequence[Any] | None = None):
        return await (await self._execute(sql, parameters)).fetchall()

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> None:
        async with self.pool.connection() as raw, raw.transaction():
            await PostgresConnection(raw).executemany(sql, parameters)


class PostgresDatabase(Database):
    """A pool of connections; `transaction()` takes one for the length of the transaction.
    Inside one process, writes still go one at a time (the group commit of the service);
    several processes write at once, PostgreSQL's locks keep them apart."""

    dialect = POSTGRESQL

    def __init__(self, pool: AsyncConnectionPool, shown: str, key: bytes) -> None:
        super().__init__(PooledConnection(pool), shown, key)
        self.pool = pool

    @asynccontextmanager
    async def transaction(self, *, begin: bool = True) -> AsyncIterator[PostgresConnection]:
        async with self._write, self.pool.connection() as raw, raw.transaction():
            yield PostgresConnection(raw)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[psycopg.AsyncConnection]:
        """A connection of the pool, for the store's own work (migrations, copies)."""
        async with self.pool.connection() as raw:
            yield raw

    async def checkpoint(self) -> None:
        """Nothing to do: PostgreSQL's vacuum reclaims erased rows by itself."""

    async def schema_version(self) -> int:
        exists = await self.conn.execute_fetchall("SELECT to_regclass('relais_schema')")
        if exists[0][0] is None:
            return 0
        rows = await self.conn.execute_fetchall("SELECT version FROM relais_schema")
        return int(rows[0][0]) if rows else 0

    async def close(self) -> None:
        await self.pool.close()


async def connect_pool(address: Address, size: int = DEFAULT_POOL) -> AsyncConnectionPool:
    """Open the pool, or say why the server cannot be reached and what to check."""
    try:
        first = await psycopg.AsyncConnection.connect(address.location, connect_timeout=10)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseError(
            f"cannot connect to the PostgreSQL database {address.shown}: {reason} "
            "(is the server running, and are RELAIS_DB / --db, the user and password right?)"
        ) from None
    await first.close()
    pool = AsyncConnectionPool(
        address.location,
        min_size=1,
        max_size=max(size, 2),
        kwargs={"autocommit": True},
        configure=_configure,
        open=False,
        name="relais",
    )
    await pool.open(wait=True, timeout=30)
    return pool


async def open_postgres(
    address: Address, hash_key: str, pool_size: int = DEFAULT_POOL
) -> PostgresDatabase:
    key = load_server_key(address.shown, hash_key)
    pool = await connect_pool(address, pool_size)
    return PostgresDatabase(pool, address.shown, key)
