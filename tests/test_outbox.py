"""The outbox: what Relais sends later waits in the database, in order per recipient,
retried with growing waits, without one slow recipient holding up the others."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from bot.engine import Reply
from bot.outbox import (
    BATCH,
    CHAT,
    MAX_ATTEMPTS,
    Outbox,
    TryLater,
    backoff,
    enqueue,
    health,
    replies_payload,
    waiting,
)
from bot.store import open_database
from bot.store.migrate import _statements, migrations


async def queue(db, user: str, *texts: str) -> None:
    async with db.transaction() as conn:
        for text in texts:
            await enqueue(conn, "sms", user, replies_payload([Reply(text)]), time.time())


async def test_a_stuck_recipient_does_not_hold_up_the_others(db_target: str) -> None:
    db = await open_database(db_target)
    release = asyncio.Event()
    sent: list[tuple[str, str]] = []

    async def sender(user: str, payload) -> None:
        if user == "slow":
            await release.wait()  # Twilio taking its time for this one
        sent.append((user, payload[0]["text"]))

    await queue(db, "slow", "s1", "s2")
    await queue(db, "fast", "f1", "f2", "f3")
    outbox = Outbox(db, {"sms": sender})
    worker = asyncio.create_task(outbox.run())
    try:
        async with asyncio.timeout(5):
            while [t for u, t in sent if u == "fast"] != ["f1", "f2", "f3"]:
                await asyncio.sleep(0.01)
        assert not [t for u, t in sent if u == "slow"], "still waiting, in order"
        release.set()
        async with asyncio.timeout(5):
            while await outbox.pending():
                await asyncio.sleep(0.01)
        assert [t for u, t in sent if u == "slow"] == ["s1", "s2"]
    finally:
        await outbox.stop(worker, 2)
        await db.close()


async def test_failures_wait_longer_each_time_then_give_up(db_target: str) -> None:
    db = await open_database(db_target)
    tries: list[float] = []

    async def down(user: str, payload) -> None:
        tries.append(time.time())
        raise TryLater("Twilio 503")

    await queue(db, "+33600000000", "Bonjour")
    outbox = Outbox(db, {"sms": down})
    now = time.time()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await outbox.flush(now) == 0
        row = await db.conn.execute_fetchall("SELECT attempts, next_at, error FROM outbox")
        if attempt < MAX_ATTEMPTS:
            ((attempts, next_at, error),) = row
            assert attempts == attempt and error == "Twilio 503"
            assert next_at - time.time() > backoff(attempt) - 1, "waits before the next try"
            now = next_at + 0.1
    assert row == [], "given up after the last try (and logged)"
    assert len(tries) == MAX_ATTEMPTS
    assert [backoff(n) for n in (1, 2, 3)] == [5.0, 10.0, 20.0] and backoff(20) == 900.0
    await db.close()


async def test_a_large_backlog_goes_to_each_recipient_in_order(db_target: str) -> None:
    """Thousands of rows for hundreds of recipients (Telegram replies backed up): each
    recipient's messages go oldest first, none twice, none lost, and no more than BATCH at
    once; the count the health check reads follows every send and every erasure."""
    db = await open_database(db_target)
    recipients = [f"chat{n}" for n in range(300)]
    async with db.transaction() as conn:
        for i in range(12):  # interleaved, as replies to many people arrive
            for user in recipients:
                await enqueue(conn, "sms", user, replies_payload([Reply(f"{i}")]), time.time())
    assert await waiting(db.conn) == 3600
    sent: dict[str, list[str]] = {}
    in_flight, most_in_flight = 0, 0

    async def sender(user: str, payload) -> None:
        nonlocal in_flight, most_in_flight
        in_flight += 1
        most_in_flight = max(most_in_flight, in_flight)
        await asyncio.sleep(0)
        sent.setdefault(user, []).append(payload[0]["text"])
        in_flight -= 1

    async with db.transaction() as conn:  # one person erased their data meanwhile
        await conn.execute("DELETE FROM outbox WHERE user_id = 'chat7'")
    assert await waiting(db.conn) == 3588
    outbox = Outbox(db, {"sms": sender})
    assert await outbox.flush(time.time()) == 3588
    assert await outbox.pending() == 0 == await waiting(db.conn)
    assert "chat7" not in sent
    assert all(sent[user] == [str(i) for i in range(12)] for user in recipients if user != "chat7")
    assert most_in_flight <= BATCH
    await db.close()


async def test_a_message_queued_behind_a_retrying_one_waits_for_it(db_target: str) -> None:
    db = await open_database(db_target)
    down = {"+33600000000"}
    sent: list[str] = []

    async def sender(user: str, payload) -> None:
        if user in down:
            raise TryLater("Twilio 503")
        sent.append(payload[0]["text"])

    await queue(db, "+33600000000", "premier")
    outbox = Outbox(db, {"sms": sender})
    now = time.time()
    assert await outbox.flush(now) == 0
    await queue(db, "+33600000000", "second")
    assert await outbox.flush(now + 1) == 0, "the second does not overtake the first"
    assert sent == [] and (await health(db.conn))["most_attempts"] == 1
    down.clear()
    assert await outbox.flush(now + backoff(1) + 1) == 2
    assert sent == ["premier", "second"]
    assert await health(db.conn) == {"waiting": 0, "most_attempts": 0}
    await db.close()


async def test_messages_queued_before_the_upgrade_still_go_in_order(tmp_path: Path) -> None:
    """A deployment upgraded with replies still queued (schema 7): after the migration each
    recipient's oldest goes first, and the health check counts them all."""
    path = tmp_path / "relais.db"
    conn = sqlite3.connect(path)
    for number, script in migrations():
        if number > 7:
            break
        for statement in _statements(script.read_text()):
            conn.execute(statement)
    conn.execute("PRAGMA user_version=7")
    payload = '[{"text": "%s", "choices": []}]'
    conn.executemany(
        "INSERT INTO outbox (channel, user_id, payload, next_at, created_at) "
        "VALUES ('sms', ?, ?, 0, 0)",
        [(user, payload % f"{user}{n}") for n in range(3) for user in ("a", "b")],
    )
    conn.commit()
    conn.close()
    db = await open_database(path)
    assert await db.schema_version() > 7
    assert await health(db.conn) == {"waiting": 6, "most_attempts": 0}
    sent: list[str] = []

    async def sender(user: str, payload) -> None:
        sent.append(payload[0]["text"])

    assert await Outbox(db, {"sms": sender}).flush(time.time()) == 6
    assert [t for t in sent if t[0] == "a"] == ["a0", "a1", "a2"]
    assert [t for t in sent if t[0] == "b"] == ["b0", "b1", "b2"]
    assert await health(db.conn) == {"waiting": 0, "most_attempts": 0}
    await db.close()


async def test_a_residents_backlog_does_not_hold_up_the_mediators_chat(db_target: str) -> None:
    """More residents waiting than messages in flight (Telegram slow to answer): the post
    to the mediators' chat queued meanwhile goes at once (each channel has its own)."""
    db = await open_database(db_target)
    release = asyncio.Event()
    posted: list[str] = []

    async def slow(user: str, payload) -> None:
        await release.wait()

    async def post(chat: str, payload) -> None:
        posted.append(payload["text"])

    now = time.time()
    async with db.transaction() as conn:
        for n in range(BATCH + 50):
            await enqueue(conn, "telegram", str(n), replies_payload([Reply("x")]), now - 10)
        await enqueue(conn, CHAT, "-100", {"text": "Nouvelle demande R-1234"}, now - 5)
    outbox = Outbox(db, {"telegram": slow, CHAT: post})
    worker = asyncio.create_task(outbox.run())
    try:
        async with asyncio.timeout(5):
            while not posted:
                await asyncio.sleep(0.01)
        assert posted == ["Nouvelle demande R-1234"]
        release.set()
        async with asyncio.timeout(10):
            while await outbox.pending():
                await asyncio.sleep(0.01)
    finally:
        release.set()
        await outbox.stop(worker, 2)
        await db.close()
