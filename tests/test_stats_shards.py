"""The statistics' counters with several workers on PostgreSQL: two batches that count the
same node at once do not wait for each other's COMMIT (each adds to its own shard), and the
figures add up every shard exactly."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import psycopg
import pytest

from bot.flows.loader import load_flows
from bot.stats.count import Tally
from bot.stats.report import figures
from bot.store import open_database
from bot.store.migrate import _statements, migrations
from tests.support.postgres import TEST_KEY

DAY = "2026-12-03"


def one_conversation_at_the_caf_menu() -> Tally:
    tally = Tally(load_flows(), idle_seconds=3600)
    tally.people = Counter({(DAY, "fr", "sms", "conversations"): 1})
    tally.nodes = Counter({(DAY, "caf", "choix", "fr", "sms", "reached"): 1})
    tally.unmatched = Counter({(DAY, "caf", "choix", "fr", "euh"): 1})
    return tally


@pytest.fixture
async def two_workers(postgres, monkeypatch):
    monkeypatch.setenv("RELAIS_HASH_KEY", TEST_KEY)
    url = postgres.database()
    first, second = await open_database(url), await open_database(url)
    yield first, second
    await first.close()
    await second.close()
    postgres.drop(url)


async def test_two_workers_count_the_same_node_at_once_and_the_figures_add_both(
    two_workers,
) -> None:
    first_db, second_db = two_workers
    async with first_db.transaction() as first:
        await one_conversation_at_the_caf_menu().flush(first, shard=1)
        async with second_db.transaction() as second:
            # Waiting for the first batch's COMMIT would raise here instead of hanging.
            await second.execute("SET LOCAL lock_timeout = '2s'")
            await one_conversation_at_the_caf_menu().flush(second, shard=2)
    got = await figures(first_db.conn, since=DAY, until=DAY)
    assert got["conversations"] == 2
    assert got["channels"] == {"sms": {"conversations": 2, "handoffs": 0}}
    assert got["flows"]["caf"]["nodes"]["choix"]["reached"] == 2
    rows = await first_db.conn.execute_fetchall(
        "SELECT SUM(count) FROM stats_unmatched WHERE phrase = 'euh'"
    )
    assert rows == [(2,)]


async def test_one_shard_would_make_the_second_batch_wait(two_workers) -> None:
    """What the shards avoid (and what shows that the test above can fail)."""
    first_db, second_db = two_workers
    async with first_db.transaction() as first:
        await one_conversation_at_the_caf_menu().flush(first, shard=3)
        with pytest.raises(psycopg.errors.LockNotAvailable):
            async with second_db.transaction() as second:
                await second.execute("SET LOCAL lock_timeout = '200ms'")
                await one_conversation_at_the_caf_menu().flush(second, shard=3)


async def test_the_figures_counted_before_the_upgrade_are_kept(tmp_path: Path) -> None:
    """A deployment's counters at schema 13 (one row per counter) are the same figures after
    migration 0014 rebuilt the tables with their shard."""
    path = tmp_path / "relais.db"
    conn = sqlite3.connect(path)
    for number, script in migrations():
        if number > 13:
            break
        for statement in _statements(script.read_text()):
            conn.execute(statement)
    conn.execute("PRAGMA user_version=13")
    conn.execute("INSERT INTO stats_people VALUES (?, 'ar', 'sms', 7, 5, 2)", (DAY,))
    conn.execute(
        "INSERT INTO stats_nodes VALUES (?, 'caf', 'choix', 'ar', 'sms', 7, 6, 1, 2, 1, 0, 0)",
        (DAY,),
    )
    conn.execute("INSERT INTO stats_unmatched VALUES (?, 'caf', 'choix', 'ar', 'euh', 6)", (DAY,))
    conn.commit()
    conn.close()
    db = await open_database(path)
    assert await db.schema_version() >= 14
    got = await figures(db.conn, since=DAY, until=DAY)
    assert got["conversations"] == 7
    assert got["languages"] == {"ar": {"conversations": 5, "handoffs": 2}}
    assert got["flows"]["caf"]["nodes"]["choix"]["reached"] == 7
    assert [(u["phrase"], u["count"]) for u in got["unmatched"]] == [("euh", 6)]
    async with db.transaction() as conn:
        await one_conversation_at_the_caf_menu().flush(conn)
    got = await figures(db.conn, since=DAY, until=DAY)
    assert got["conversations"] == 8
    await db.close()
