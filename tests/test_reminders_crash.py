"""`relais serve` killed with SIGKILL during the minute reminders are sent, then restarted:
each resident gets their reminder once, through the real twilio client and a fake Twilio API
that accepts only some messages before the kill."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from bot.app import start
from bot.config import Settings
from bot.engine import Text
from tests.conftest import start_serve, stop_serve
from tests.fakes.twilio_api import FakeTwilioApi

SID = "AC" + "2" * 32
TOKEN = "twilio-auth-token-for-crash-tests"
RESIDENTS = [f"+3361234{n:04d}" for n in range(8)]


def count(db: Path, sql: str) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql).fetchone()[0]


def wait_for(check, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen in {seconds} s"
        time.sleep(0.1)


def test_a_sigkill_in_the_sending_minute_loses_and_repeats_no_reminder(tmp_path: Path) -> None:
    db = tmp_path / "r.db"

    async def ask() -> None:
        relais = await start(Settings(db=str(db), log_level="WARNING"))
        try:
            for user in RESIDENTS:
                await relais.conversations.handle("sms", user, Text("rappels"), lang="fr")
                await relais.conversations.handle("sms", user, Text("1"))
        finally:
            await relais.close()

    asyncio.run(ask())
    with closing(sqlite3.connect(db)) as conn, conn:  # the sending minute is now
        conn.execute("UPDATE reminders SET next_at = ?", (time.time() - 30,))
    fake = FakeTwilioApi(SID, TOKEN, accept_at_most=3)
    fake.start()
    env = {
        "RELAIS_PUBLIC_URL": "http://127.0.0.1:9",
        "RELAIS_TWILIO_ACCOUNT_SID": SID,
        "RELAIS_TWILIO_AUTH_TOKEN": TOKEN,
        "RELAIS_TWILIO_SENDER": "+33700000000",
        "RELAIS_TWILIO_API_URL": fake.base_url,
    }
    try:
        process, _ = start_serve(db, env)
        try:
            # Three accepted and recorded, the others refused (503) and waiting to retry.
            wait_for(lambda: count(db, "SELECT COUNT(*) FROM outbox") == 5, "3 reminders sent")
            wait_for(lambda: len(fake.refused) >= 5, "the others refused once")
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        finally:
            stop_serve(process)
        assert count(db, "SELECT COUNT(*) FROM reminders WHERE next_at < strftime('%s')") == 0
        fake.accept_at_most = None
        process, _ = start_serve(db, env)
        try:
            wait_for(lambda: count(db, "SELECT COUNT(*) FROM outbox") == 0, "all reminders sent")
        finally:
            stop_serve(process)
    finally:
        fake.stop()
    for user in RESIDENTS:
        (message,) = fake.to(user)
        assert "l'actualisation France Travail est ouverte" in message["Body"]
        assert "1. C'est fait" in message["Body"] and "2. Aidez-moi" in message["Body"]
    assert count(db, "SELECT n FROM reminder_counts WHERE outcome = 'sent'") == len(RESIDENTS)
