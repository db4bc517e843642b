"""`relais db copy`: a SQLite deployment moves to PostgreSQL whole, and goes on there."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import psycopg
import pytest

from bot.conversations import Conversations
from bot.engine import Engine, Reply, Text
from bot.handoff import audit, tickets
from bot.handoff.mediators import add_mediator, set_organisation
from bot.outbox import enqueue, replies_payload
from bot.store import open_database
from tests.conftest import NOON, relais_command

TABLES_WITH_IDS = ("organisations", "mediators", "tickets", "ticket_messages", "outbox", "audit")


async def _deployment(path: Path, engine: Engine) -> None:
    """A SQLite deployment that has lived: conversations, a ticket, queued messages."""
    db = await open_database(path)
    conversations = Conversations(db, engine)
    for n, text in enumerate(("salut", "1")):
        await conversations.handle("sms", "+33600000001", Text(text), external_id=f"m{n}", now=NOON)
    await conversations.handle("telegram", "42", Text("salut"), external_id="t1", now=NOON)
    org = await set_organisation(db, "Pimms", places=("lieu:1",), telegram_chat=-1001234567890)
    await add_mediator(db, "alice@example.org", "Alice", "Pimms", "a long password 1")
    now = time.time()
    async with db.transaction() as conn:
        ticket = await tickets.open_ticket(
            conn,
            organisation_id=org.id,
            place="lieu:1",
            place_name="Maison",
            channel="sms",
            user_id="+33600000001",
            lang="fr",
            topic="caf",
            summary="Sujet : CAF",
            now=now,
        )
        message = await tickets.add_message(conn, ticket.id, "mediator", "Bonjour", now)
        for n in range(3):
            await enqueue(
                conn,
                "telegram",
                "42",
                replies_payload([Reply(f"réponse {n}")]),
                now,
                ticket_id=ticket.id,
                ticket_message_id=message,
            )
        await audit.record(conn, "alice@example.org", "view", ticket.code, now)
    await db.close()


def _sqlite_rows(path: Path, table: str) -> list[tuple]:
    return sorted(sqlite3.connect(path).execute(f"SELECT * FROM {table}").fetchall(), key=repr)


def _postgres_rows(url: str, table: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)


def _copy(path: Path, url: str, key: str):
    return relais_command(
        "db", "copy", "--from", f"sqlite:///{path}", "--to", url, env={"RELAIS_HASH_KEY": key}
    )


async def test_a_sqlite_deployment_is_copied_whole_and_goes_on(
    engine: Engine, tmp_path: Path, postgres, monkeypatch
) -> None:
    path = tmp_path / "relais.db"
    await _deployment(path, engine)
    key = Path(f"{path}.key").read_text().strip()
    url = postgres.database(migrated=False)

    done = _copy(path, url, key)
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stdout, "the key of the SQLite file was given: nothing lost"
    tables = [
        name
        for (name,) in sqlite3.connect(path).execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'outbox_size'"
        )
    ]
    for table in tables:
        rows = _sqlite_rows(path, table)
        assert len(_postgres_rows(url, table)) == len(rows), table
        assert f"{table} " in done.stdout
    for table in (*TABLES_WITH_IDS, "organisation_places", "telegram_posts"):
        assert _postgres_rows(url, table) == _sqlite_rows(path, table), table
    state = dict(sqlite3.connect(path).execute("SELECT user_id, state FROM sessions"))
    assert dict(psycopg.connect(url).execute("SELECT user_id, state::text FROM sessions")) == state
    total = sum(len(_sqlite_rows(path, t)) for t in tables)
    assert f"copied {total:,} rows" in done.stdout

    monkeypatch.setenv("RELAIS_HASH_KEY", key)
    db = await open_database(url)
    assert await db.conn.execute_fetchall("SELECT SUM(waiting) FROM outbox_size") == [(3,)]
    heads = await db.conn.execute_fetchall("SELECT head FROM outbox ORDER BY id")
    assert [h for (h,) in heads] == [1, 0, 0], "the oldest message of the recipient goes first"
    conversations = Conversations(db, engine)
    again = await conversations.handle("sms", "+33600000001", Text("1"), external_id="m1", now=NOON)
    assert again.duplicate, "a message processed before the move is still known"
    goes_on = await conversations.handle(
        "sms", "+33600000001", Text("oui"), external_id="m2", now=NOON
    )
    assert goes_on.session.node == "marche", "the conversation goes on where it was"
    async with db.transaction() as conn:
        newer = await tickets.add_message(conn, 1, "resident", "merci", time.time())
        queued = await enqueue(conn, "sms", "+33600000001", [], time.time())
    (last_message,), (last_queued,) = (
        max(_sqlite_rows(path, "ticket_messages"))[:1],
        max(_sqlite_rows(path, "outbox"))[:1],
    )
    assert newer == last_message + 1 and queued == last_queued + 1, "ids go on after the copy"
    await db.close()


async def test_a_target_holding_data_is_refused_and_left_as_it_was(
    engine: Engine, tmp_path: Path, postgres
) -> None:
    path = tmp_path / "relais.db"
    await _deployment(path, engine)
    key = Path(f"{path}.key").read_text().strip()
    url = postgres.database(migrated=False)
    assert _copy(path, url, key).returncode == 0
    before = _postgres_rows(url, "sessions")

    again = _copy(path, url, key)
    assert again.returncode == 2
    assert "already holds data (in" in again.stderr and "empty database" in again.stderr
    assert _postgres_rows(url, "sessions") == before
    assert len(_postgres_rows(url, "tickets")) == 1, "nothing copied twice"


async def test_another_hash_key_is_warned_about(engine: Engine, tmp_path: Path, postgres) -> None:
    path = tmp_path / "relais.db"
    await _deployment(path, engine)
    done = _copy(path, postgres.database(), "not-the-key-of-the-file")
    assert done.returncode == 0, done.stderr
    assert f"warning: RELAIS_HASH_KEY is not the content of {path}.key" in done.stdout


@pytest.mark.parametrize(
    ("source", "target"),
    [("postgresql://x@/a", "sqlite:///b.db"), ("a.db", "b.db")],
)
def test_copy_goes_from_sqlite_to_postgresql_only(source: str, target: str) -> None:
    done = relais_command("db", "copy", "--from", source, "--to", target)
    assert done.returncode == 2
    assert "from a SQLite file to a PostgreSQL database" in done.stderr


def test_a_missing_source_is_named(tmp_path: Path) -> None:
    done = relais_command(
        "db", "copy", "--from", f"sqlite:///{tmp_path}/none.db", "--to", "postgresql://x@/y"
    )
    assert done.returncode == 2
    assert f"there is no SQLite database at {tmp_path}/none.db" in done.stderr
