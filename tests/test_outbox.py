"""The outbox: what Relais sends later waits in the database, in order per recipient,
retried with growing waits, without one slow recipient holding up the others."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.engine import Reply
from bot.outbox import MAX_ATTEMPTS, Outbox, TryLater, backoff, enqueue, replies_payload
from bot.store import open_database


async def queue(db, user: str, *texts: str) -> None:
    async with db.transaction() as conn:
        for text in texts:
            await enqueue(conn, "sms", user, replies_payload([Reply(text)]), time.time())


async def test_a_stuck_recipient_does_not_hold_up_the_others(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "relais.db")
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


async def test_failures_wait_longer_each_time_then_give_up(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "relais.db")
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
