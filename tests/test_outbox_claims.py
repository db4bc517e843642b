"""Two outbox workers on one database: claims, leases and the one Telegram sender.

Each test runs two `Outbox` workers (two names, as two processes would have) in this
process, on a SQLite file and on PostgreSQL: what one has claimed the other does not send
until the claim's lease has run out, and only the elected worker sends Telegram.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.engine import Reply
from bot.outbox import CHAT, Outbox, enqueue, replies_payload
from bot.store import open_database

LEASE = 30.0


async def queue(db, channel: str, user: str, *texts: str) -> None:
    async with db.transaction() as conn:
        for text in texts:
            await enqueue(conn, channel, user, replies_payload([Reply(text)]), time.time())


def recorder(log: list, gate: asyncio.Event | None = None):
    async def send(user: str, payload) -> None:
        if gate is not None:
            await gate.wait()
        log.append((user, payload[0]["text"]))

    return send


@pytest.fixture
async def db(db_target):
    database = await open_database(db_target)
    yield database
    await database.close()


async def test_a_dead_workers_messages_go_again_once_its_lease_has_run_out(db) -> None:
    await queue(db, "sms", "+33600000001", "un", "deux")
    await queue(db, "sms", "+33600000002", "trois")
    never = asyncio.Event()
    first = Outbox(db, {"sms": recorder([], never)}, lease=LEASE, worker="a")
    now = time.time()
    dying = asyncio.create_task(first.flush(now))
    await asyncio.sleep(0.3)
    dying.cancel()  # killed while sending: its claims stay in the table
    sent: list = []
    second = Outbox(db, {"sms": recorder(sent)}, lease=LEASE, worker="b")
    assert await second.flush(now + 1) == 0, "the other worker's claims are respected"
    assert await second.flush(now + LEASE + 1) == 3
    assert sorted(sent) == [
        ("+33600000001", "deux"),
        ("+33600000001", "un"),
        ("+33600000002", "trois"),
    ]
    assert sent.index(("+33600000001", "un")) < sent.index(("+33600000001", "deux"))


async def test_a_recipients_next_message_waits_for_the_one_another_worker_sends(db) -> None:
    await queue(db, "sms", "+33600000001", "un", "deux")
    await queue(db, "sms", "+33600000002", "trois")
    gate, first_sent, second_sent = asyncio.Event(), [], []
    first = Outbox(db, {"sms": recorder(first_sent, gate)}, lease=LEASE, worker="a")
    now = time.time()
    sending = asyncio.create_task(first.flush(now))
    await asyncio.sleep(0.3)  # "a" holds both heads: "un" and "trois"
    second = Outbox(db, {"sms": recorder(second_sent)}, lease=LEASE, worker="b")
    assert await second.flush(now) == 0, "'deux' never goes before 'un'"
    gate.set()
    assert await sending == 3
    assert first_sent == [
        ("+33600000001", "un"),
        ("+33600000002", "trois"),
        ("+33600000001", "deux"),
    ]
    assert second_sent == []


async def test_one_worker_sends_telegram_and_another_takes_over_when_it_stops(db) -> None:
    """Telegram's limit is the bot's: one elected worker sends its messages (and the
    mediators' chats), any worker sends the other channels."""
    await queue(db, "telegram", "42", "bonjour")
    await queue(db, CHAT, "-100", "R-ABCD")
    await queue(db, "sms", "+33600000001", "salut")
    now = time.time()
    elected_log, other_log = [], []
    elected = Outbox(db, {"telegram": recorder(elected_log)}, lease=LEASE, worker="a")
    await elected.claims.renew(now)
    assert elected.claims.may_send("telegram")
    other = Outbox(
        db,
        {"telegram": recorder(other_log), CHAT: recorder(other_log), "sms": recorder(other_log)},
        lease=LEASE,
        worker="b",
    )
    assert await other.flush(now) == 1
    assert other_log == [("+33600000001", "salut")], "Telegram waits for the elected worker"
    worker = asyncio.create_task(elected.run())
    await asyncio.sleep(0.5)
    await elected.stop(worker, 5)  # a clean stop gives the election up at once
    assert elected_log == [("42", "bonjour")]
    assert await other.flush(now + 1) == 1
    assert other_log[1:] == [("-100", "R-ABCD")]


async def test_a_worker_that_stops_renewing_loses_the_telegram_sending(db) -> None:
    await queue(db, "telegram", "42", "bonjour")
    now = time.time()
    first = Outbox(db, {"telegram": recorder([])}, lease=LEASE, worker="a")
    await first.claims.renew(now)  # elected, then killed: it never renews
    sent: list = []
    second = Outbox(db, {"telegram": recorder(sent)}, lease=LEASE, worker="b")
    assert await second.flush(now + 1) == 0
    assert await second.flush(now + LEASE + 1) == 1
    assert sent == [("42", "bonjour")]
