"""`relais mediators …` and `relais tickets …`, run as the operator runs them, on a real file."""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import datetime
from pathlib import Path

import pytest

from bot import cli
from bot.handoff import mediators
from bot.handoff.tickets import add_message, open_ticket, set_delivery, set_status
from bot.places.importer import import_source
from bot.store import open_database
from tests.conftest import FRANCE_SERVICES, relais_command

SAINT_DENIS = "france-services:668"
"""France services Saint-Denis, 93200, in the real France Services list."""
PASSWORD = "correct horse battery"


def relais(db: Path, *args: str, stdin: str | None = None):
    return relais_command(*args, "--db", str(db), input=stdin)


def org_json(db: Path) -> dict[str, dict]:
    done = relais(db, "mediators", "list", "--json")
    assert done.returncode == 0, done.stderr
    return {org["name"]: org for org in json.loads(done.stdout)}


async def _import_places(db_path: Path) -> None:
    db = await open_database(db_path)
    try:
        await import_source(db, str(FRANCE_SERVICES), "france-services")
    finally:
        await db.close()


@pytest.fixture
def places_db(db_path: Path) -> Path:
    asyncio.run(_import_places(db_path))
    return db_path


async def _signs_in(db_path: Path, login: str, password: str) -> bool:
    db = await open_database(db_path)
    try:
        found = await mediators.find_mediator(db.conn, login)
        return found is not None and mediators.verify_password(found[1], password)
    finally:
        await db.close()


def test_add_list_and_remove_a_mediator(places_db: Path) -> None:
    done = relais(
        places_db,
        "mediators",
        "add",
        "Alice@Example.org",
        "--org",
        "Pimms Saint-Denis",
        "--name",
        "Alice Martin",
        "--place",
        SAINT_DENIS,
        "--place",
        "nowhere:1",
        "--telegram-chat",
        "-1001234567890",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert done.returncode == 0, done.stderr
    assert "Added mediator alice@example.org (Alice Martin) to Pimms Saint-Denis." in done.stdout
    assert f"{SAINT_DENIS}  France services Saint-Denis, 93200 Saint-Denis" in done.stdout
    assert "Telegram chat: -1001234567890" in done.stdout
    # An unknown key is a warning, not a failure: the place may be imported later.
    assert "warning: nowhere:1 is not among the imported places" in done.stderr
    assert SAINT_DENIS not in done.stderr
    assert asyncio.run(_signs_in(places_db, "alice@example.org", PASSWORD))

    # Too short: refused before anything changes, with the rule in the message.
    short = relais(
        places_db,
        "mediators",
        "add",
        "bob@example.org",
        "--org",
        "Short",
        "--password-stdin",
        stdin="tiny\n",
    )
    assert short.returncode == 1
    assert short.stderr.startswith("relais: ")
    assert "needs at least 10" in short.stderr and "nothing was changed" in short.stderr

    text = relais(places_db, "mediators", "list")
    assert text.returncode == 0, text.stderr
    assert "alice@example.org  Alice Martin" in text.stdout
    assert "France services Saint-Denis" in text.stdout
    assert "nowhere:1  (not among the imported places)" in text.stdout
    assert "argon2" not in text.stdout and "Short" not in text.stdout

    orgs = org_json(places_db)
    assert set(orgs) == {"Pimms Saint-Denis"}
    pimms = orgs["Pimms Saint-Denis"]
    assert pimms["telegram_chat"] == -1001234567890
    assert pimms["mediators"] == [
        {"login": "alice@example.org", "name": "Alice Martin", "role": "mediator"}
    ]
    assert pimms["places"][0] == {
        "key": SAINT_DENIS,
        "name": "France services Saint-Denis",
        "commune": "93200 Saint-Denis",
        "receives_tickets": True,
    }
    assert pimms["places"][1]["key"] == "nowhere:1" and pimms["places"][1]["name"] is None

    # A new password without --name keeps the name already given.
    again = relais(
        places_db,
        "mediators",
        "add",
        "alice@example.org",
        "--org",
        "Pimms Saint-Denis",
        "--password-stdin",
        stdin="another long password\n",
    )
    assert again.returncode == 0, again.stderr
    assert "Updated mediator alice@example.org (Alice Martin)" in again.stdout
    assert not asyncio.run(_signs_in(places_db, "alice@example.org", PASSWORD))

    removed = relais(places_db, "mediators", "remove", "ALICE@example.org")
    assert removed.returncode == 0, removed.stderr
    assert "Removed mediator alice@example.org" in removed.stdout
    assert org_json(places_db)["Pimms Saint-Denis"]["mediators"] == []
    unknown = relais(places_db, "mediators", "remove", "alice@example.org")
    assert unknown.returncode == 1
    assert "relais: no mediator with the login 'alice@example.org'" in unknown.stderr


def test_organisations_places_and_telegram_chats(places_db: Path) -> None:
    # The operator finds a key with `places near`, then gives it to an organisation.
    near = relais_command(
        "places", "near", "93200", "--need", "caf", "--now", "2026-11-12T10:00",
        "--db", str(places_db),
    )  # fmt: skip
    assert near.returncode == 0, near.stderr
    keys = re.findall(r"^key: (\S+)$", near.stdout, re.MULTILINE)
    assert len(keys) == 3 and all(key.startswith("france-services:") for key in keys)

    first = relais(
        places_db, "mediators", "org", "Pimms", "--place", keys[0], "--telegram-chat=-100111"
    )
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""  # a key printed by `places near` is known
    assert "Created organisation Pimms." in first.stdout
    assert "Pimms covers 1 place" in first.stdout and keys[0] in first.stdout

    second = relais(places_db, "mediators", "org", "Mairie", "--place", keys[0])
    assert second.returncode == 0, second.stderr
    assert "but its tickets go to 'Pimms', which covers it too" in second.stdout
    # Nobody would read the tickets of Mairie's places (Pimms has a Telegram chat).
    assert "Mairie has places but no mediator and no Telegram chat" in second.stderr
    assert "Pimms has places" not in first.stderr + second.stderr

    taken = relais(places_db, "mediators", "org", "Mairie", "--telegram-chat", "-100111")
    assert taken.returncode == 1
    assert "the Telegram chat -100111 already belongs to 'Pimms'" in taken.stderr

    bad_chat = relais(places_db, "mediators", "org", "Mairie", "--telegram-chat", "@group")
    assert bad_chat.returncode == 2 and "a Telegram chat id is a whole number" in bad_chat.stderr
    person = relais(places_db, "mediators", "org", "Mairie", "--telegram-chat", "123456789")
    assert person.returncode == 2 and "a Telegram group's chat id is negative" in person.stderr

    empty = relais(places_db, "mediators", "org", "Pimms", "--remove-place", keys[0])
    assert empty.returncode == 0, empty.stderr
    assert "Pimms no longer covers" in empty.stdout and "covers no place yet" in empty.stdout

    orgs = org_json(places_db)
    assert orgs["Pimms"]["places"] == [] and orgs["Pimms"]["telegram_chat"] == -100111
    assert orgs["Mairie"]["telegram_chat"] is None and orgs["Mairie"]["mediators"] == []
    assert orgs["Mairie"]["places"][0]["receives_tickets"] is False, "nobody would read them"

    nobody = relais(places_db, "mediators", "org", "Nobody", "--remove-place", keys[0])
    assert nobody.returncode == 1 and "no organisation named 'Nobody'" in nobody.stderr
    assert "Nobody" not in org_json(places_db)


def test_password_typed_twice_must_match(db_path: Path, monkeypatch, capsys) -> None:
    typed = iter(["first long password", "second long password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    argv = ["mediators", "add", "carol@example.org", "--org", "Asso", "--db", str(db_path)]
    assert cli.main(argv) == 1
    assert "relais: the two passwords differ; nothing was changed" in capsys.readouterr().err
    assert not asyncio.run(_signs_in(db_path, "carol@example.org", "first long password"))

    typed = iter(["same long password"] * 2)
    assert cli.main(argv) == 0
    assert asyncio.run(_signs_in(db_path, "carol@example.org", "same long password"))


PHONE, TELEGRAM_USER = "+33612345678", "987654321"


async def _tickets(db_path: Path) -> list[str]:
    """Three tickets (open, claimed, closed), oldest first; their codes."""
    db = await open_database(db_path)
    try:
        org = await mediators.set_organisation(db, "Pimms Saint-Denis", places=(SAINT_DENIS,))
        now = time.time()
        codes = []
        async with db.transaction() as conn:
            for hours_ago, channel, user, topic in (
                (50, "sms", "+33700000000", "ameli"),
                (3, "telegram", TELEGRAM_USER, "caf"),
                (0.5, "sms", PHONE, "caf"),
            ):
                ticket = await open_ticket(
                    conn,
                    organisation_id=org.id,
                    place=SAINT_DENIS,
                    place_name="France services Saint-Denis",
                    channel=channel,
                    user_id=user,
                    lang="ar" if channel == "telegram" else "fr",
                    topic=topic,
                    summary=f"Démarche : {topic}\nBloqué à la connexion.",
                    now=now - hours_ago * 3600,
                )
                codes.append(ticket.code)
                if hours_ago == 50:
                    await set_status(conn, ticket.id, "closed", now - 49 * 3600)
                if hours_ago == 3:
                    at = now - 2 * 3600
                    await set_status(conn, ticket.id, "claimed", at, claimed_by="Alice")
                    await add_message(conn, ticket.id, "resident", "Bonjour,\nje suis bloqué", at)
                    await add_message(
                        conn, ticket.id, "mediator", "Je regarde", at + 60, name="Alice",
                        delivery="sent",
                    )  # fmt: skip
                    failed = await add_message(
                        conn, ticket.id, "mediator", "Vous êtes là ?", at + 120, name="Alice",
                        delivery="queued",
                    )  # fmt: skip
                    await set_delivery(conn, failed, "failed", "chat not found")
        return codes
    finally:
        await db.close()


def test_tickets_list_and_show(db_path: Path) -> None:
    closed, claimed, waiting = asyncio.run(_tickets(db_path))

    listed = relais(db_path, "tickets", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == [
        "code", "status", "organisation", "place", "topic", "lang", "channel", "age"
    ]  # fmt: skip
    assert lines[1].startswith(waiting) and "en attente" in lines[1] and "30 min" in lines[1]
    assert lines[2].startswith(claimed) and "pris en charge" in lines[2] and "3 h" in lines[2]
    assert "telegram" in lines[2] and "Pimms Saint-Denis" in lines[2]
    assert len(lines) == 3 and closed not in listed.stdout
    assert PHONE not in listed.stdout and TELEGRAM_USER not in listed.stdout

    everything = relais(db_path, "tickets", "list", "--all", "--json")
    assert everything.returncode == 0, everything.stderr
    out = json.loads(everything.stdout)
    assert [t["code"] for t in out] == [waiting, claimed, closed]
    assert out[2]["status"] == "closed" and out[2]["status_fr"] == "clos"
    assert out[1]["organisation"] == "Pimms Saint-Denis" and out[1]["lang"] == "ar"
    assert out[1]["place"] == SAINT_DENIS and out[1]["claimed_by"] == "Alice"
    opened, ended = (datetime.fromisoformat(out[2][k]) for k in ("created_at", "closed_at"))
    assert opened.utcoffset() is not None and (ended - opened).total_seconds() == 3600
    assert out[0]["closed_at"] is None
    assert PHONE not in everything.stdout and TELEGRAM_USER not in everything.stdout

    for typed in (claimed.lower().replace("-", ""), "R " + claimed[2:].lower(), claimed):
        shown = relais(db_path, "tickets", "show", typed)
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.startswith(f"{claimed}  pris en charge\n")
    text = shown.stdout
    assert "Démarche : caf\n  Bloqué à la connexion." in text
    assert "claimed by: Alice" in text and "channel: telegram" in text
    said = re.findall(r"^  \d{4}-\d\d-\d\d \d\d:\d\d  (.*)$", text, re.MULTILINE)
    assert said == [
        "resident: Bonjour,",
        "Alice (mediator): Je regarde  [sent]",
        "Alice (mediator): Vous êtes là ?  [NOT delivered: chat not found]",
    ]
    assert "  resident: Bonjour,\n      je suis bloqué\n" in text
    assert TELEGRAM_USER not in text

    missing = relais(db_path, "tickets", "show", "r2222")
    assert missing.returncode == 1
    assert missing.stderr.startswith("relais: no ticket R-2222")
