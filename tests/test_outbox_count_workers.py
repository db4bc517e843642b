"""The outbox's waiting count with several workers on PostgreSQL (migration 0014): the
sender that deletes a sent message never waits on the count's row of a batch that queued
one, even when their server processes fall on the same row of its shards."""

from __future__ import annotations

import psycopg
import pytest

from bot.outbox import waiting
from bot.store import open_database
from tests.support.postgres import TEST_KEY

QUEUE = (
    "INSERT INTO outbox (channel, user_id, payload, next_at, created_at) "
    "VALUES (%s, %s, '[]', 0, 0)"
)


def same_row_pair(url: str) -> tuple[psycopg.Connection, psycopg.Connection, list]:
    """Two connections whose server processes share a residue modulo 16 (17 suffice)."""
    opened: list[psycopg.Connection] = []
    by_residue: dict[int, psycopg.Connection] = {}
    while True:
        conn = psycopg.connect(url)
        opened.append(conn)
        residue = conn.info.backend_pid % 16
        if residue in by_residue:
            return by_residue[residue], conn, opened
        by_residue[residue] = conn


@pytest.fixture
def url(postgres):
    url = postgres.database()
    yield url
    postgres.drop(url)


def test_the_sender_never_waits_on_the_count_of_a_batch_that_queued(url: str) -> None:
    batch, sender, opened = same_row_pair(url)
    try:
        with psycopg.connect(url, autocommit=True) as setup:
            setup.execute(QUEUE, ("telegram-chat", "-1001"))  # a post waiting to be sent
        batch.execute(QUEUE, ("telegram", "77"))  # a reply queued, not yet committed
        sender.execute("SET lock_timeout = '2s'")  # waiting would raise here, not hang
        sender.execute("SELECT pg_advisory_xact_lock(hashtextextended('telegram-chat:-1001', 0))")
        sender.execute("DELETE FROM outbox WHERE channel = 'telegram-chat'")  # it was sent
        sender.commit()
        batch.execute(QUEUE, ("telegram-chat", "-1001"))  # the batch posts to the chat too
        batch.commit()
    finally:
        for conn in opened:
            conn.close()


async def test_the_count_adds_every_shard(url: str, monkeypatch) -> None:
    monkeypatch.setenv("RELAIS_HASH_KEY", TEST_KEY)
    connections = [psycopg.connect(url, autocommit=True) for _ in range(20)]
    try:
        for n, conn in enumerate(connections):
            conn.execute(QUEUE, ("sms", f"+336000000{n:02d}"))
        for conn in connections[:7]:
            conn.execute("DELETE FROM outbox WHERE id = (SELECT MIN(id) FROM outbox)")
    finally:
        for conn in connections:
            conn.close()
    db = await open_database(url)
    assert await waiting(db.conn) == 13
    await db.close()
