"""Faults the service survives without losing a message: a locked database, a channel down."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

from tests.support.twilio import messages, post, signed, sms


def hold_write_lock(db_path: str, seconds: float) -> threading.Event:
    """Another program writing to the database (a backup, a second process) for a while."""
    locked = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(db_path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    threading.Thread(target=hold, daemon=True).start()
    locked.wait()
    return locked


async def test_a_briefly_locked_database_is_waited_for(relais_app) -> None:
    client, relais = relais_app
    await relais.db.conn.execute("PRAGMA busy_timeout=100")
    hold_write_lock(relais.settings.db, 0.5)
    params = sms("bonjour", "SMlocked1")
    response = await post(client, params, signed(params))
    assert response.status_code == 200
    assert messages(response.text), "processed once the lock was released"


async def test_a_database_locked_too_long_answers_503_and_keeps_nothing(relais_app, caplog) -> None:
    client, relais = relais_app
    await relais.db.conn.execute("PRAGMA busy_timeout=100")
    hold_write_lock(relais.settings.db, 3.0)
    params = sms("bonjour", "SMlocked2")
    with caplog.at_level(logging.ERROR):
        response = await post(client, params, signed(params))
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert "stayed locked" in caplog.text and relais.settings.db in caplog.text
    time.sleep(1.5)
    again = await post(client, params, signed(params))
    assert again.status_code == 200 and messages(again.text), "Twilio's retry is processed"
