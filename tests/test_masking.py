"""Secrets hidden whatever follows them, in the 8 languages, and help about a lost password
left as written: driven by a corpus of realistic messages (tests/data/masking_corpus.yaml),
checked on the masker, through the engine (what the person is told), and on disk (every
table, the database file and its write-ahead log)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot.engine import Engine, Session, Text, texts
from bot.languages import ORDER
from bot.privacy.masking import MASK, mask
from tests.conftest import NOON, TESTS
from tests.support.fuzzing import HANDOFF_WALK, relais_with_places

CORPUS = yaml.safe_load((TESTS / "data" / "masking_corpus.yaml").read_text(encoding="utf-8"))
SECRETS = [
    (lang, case["text"], case["hidden"]) for lang in CORPUS for case in CORPUS[lang]["masked"]
]
HARMLESS = [(lang, text) for lang in CORPUS for text in CORPUS[lang]["kept"]]


def test_the_corpus_speaks_every_language_both_ways() -> None:
    assert sorted(CORPUS) == sorted(ORDER)
    for lang, cases in CORPUS.items():
        assert cases["masked"] and cases["kept"], lang


@pytest.mark.parametrize(("lang", "text", "hidden"), SECRETS)
def test_a_secret_is_hidden_whatever_follows_it(lang: str, text: str, hidden: list[str]) -> None:
    masked, changed = mask(text)
    assert changed and MASK in masked, masked
    for part in hidden:
        assert part not in masked, f"{part!r} still in {masked!r}"


@pytest.mark.parametrize(("lang", "text"), HARMLESS)
def test_talking_about_a_secret_is_left_as_written(lang: str, text: str) -> None:
    assert mask(text) == (text, False)


@pytest.mark.parametrize(("lang", "text"), HARMLESS)
def test_nobody_is_told_a_code_was_hidden_when_none_was(
    shipped_engine: Engine, lang: str, text: str
) -> None:
    session = Session(lang=lang, flow="menu", node="accueil", last_seen=NOON.timestamp())
    outcome = shipped_engine.step(session, Text(text), NOON + timedelta(seconds=5))
    notice = shipped_engine.catalogs.get(lang).text(texts.MASKED)
    assert all(notice not in reply.text for reply in outcome.replies)


@pytest.mark.parametrize("lang", ORDER)
def test_the_person_is_told_in_their_language_when_a_secret_was_hidden(
    shipped_engine: Engine, lang: str
) -> None:
    text = CORPUS[lang]["masked"][0]["text"]
    session = Session(lang=lang, flow="menu", node="accueil", last_seen=NOON.timestamp())
    outcome = shipped_engine.step(session, Text(text), NOON + timedelta(seconds=5))
    assert outcome.replies[0].text == shipped_engine.catalogs.get(lang).text(texts.MASKED)


def database_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())


async def test_no_secret_reaches_any_table_the_log_or_the_mediator(tmp_path: Path) -> None:
    """A resident with an open ticket sends every message of the corpus to the mediator."""
    db = tmp_path / "relais.db"
    relais = await relais_with_places(db)
    who, now = "+33611223344", NOON
    before = database_bytes(db)
    try:
        for text in (*HANDOFF_WALK, *(t for _, t, _ in SECRETS), *(t for _, t in HARMLESS)):
            now += timedelta(seconds=10)
            await relais.conversations.handle("sms", who, Text(text), now=now)
        conn = relais.db.conn
        relayed = [t for (t,) in await conn.execute_fetchall("SELECT text FROM ticket_messages")]
        assert len(relayed) > len(SECRETS), "the messages went to the mediator"
        for _, text in HARMLESS:
            assert text in relayed, f"{text!r} did not reach the mediator as written"
        tables = [
            name
            for (name,) in await conn.execute_fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'place%'"
            )
        ]
        everything = ""
        for table in tables:
            rows = await conn.execute_fetchall(f"SELECT * FROM {table}")
            everything += repr(rows)
        on_disk = database_bytes(db)
        for _, _text, hidden in SECRETS:
            for part in hidden:
                assert part not in everything, f"{part!r} is stored in clear"
                by_chance = part.encode() in before  # in the open data of help places
                assert by_chance or part.encode() not in on_disk, f"{part!r} is on disk"
    finally:
        await relais.close()
