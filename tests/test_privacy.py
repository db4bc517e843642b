"""Privacy by default: secrets masked before anything keeps them, limits, the notice,
retention, erasure and the audit log."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import start
from bot.config import Settings
from bot.engine import Engine, Reply, Session, Text
from bot.handoff import audit, tickets
from bot.handoff.mediators import set_organisation
from bot.handoff.tickets import ANONYMISED
from bot.outbox import enqueue, replies_payload
from bot.privacy.erasure import purge
from bot.privacy.masking import MASK, mask
from bot.privacy.retention import Retention
from tests.conftest import NOON, relais_command

SECRETS = [
    "mon numéro de sécu 1 85 05 78 006 084 36 merci",
    "185057800608436",
    "2850578006084",
    "sécu: 2 93 11 2A 123 456 78",
    "IBAN FR76 3000 6000 0112 3456 7890 189",
    "fr7630006000011234567890189",
    "carte 4970 1012 3456 7890 exp 12/27",
    "4970-1012-3456-7890",
    "mot de passe : Soleil2024!",
    "Mon MDP est chat123",
    "password=hunter2",
    "le code est 482913",
    "code 4821",
    "j'ai reçu 482913 par SMS",
    "كلمة السر abc123",
    "мой пароль qwerty1",
]
HARMLESS = [
    "93200",
    "code postal 93200",
    "le code ne marche pas",
    "mon tel 06 12 34 56 78",
    "numéro allocataire 1234567",
    "né le 12/05/1985",
    "je touche 1200 euros",
    "il me faut 100000 €",
    "rdv à 10:30",
    "Pinocchio",
]


@pytest.mark.parametrize("text", SECRETS)
def test_secrets_are_masked(text: str) -> None:
    masked, changed = mask(text)
    assert changed and MASK in masked
    assert not any(
        part in masked
        for part in (
            "0608436",
            "3456 7890",
            "Soleil",
            "hunter2",
            "482913",
            "chat123",
            "abc123",
            "qwerty1",
        )
    )


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_numbers_and_words_are_kept(text: str) -> None:
    assert mask(text) == (text, False)


def talk(engine: Engine, *texts: str, start: Session | None = None, gap: float = 5):
    session, now, outcomes = start or Session(lang="fr"), NOON, []
    for text in texts:
        now += timedelta(seconds=gap)
        outcome = engine.step(session, Text(text), now)
        session = outcome.session
        outcomes.append(outcome)
    return outcomes


def test_a_secret_is_masked_before_the_engine_keeps_it_and_the_person_is_told(engine) -> None:
    outcomes = talk(engine, "salut", "1", "aide", "mon mot de passe est Soleil2024")
    told = outcomes[-1].replies[0].text
    assert told == "J'ai caché un numéro ou un code de votre message. Ne les envoyez jamais."
    assert "Soleil2024" not in outcomes[-1].session.to_json()


def test_a_10_kb_message_is_cut_with_a_notice(engine) -> None:
    (outcome,) = talk(engine, "é" * 10_000)
    assert outcome.replies[0].text == "Votre message est très long. J'ai gardé seulement le début."
    assert len(outcome.session.to_json()) < 5_000


def test_past_20_messages_a_minute_one_notice_then_silence(engine) -> None:
    outcomes = talk(engine, *["menu"] * 22, gap=1)
    assert all(o.replies for o in outcomes[:20])
    assert [r.text for r in outcomes[20].replies] == [
        "Vous envoyez beaucoup de messages. Attendez une minute, puis réessayez."
    ]
    assert outcomes[21].replies == ()
    (later,) = talk(engine, "menu", start=outcomes[-1].session, gap=61)
    assert later.replies[-1].key == "menu/accueil"


def test_the_privacy_notice_by_keyword_in_french(shipped_engine) -> None:
    (outcome,) = talk(shipped_engine, "données", start=Session(lang="fr", last_seen=1.0))
    (notice,) = outcome.replies
    assert "30 jours" in notice.text and "OUBLI" in notice.text
    assert notice.choices == ("Plus de détails", "Continuer")
    (details,) = talk(shipped_engine, "1", start=outcome.session)
    assert "365 jours" in details.replies[0].text and "STOP" in details.replies[0].text
    assert details.replies[-1].key == "menu/accueil", "then the question where one was"


def test_after_the_notice_an_answer_to_the_question_one_was_at_still_counts(
    shipped_engine,
) -> None:
    (outcome,) = talk(shipped_engine, "données", start=Session(lang="fr", last_seen=1.0))
    (went,) = talk(shipped_engine, "CAF", start=outcome.session)
    assert went.session.flow == "caf"


def test_the_privacy_notice_from_the_menu_in_arabic(shipped_engine) -> None:
    (greeted,) = talk(shipped_engine, "مرحبا", start=Session(lang="ar"))
    assert greeted.replies[-1].choices[-1] == "🌐 لغة، بيانات"
    (settings,) = talk(shipped_engine, "🌐 لغة، بيانات", start=greeted.session)
    assert "بياناتك" in settings.replies[-1].choices
    (outcome,) = talk(shipped_engine, "بياناتك", start=settings.session)
    notice = outcome.replies[0].text
    assert "30" in notice and "jours" not in notice, notice
    (resumed,) = talk(shipped_engine, "2", start=outcome.session)
    assert resumed.replies[-1].key == "reglages/choix"


# Retention, on a real database file.


DAY = 86400.0


@pytest.fixture
async def relais(tmp_path: Path):
    relais = await start(Settings(db=str(tmp_path / "relais.db")))
    yield relais
    await relais.close()


@pytest.fixture
async def relais_anywhere(db_target: str):
    """Relais on each backend (SQLite, PostgreSQL)."""
    relais = await start(Settings(db=db_target))
    yield relais
    await relais.close()


async def old_ticket(conn, code: str, status: str, closed_days_ago: float | None, now: float):
    ticket = await tickets.open_ticket(
        conn,
        organisation_id=1,
        place="lieu:1",
        place_name="Maison",
        channel="sms",
        user_id=f"+3361234{code[-4:]}",
        lang="ar",
        topic="caf",
        summary="Sujet : CAF",
        now=now,
    )
    await tickets.add_message(conn, ticket.id, "resident", "mes dettes", now)
    closed = None if closed_days_ago is None else now - closed_days_ago * DAY
    await conn.execute(
        "UPDATE tickets SET code = ?, status = ?, closed_at = ?, updated_at = ? WHERE id = ?",
        (code, status, closed, now - 200 * DAY, ticket.id),
    )


async def test_purge_applies_each_period_and_twice_changes_nothing(relais_anywhere) -> None:
    now = time.time()
    db = relais_anywhere.db
    await set_organisation(db, "Org")
    relayed = Session(lang="fr", flow="menu", node="accueil", ticket="R-OPEN")
    async with db.transaction() as conn:
        for user, days, state in (
            ("idle", 31, Session()),
            ("recent", 2, Session()),
            ("relayed", 60, relayed),
        ):
            await conn.execute(
                "INSERT INTO sessions (channel, user_id, state, updated_at) VALUES (?,?,?,?)",
                ("sms", user, state.to_json(), now - days * DAY),
            )
        await old_ticket(conn, "R-OPEN", "claimed", None, now)
        await old_ticket(conn, "R-ANON", "closed", 100, now)
        await old_ticket(conn, "R-GONE", "closed", 400, now)
        await old_ticket(conn, "R-KEEP", "closed", 10, now)
        await audit.record(conn, "marie@a.fr", "view", "R-GONE", now - 400 * DAY)
        await conn.execute("INSERT INTO inbound VALUES ('sms', 'old', ?)", (now - 4 * DAY,))
        await conn.execute("INSERT INTO inbound VALUES ('sms', 'new', ?)", (now - 3600,))
    first = await purge(db, Retention(), now)
    assert first["idle conversations deleted"] == 1
    assert first["closed tickets anonymised"] == 2  # R-ANON, and R-GONE before it goes
    assert first["old tickets deleted"] == 1
    assert first["processed-message ids deleted"] == 1
    again = await purge(db, Retention(), now)
    assert set(again.values()) == {0}, again

    read = db.conn.execute_fetchall
    assert {u for (u,) in await read("SELECT user_id FROM sessions")} == {"recent", "relayed"}
    rows = dict(await read("SELECT code, summary FROM tickets"))
    assert rows.keys() == {"R-OPEN", "R-ANON", "R-KEEP"}
    assert rows["R-ANON"] == ANONYMISED and rows["R-KEEP"] == "Sujet : CAF"
    (anon,) = await read("SELECT user_id, topic, lang FROM tickets WHERE code='R-ANON'")
    assert tuple(anon) == ("", "caf", "ar"), "what is kept for statistics, without the person"
    texts = [
        t
        for (t,) in await read(
            "SELECT text FROM ticket_messages JOIN tickets t ON t.id = ticket_id "
            "WHERE code = 'R-ANON'"
        )
    ]
    assert texts == []
    assert [tuple(r) for r in await read("SELECT COUNT(*) FROM audit")] == [(0,)]
    assert [i for (i,) in await read("SELECT external_id FROM inbound")] == ["new"]


def test_relais_purge_prints_what_it_did(tmp_path: Path) -> None:
    db = tmp_path / "relais.db"
    result = relais_command("purge", "--db", str(db), env={"RELAIS_KEEP_SESSIONS_DAYS": "7"})
    assert result.returncode == 0, result.stderr
    assert "conversations 7 days" in result.stdout
    assert "idle conversations deleted" in result.stdout
    bad = relais_command("purge", "--db", str(db), env={"RELAIS_KEEP_SESSIONS_DAYS": "zero"})
    assert bad.returncode == 2 and "RELAIS_KEEP_SESSIONS_DAYS='zero'" in bad.stderr


async def test_message_ids_are_stored_as_keyed_hashes(relais) -> None:
    await relais.conversations.handle(
        "sms", "+33600000001", Text("bonjour"), external_id="SM0123456789abcdef"
    )
    stored = [
        i for (i,) in sqlite3.connect(relais.db.path).execute("SELECT external_id FROM inbound")
    ]
    assert stored == [relais.db.keyed("SM0123456789abcdef")]
    assert "SM0123456789abcdef" not in stored[0]
    again = await relais.conversations.handle(
        "sms", "+33600000001", Text("bonjour"), external_id="SM0123456789abcdef"
    )
    assert again.duplicate
    assert Path(f"{relais.db.path}.key").stat().st_mode & 0o077 == 0, "the key is the owner's"


async def test_relais_audit_prints_who_saw_which_ticket(tmp_path: Path) -> None:
    relais = await start(Settings(db=str(tmp_path / "relais.db")))
    async with relais.db.transaction() as conn:
        await audit.record(conn, "marie@a.fr", "view", "R-7K3F")
        await audit.record(conn, "paul@b.fr", "view", "R-AAAA")
    await relais.close()
    result = relais_command("audit", "--ticket", "r7k3f", "--db", str(tmp_path / "relais.db"))
    assert result.returncode == 0, result.stderr
    assert "marie@a.fr a consulté R-7K3F" in result.stdout and "paul" not in result.stdout


def test_rate_limit_is_configurable(engine) -> None:
    strict = replace(engine, rate_limit=2)
    outcomes = talk(strict, "menu", "menu", "menu", gap=1)
    assert "beaucoup de messages" in outcomes[2].replies[0].text


async def test_erasure_drops_what_was_queued_for_the_person_even_without_a_ticket(
    relais_anywhere,
) -> None:
    relais = relais_anywhere
    who = "+33600000009"
    await relais.conversations.handle("sms", who, Text("bonjour"))
    async with relais.db.transaction() as conn:
        await enqueue(conn, "sms", who, replies_payload([Reply("un rappel")]), time.time())
        await enqueue(conn, "sms", "+33600000010", replies_payload([Reply("autre")]), time.time())
    await relais.conversations.handle("sms", who, Text("oubli"))
    await relais.conversations.handle("sms", who, Text("1"))
    left = await relais.db.conn.execute_fetchall("SELECT user_id FROM outbox")
    assert [u for (u,) in left] == ["+33600000010"], "another person's messages stay"
