"""The service on a real database (a SQLite file, and PostgreSQL): durable state, one
processing per message, order."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.conversations import Conversations
from bot.engine import Engine, Text
from bot.store import open_database
from bot.store.db import DatabaseError
from bot.store.migrate import migrations
from tests.conftest import NOON
from tests.support.store import rows_of


async def test_state_is_in_the_database_not_in_memory(engine: Engine, db_target: str) -> None:
    db = await open_database(db_target)
    await Conversations(db, engine).handle("sms", "+33600000001", Text("salut"), now=NOON)
    await Conversations(db, engine).handle("sms", "+33600000001", Text("1"), now=NOON)
    await db.close()

    other_process = await open_database(db_target)
    handled = await Conversations(other_process, engine).handle(
        "sms", "+33600000001", Text("oui"), now=NOON + timedelta(minutes=1), lang="fr"
    )
    assert handled.session.node == "marche"
    await other_process.close()


async def test_a_message_delivered_twice_is_processed_once(engine: Engine, db_target: str) -> None:
    db = await open_database(db_target)
    conversations = Conversations(db, engine)
    await conversations.handle("telegram", "42", Text("salut"), external_id="u1", now=NOON)
    first = await conversations.handle("telegram", "42", Text("1"), external_id="u2", now=NOON)
    again = await conversations.handle("telegram", "42", Text("1"), external_id="u2", now=NOON)
    assert first.replies and not first.duplicate
    assert again.duplicate and again.replies == ()
    assert again.session.node == "compte"
    same_id_elsewhere = await conversations.handle(
        "sms", "+33600000002", Text("salut"), external_id="u2", now=NOON
    )
    assert not same_id_elsewhere.duplicate
    await db.close()


async def test_one_persons_messages_are_processed_in_arrival_order(
    engine: Engine, db_target: str
) -> None:
    db = await open_database(db_target)
    conversations = Conversations(db, engine)
    answers = ["salut", "1", "oui", "non"]
    results = await asyncio.gather(
        *(
            conversations.handle("sms", "+33600000003", Text(a), external_id=str(i), now=NOON)
            for i, a in enumerate(answers)
        ),
        *(
            conversations.handle("sms", f"+3370000000{i}", Text("salut"), now=NOON)
            for i in range(5)
        ),
    )
    steps = [f"{r.session.flow}/{r.session.node}" for r in results[:4]]
    assert steps == ["menu/accueil", "demarche/compte", "demarche/marche", "aide/humain"]
    await db.close()


async def test_erase_deletes_the_session_row(engine: Engine, db_target: str) -> None:
    db = await open_database(db_target)
    conversations = Conversations(db, engine)
    for text in ("salut", "1", "oubli", "oui"):
        await conversations.handle("sms", "+33600000004", Text(text), now=NOON)
    await conversations.handle("sms", "+33600000005", Text("salut"), now=NOON)
    await db.close()
    assert await rows_of(db_target, "SELECT channel, user_id FROM sessions") == [
        ("sms", "+33600000005")
    ]


async def test_database_is_wal_and_at_the_newest_schema(db_path: Path) -> None:
    db = await open_database(db_path)
    assert await db.schema_version() == migrations()[-1][0]
    await db.close()
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_a_database_from_a_newer_relais_is_refused(db_path: Path) -> None:
    sqlite3.connect(db_path).execute("PRAGMA user_version=999").connection.commit()
    with pytest.raises(DatabaseError, match="newer than this Relais knows"):
        await open_database(db_path)


async def test_a_missing_folder_is_named_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match=r"does not exist .*RELAIS_DB"):
        await open_database(tmp_path / "nowhere" / "relais.db")


async def test_a_failed_step_rolls_back_and_loses_nothing(engine: Engine, db_target: str) -> None:
    db = await open_database(db_target)
    conversations = Conversations(db, engine)
    await conversations.handle("sms", "+33600000006", Text("salut"), external_id="a", now=NOON)

    def broken_step(*_args, **_kwargs):
        raise RuntimeError("a bug")

    conversations.engine = type("Broken", (), {"step": staticmethod(broken_step)})()
    failed = await conversations.handle("sms", "+33600000006", Text("1"), external_id="b", now=NOON)
    assert "problème technique" in failed.replies[0].text
    conversations.engine = engine
    retried = await conversations.handle(
        "sms", "+33600000006", Text("1"), external_id="b", now=NOON
    )
    assert not retried.duplicate
    assert retried.session.node == "compte"
    await db.close()


async def test_a_batch_keeps_order_dedup_and_erasure_per_person(
    engine: Engine, db_target: str
) -> None:
    db = await open_database(db_target)
    conversations = Conversations(db, engine)
    who = ("sms", "+33600000007")
    sent = [("salut", "m1"), ("1", "m2"), ("1", "m2"), ("oubli", "m3"), ("oui", "m4"), ("x", "m5")]
    results = await asyncio.gather(
        *(
            conversations.handle(*who, Text(text), external_id=mid, now=NOON, lang="fr")
            for text, mid in sent
        )
    )
    assert [r.duplicate for r in results] == [False, False, True, False, False, False]
    assert results[1].session.node == "compte"
    assert "effacées" in results[4].replies[0].text
    assert "Bonjour" in results[5].replies[0].text
    await db.close()
    assert await rows_of(db_target, "SELECT count(*) FROM sessions") == [(1,)]


async def test_telegram_replies_of_one_batch_are_queued_in_order(
    engine: Engine, db_target: str
) -> None:
    """Many Telegram messages processed together: each chat's replies wait in the outbox in
    the order of its messages; a person who asks for erasure in the same batch keeps only
    the confirmation, nothing queued before it."""
    db = await open_database(db_target)
    conversations = Conversations(db, engine)
    keep = [("10", t) for t in ("salut", "1", "oui")]
    erase = [("20", t) for t in ("salut", "1", "oubli", "oui")]
    mixed = [m for pair in zip(keep, erase[:3], strict=True) for m in pair] + [erase[3]]
    results = await asyncio.gather(
        *(
            conversations.handle(
                "telegram", chat, Text(text), external_id=f"{chat}-{i}", now=NOON, outbound=True
            )
            for i, (chat, text) in enumerate(mixed)
        )
    )
    rows = await db.conn.execute_fetchall("SELECT user_id, payload FROM outbox ORDER BY id")
    queued = {chat: [p for u, p in rows if u == chat] for chat in ("10", "20")}
    replies_10 = [
        r for (chat, _), h in zip(mixed, results, strict=True) if chat == "10" for r in [h.replies]
    ]
    assert len(queued["10"]) == len(replies_10) == 3
    texts = [json.loads(p)[0]["text"] for p in queued["10"]]
    assert texts == [h[0].text for h in replies_10]
    assert len(queued["20"]) == 1, "only the erasure's confirmation is left for chat 20"
    assert json.loads(queued["20"][0])[0]["text"] == results[-1].replies[0].text
    await db.close()
