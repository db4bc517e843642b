"""`relais db copy`: move a SQLite deployment to PostgreSQL, every table, all or nothing.

The target is migrated to the same schema version, must hold no data yet, and receives all
rows in one transaction (COPY, parents before children, ids kept); its identity sequences
then start after the copied ids. The source is only read (it is migrated first if older).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.store.address import POSTGRESQL, SQLITE, parse_address
from bot.store.db import Database
from bot.store.errors import DatabaseError
from bot.store.opening import open_database

KEPT_BY_TRIGGERS = {"outbox_size"}
"""Tables the target's triggers fill as rows arrive (not copied)."""
CHUNK = 5000


@dataclass
class CopyReport:
    counts: dict[str, int] = field(default_factory=dict)
    """Rows copied, per table, in the order copied."""
    warnings: list[str] = field(default_factory=list)


async def _tables(source: Database) -> list[str]:
    """The source's tables, parents before the tables that refer to them."""
    rows = await source.conn.execute_fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    names = [name for (name,) in rows if name not in KEPT_BY_TRIGGERS]
    parents = {}
    for name in names:
        keys = await source.conn.execute_fetchall(f'PRAGMA foreign_key_list("{name}")')
        parents[name] = {row[2] for row in keys} - {name}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:
            raise DatabaseError(f"the tables {sorted(set(names) - set(ordered))} refer in a circle")
        ordered.extend(ready)
    return ordered


async def _columns(source: Database, table: str) -> list[str]:
    return [row[1] for row in await source.conn.execute_fetchall(f'PRAGMA table_info("{table}")')]


async def _filled(target: Database, tables: list[str]) -> list[str]:
    filled = []
    for table in tables:
        rows = await target.conn.execute_fetchall(f"SELECT 1 FROM {table} LIMIT 1")
        if rows:
            filled.append(table)
    return filled


def _key_warning(source_path: str, hash_key: str) -> str | None:
    """The SQLite deployment hashed ids with its `.key` file; the workers use RELAIS_HASH_KEY."""
    key_file = Path(f"{source_path}.key")
    if not key_file.exists():
        return None
    if key_file.read_text().strip() == hash_key.strip():
        return None
    return (
        f"RELAIS_HASH_KEY is not the content of {key_file}: the message ids already processed "
        "and the recent sign-in failures were hashed with that file and will not match. Set "
        f"RELAIS_HASH_KEY to the content of {key_file} for the PostgreSQL workers (and for this "
        "copy) to keep them"
    )


async def copy_database(source_at: str, target_at: str, hash_key: str) -> CopyReport:
    """Copy every row of the SQLite database `source_at` into the empty PostgreSQL
    database `target_at`; raises DatabaseError (nothing copied) when it cannot."""
    source_address, target_address = parse_address(source_at), parse_address(target_at)
    if source_address.dialect != SQLITE or target_address.dialect != POSTGRESQL:
        raise DatabaseError(
            "relais db copy goes from a SQLite file to a PostgreSQL database: "
            "--from sqlite:///path/relais.db --to postgresql://user:password@host/name"
        )
    if not Path(source_address.location).is_file():
        raise DatabaseError(f"there is no SQLite database at {source_address.location}")
    report = CopyReport()
    warning = _key_warning(source_address.location, hash_key)
    if warning:
        report.warnings.append(warning)
    source = await open_database(source_address.location, hash_key=hash_key)
    try:
        target = await open_database(target_address.location, hash_key=hash_key)
        try:
            await _copy(source, target, report)
        finally:
            await target.close()
    finally:
        await source.close()
    return report


async def _copy(source: Database, target, report: CopyReport) -> None:
    tables = await _tables(source)
    filled = await _filled(target, tables)
    if filled:
        raise DatabaseError(
            f"the target database {target.path} already holds data (in {', '.join(filled)}): "
            "relais db copy only fills an empty database. Create a new one (createdb), or "
            "drop this one's tables if it holds nothing to keep, and copy again"
        )
    async with target.transaction() as conn:
        for table in tables:
            columns = await _columns(source, table)
            names = ", ".join(columns)
            order = " ORDER BY id" if "id" in columns else ""
            copied = 0
            reading = f"SELECT {names} FROM {table}{order}"
            async with (
                conn.raw.cursor() as cursor,
                cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copying,
                source.conn.execute(reading) as rows,
            ):
                while chunk := await rows.fetchmany(CHUNK):
                    for row in chunk:
                        await copying.write_row(row)
                    copied += len(chunk)
            report.counts[table] = copied
            if "id" in columns:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE(MAX(id), 0) + 1, false) FROM {table} "
                    f"WHERE pg_get_serial_sequence('{table}', 'id') IS NOT NULL"
                )
        for table, copied in report.counts.items():
            rows = await conn.execute_fetchall(f"SELECT COUNT(*) FROM {table}")
            if rows[0][0] != copied:
                raise DatabaseError(
                    f"{table}: {copied} rows read but {rows[0][0]} in the target; nothing was "
                    "copied"
                )
