"""Opt-in deadline reminders: when they are due (working days in Paris), the dialogue, the
scheduler (once per due date, never late at night), STOP and OUBLI, `relais reminders`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import start
from bot.config import Settings
from bot.engine import Text
from bot.reminders.deadlines import PARIS, deadlines_path, read_deadlines
from bot.reminders.scheduler import Scheduler
from tests.conftest import relais_command

DEADLINES = read_deadlines(deadlines_path())


def paris(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp()


def due(purpose: str, after: str, month: int | None = None) -> str:
    moment = DEADLINES.next_due(purpose, paris(after), month)
    return datetime.fromtimestamp(moment, PARIS).strftime("%a %Y-%m-%d %H:%M")


def test_the_actualisation_reminder_comes_on_the_26th_in_february() -> None:
    assert due("actualisation", "2027-02-01 12:00") == "Fri 2027-02-26 10:00"
    assert due("actualisation", "2027-01-05 12:00") == "Thu 2027-01-28 10:00"


def test_a_sunday_then_easter_monday_move_it_to_the_next_working_day() -> None:
    # 28 March 2027 is Easter Sunday, 29 March Easter Monday (a public holiday in France).
    assert due("actualisation", "2027-03-01 12:00") == "Tue 2027-03-30 10:00"
    assert due("actualisation", "2027-11-01 12:00") == "Mon 2027-11-29 10:00"  # 28: Sunday


def test_the_caf_quarter_follows_the_persons_last_declaration() -> None:
    # Last declaration in October: due in January; 1 January is a public holiday.
    assert due("declaration_caf", "2026-12-03 12:00", month=10) == "Sat 2027-01-02 10:00"
    # Declared this month: the next one is in three months.
    assert due("declaration_caf", "2026-12-03 12:00", month=12) == "Mon 2027-03-01 10:00"
    with pytest.raises(ValueError, match="month of the last declaration"):
        DEADLINES.next_due("declaration_caf", paris("2026-12-03 12:00"))


def test_reminders_never_fall_at_night_on_sunday_or_a_holiday() -> None:
    import holidays

    french = holidays.country_holidays("FR", years=range(2026, 2030))
    moment = paris("2026-12-03 12:00")
    for _ in range(30):
        moment = DEADLINES.next_due("actualisation", moment)
        when = datetime.fromtimestamp(moment, PARIS)
        assert when.hour == 10 and when.weekday() != 6 and when.date() not in french


@pytest.fixture
async def relais(tmp_path: Path):
    relais = await start(Settings(db=str(tmp_path / "r.db"), log_level="WARNING"))
    yield relais
    await relais.close()


async def say(relais, user: str, text: str, at: str = "2026-12-03 12:00") -> str:
    when = datetime.fromtimestamp(paris(at), PARIS)
    handled = await relais.conversations.handle("telegram", user, Text(text), now=when, lang="fr")
    return "\n".join(reply.text for reply in handled.replies)


async def rows(relais, sql: str, *params) -> list[tuple]:
    return list(await relais.db.conn.execute_fetchall(sql, params))


async def test_asking_for_reminders_stores_one_per_person_and_purpose(relais) -> None:
    assert "Quel rappel voulez-vous ?" in await say(relais, "1", "rappels")
    assert "Prochain rappel le 28/12/2026" in await say(relais, "1", "1")
    await say(relais, "1", "rappels")
    assert "En quel mois" in await say(relais, "1", "2")
    assert "numéro du mois" in await say(relais, "1", "treize")
    assert "Prochain rappel le 04/12/2026" in await say(relais, "1", "septembre")
    await say(relais, "1", "rappels")
    await say(relais, "1", "1")  # asked again: still one
    held = await rows(relais, "SELECT purpose, lang, month FROM reminders ORDER BY purpose")
    assert held == [("actualisation", "fr", None), ("declaration_caf", "fr", 9)]
    await say(relais, "1", "données")
    details = await say(relais, "1", "Plus de détails")  # the notice's details, one step on
    assert "Vos rappels : Actualisation France Travail, Déclaration CAF tous les 3 mois." in details
    assert "STOP ou OUBLI" in details


@pytest.mark.parametrize("words", [["arrêter les rappels"], ["STOP"], ["OUBLI", "1"]])
async def test_stop_oubli_and_arreter_les_rappels_end_them_at_once(relais, words) -> None:
    await say(relais, "2", "rappels")
    await say(relais, "2", "1")
    for text in words:
        await say(relais, "2", text)
    assert await rows(relais, "SELECT * FROM reminders") == []


async def test_the_end_of_the_actualisation_offers_the_reminder(relais) -> None:
    engine = relais.engine
    from bot.engine import Session

    session = Session(lang="fr", flow="france_travail", node="marche-actualisation")
    session.last_seen = paris("2026-12-03 12:00")
    outcome = engine.step(session, Text("oui"), datetime.fromtimestamp(paris("2026-12-03 12:01")))
    said = [r.text for r in outcome.replies]
    assert "Voulez-vous un rappel chaque mois, le jour où l'actualisation ouvre ?" in said
    yes = engine.step(outcome.session, Text("1"), datetime.fromtimestamp(paris("2026-12-03 12:02")))
    assert [e.kind for e in yes.effects] == ["remind"]


async def test_a_due_reminder_is_queued_once_with_its_choices(relais) -> None:
    await say(relais, "3", "rappels")
    await say(relais, "3", "1")
    scheduler = Scheduler(relais.conversations)
    assert (await scheduler.tick(paris("2026-12-28 09:59")))["sent"] == 0
    assert (await scheduler.tick(paris("2026-12-28 10:00")))["sent"] == 1
    # A clock jumping back into the sending minute, or a restart: nothing more.
    assert (await scheduler.tick(paris("2026-12-28 10:00")))["sent"] == 0
    (payload,) = await rows(relais, "SELECT payload FROM outbox WHERE user_id = '3'")
    reply = json.loads(payload[0])[-1]
    assert "l'actualisation France Travail est ouverte" in reply["text"]
    assert "avant le 15 du mois prochain" in reply["text"]
    assert reply["choices"] == ["C'est fait", "Aidez-moi"]
    (next_at,) = await rows(relais, "SELECT next_at FROM reminders WHERE user_id = '3'")
    assert datetime.fromtimestamp(next_at[0], PARIS).date().isoformat() == "2027-01-28"
    assert "Bravo" in await say(relais, "3", "C'est fait", at="2026-12-28 11:00")


async def test_aidez_moi_opens_the_procedure(relais) -> None:
    await say(relais, "4", "rappels")
    await say(relais, "4", "1")
    await Scheduler(relais.conversations).tick(paris("2026-12-28 10:05"))
    answer = await say(relais, "4", "Aidez-moi", at="2026-12-28 11:00")
    assert "francetravail.fr" in answer
    assert (await relais.conversations.peek("telegram", "4")).flow == "france_travail"


async def test_a_reminder_hours_late_is_dropped_and_counted(relais) -> None:
    await say(relais, "5", "rappels")
    await say(relais, "5", "1")
    done = await Scheduler(relais.conversations).tick(paris("2026-12-28 19:00"))
    assert done == {"sent": 0, "dropped": 1, "ended": 0}
    assert await rows(relais, "SELECT * FROM outbox WHERE user_id = '5'") == []
    assert await rows(relais, "SELECT purpose, outcome, n FROM reminder_counts") == [
        ("actualisation", "dropped", 1)
    ]


async def test_a_queued_reminder_never_reaches_who_wrote_stop_or_oubli(relais) -> None:
    for user in ("6", "7"):
        await say(relais, user, "rappels")
        await say(relais, user, "1")
    await Scheduler(relais.conversations).tick(paris("2026-12-28 10:00"))
    await say(relais, "6", "STOP", at="2026-12-28 10:01")
    await say(relais, "7", "OUBLI", at="2026-12-28 10:01")
    await say(relais, "7", "1", at="2026-12-28 10:01")
    sent = []

    async def telegram(user, payload):
        sent.append(user)

    from bot.outbox import Outbox

    outbox = Outbox(relais.db, {"telegram": telegram})
    await outbox.flush(now=paris("2026-12-28 10:02"))
    assert sent == [], "STOP: nothing more; OUBLI: what was queued went with the data"
    assert await rows(relais, "SELECT * FROM reminders") == []


def test_relais_reminders_stats_counts_without_phone_numbers(tmp_path: Path) -> None:
    import asyncio

    async def setup() -> None:
        relais = await start(Settings(db=str(tmp_path / "r.db"), log_level="WARNING"))
        try:
            await relais.conversations.handle("sms", "+33612345678", Text("rappels"), lang="fr")
            await relais.conversations.handle("sms", "+33612345678", Text("1"))
        finally:
            await relais.close()

    asyncio.run(setup())
    stats = relais_command("reminders", "stats", "--db", str(tmp_path / "r.db"))
    assert stats.returncode == 0, stats.stderr
    assert "actualisation" in stats.stdout and "sms" in stats.stdout and "total: 1" in stats.stdout
    listing = relais_command("reminders", "list", "--db", str(tmp_path / "r.db"))
    assert "actualisation" in listing.stdout
    assert "+336" not in stats.stdout + listing.stdout


async def test_the_settings_menu_has_a_rappels_entry(relais) -> None:
    from bot.engine import Session

    session = Session(lang="fr", flow="reglages", node="choix")
    session.last_seen = paris("2026-12-03 12:00")
    outcome = relais.engine.step(
        session, Text("Rappels"), datetime.fromtimestamp(paris("2026-12-03 12:01"))
    )
    assert outcome.replies[-1].text == "Quel rappel voulez-vous ?"
    labels = [c.label for c in relais.engine.flows.get("reglages", "choix").choices]
    number = str(labels.index("Rappels") + 1)
    session.pending = None
    outcome = relais.engine.step(
        session, Text(number), datetime.fromtimestamp(paris("2026-12-03 12:01"))
    )
    assert outcome.replies[-1].choices[-1] == "Arrêter les rappels"


def test_flows_check_refuses_a_wrong_deadlines_file(tmp_path: Path) -> None:
    import shutil

    from bot.paths import SHIPPED_FLOWS

    flows = tmp_path / "flows"
    shutil.copytree(SHIPPED_FLOWS, flows)
    good = relais_command("flows", "check", env={"RELAIS_FLOWS": str(flows)})
    assert good.returncode == 0, good.stdout + good.stderr
    text = (flows / "deadlines.yaml").read_text()
    (flows / "deadlines.yaml").write_text(text.replace("opens: 28", "opens: 31"))
    bad = relais_command("flows", "check", env={"RELAIS_FLOWS": str(flows)})
    assert bad.returncode == 1
    assert "deadlines.yaml: deadlines/0/opens: 31 is greater than the maximum of 28" in bad.stdout
    (flows / "deadlines.yaml").write_text(text.replace("help: caf/dtr-etape1", "help: caf/nulle"))
    missing = relais_command("flows", "check", env={"RELAIS_FLOWS": str(flows)})
    assert missing.returncode == 1
    assert "the node caf/nulle does not exist in the flows" in missing.stdout
