"""Erased means erased on disk: after OUBLI, the person's number and words are in neither
the database file (secure_delete zeroes freed pages) nor its write-ahead log."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.engine import Text
from bot.store import open_database
from tests.conftest import NOON
from tests.support.fuzzing import HANDOFF_WALK, relais_with_places

WHO = "+33698765431"
WORDS = "Zanzibarique: mon dossier de logement est bloqué depuis Quasimodiette"


def on_disk(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())


def traces(data: bytes) -> list[str]:
    found = [w for w in ("Zanzibarique", "Quasimodiette") if w.encode() in data]
    return found + ([WHO] if WHO[1:].encode() in data else [])


async def test_every_connection_deletes_securely(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "relais.db")
    try:
        rows = await db.conn.execute_fetchall("PRAGMA secure_delete")
        assert rows == [(1,)]
    finally:
        await db.close()


async def test_after_oubli_the_number_and_the_words_are_not_on_disk(tmp_path: Path) -> None:
    db = tmp_path / "relais.db"
    relais = await relais_with_places(db)
    now = NOON
    try:
        for text in (*HANDOFF_WALK, WORDS, "encore un mot: Zanzibarique"):
            now += timedelta(seconds=10)
            await relais.conversations.handle("sms", WHO, Text(text), now=now)
        assert traces(on_disk(db)) == ["Zanzibarique", "Quasimodiette", WHO], "stored first"
        for text in ("oubli", "1"):
            now += timedelta(seconds=10)
            await relais.conversations.handle("sms", WHO, Text(text), now=now)
        assert traces(on_disk(db)) == [], "left in the file or the write-ahead log"
    finally:
        await relais.close()
    assert traces(on_disk(db)) == []
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
