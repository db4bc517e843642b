"""The schema in both dialects: same migration numbers, same tables, columns, indexes and
triggers; applied once, versioned, refused when newer; `relais db migrate` says the version."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import psycopg
import pytest

from bot.store import open_database
from bot.store.db import DatabaseError
from bot.store.migrate import migrations, newest
from tests.conftest import relais_command
from tests.support.postgres import TEST_KEY


def _sqlite_schema(path: Path) -> dict[str, object]:
    conn = sqlite3.connect(path)
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {
        "tables": {
            t: [row[1] for row in conn.execute(f'PRAGMA table_info("{t}")')] for t in tables
        },
        "indexes": sorted(
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        ),
        "triggers": sorted(
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        ),
    }


def _postgres_schema(url: str) -> dict[str, object]:
    with psycopg.connect(url) as conn:
        tables: dict[str, list[str]] = {}
        for table, column in conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name <> 'relais_schema' "
            "ORDER BY table_name, ordinal_position"
        ):
            tables.setdefault(table, []).append(column)
        indexes = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint) ORDER BY indexname"
        ).fetchall()
        triggers = conn.execute(
            "SELECT DISTINCT trigger_name FROM information_schema.triggers ORDER BY trigger_name"
        ).fetchall()
    return {
        "tables": dict(sorted(tables.items())),
        "indexes": [name for (name,) in indexes],
        "triggers": [name for (name,) in triggers],
    }


def test_both_dialects_have_the_same_migrations() -> None:
    sqlite_files = [(n, p.name) for n, p in migrations("sqlite")]
    postgres_files = [(n, p.name) for n, p in migrations("postgresql")]
    assert sqlite_files == postgres_files
    assert len({n for n, _ in sqlite_files}) == len(sqlite_files), "a number is used twice"


async def test_both_dialects_build_the_same_tables_and_columns(
    tmp_path: Path, postgres, monkeypatch
) -> None:
    monkeypatch.setenv("RELAIS_HASH_KEY", TEST_KEY)
    url = postgres.database(migrated=False)
    for target in (tmp_path / "relais.db", url):
        db = await open_database(target)
        await db.close()
    on_sqlite, on_postgres = _sqlite_schema(tmp_path / "relais.db"), _postgres_schema(url)
    assert on_sqlite["tables"] == on_postgres["tables"]
    assert on_sqlite["indexes"] == on_postgres["indexes"]
    assert on_sqlite["triggers"] == on_postgres["triggers"]
    assert "outbox_due_heads" in on_postgres["indexes"]


async def test_migrations_apply_once_and_keep_the_version(db_target: str) -> None:
    db = await open_database(db_target)
    assert await db.schema_version() == newest(db.dialect) == migrations()[-1][0]
    await db.close()
    again = await open_database(db_target)  # nothing applied twice (CREATE TABLE would fail)
    assert await again.schema_version() == newest(again.dialect)
    await again.close()


async def test_workers_starting_together_migrate_an_empty_database_once(
    postgres, monkeypatch
) -> None:
    monkeypatch.setenv("RELAIS_HASH_KEY", TEST_KEY)
    url = postgres.database(migrated=False)
    workers = await asyncio.gather(*(open_database(url) for _ in range(3)))
    assert [await db.schema_version() for db in workers] == [newest("postgresql")] * 3
    for db in workers:
        await db.close()


async def test_a_postgresql_database_from_a_newer_relais_is_refused(postgres, monkeypatch) -> None:
    monkeypatch.setenv("RELAIS_HASH_KEY", TEST_KEY)
    url = postgres.database()
    with psycopg.connect(url) as conn:
        conn.execute("UPDATE relais_schema SET version = 999")
    with pytest.raises(DatabaseError, match="schema version 999, newer than this Relais knows"):
        await open_database(url)


async def test_postgresql_needs_the_shared_hash_key(postgres, monkeypatch) -> None:
    monkeypatch.delenv("RELAIS_HASH_KEY", raising=False)
    url = postgres.database()
    with pytest.raises(DatabaseError, match=r"RELAIS_HASH_KEY is required .*openssl rand"):
        await open_database(url)


async def test_an_unreachable_server_is_named_with_what_to_check(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("RELAIS_HASH_KEY", TEST_KEY)
    url = f"postgresql://relais:secret@/relais?host={tmp_path}"  # no server listens there
    with pytest.raises(DatabaseError) as raised:
        await open_database(url)
    message = str(raised.value)
    assert "cannot connect to the PostgreSQL database" in message
    assert "secret" not in message, "the password is not shown"
    assert "RELAIS_DB" in message


def test_relais_db_migrate_says_the_version(db_target: str) -> None:
    done = relais_command("db", "migrate", "--db", db_target, env={"RELAIS_HASH_KEY": TEST_KEY})
    assert done.returncode == 0, done.stderr
    assert f"schema version {migrations()[-1][0]}" in done.stdout


def test_a_sqlite_url_means_the_file(tmp_path: Path) -> None:
    path = tmp_path / "relais.db"
    done = relais_command("db", "migrate", "--db", f"sqlite:///{path}")
    assert done.returncode == 0, done.stderr
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == newest()
