"""The nearest permanence inside the conversation, on both channels, with the real open data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FRANCE_SERVICES, relais_command

SATURDAY_NOON = "2026-11-21T12:00:00+01:00"
TUESDAY_10 = "2026-11-24T10:00:00+01:00"


@pytest.fixture(scope="module")
def places_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("places") / "relais.db"
    result = relais_command("places", "import", str(FRANCE_SERVICES), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "2653 new" in result.stdout
    return db


def converse(db: Path, channel: str, lines: list[dict], user: str, now: str) -> list[dict]:
    payload = "".join(json.dumps(line) + "\n" for line in lines)
    result = relais_command(
        "simulate",
        "--channel",
        channel,
        "--lang",
        "fr",
        "--user",
        user,
        "--now",
        now,
        "--db",
        str(db),
        input=payload,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_sms_postal_code_gives_three_cards_of_two_sms_at_most(places_db: Path) -> None:
    out = converse(
        places_db,
        "sms",
        [{"text": "aide"}, {"text": "CAF"}, {"text": "93200"}],
        "sms-1",
        TUESDAY_10,
    )
    asked = out[1]["replies"][-1]
    assert "code postal" in asked["text"]
    replies = out[2]["replies"]
    assert "93200 Saint-Denis" in replies[0]["text"]
    cards = [r for r in replies if "Saint-Denis" in r["text"] or "km" in r["text"]][1:4]
    assert len(cards) == 3
    assert all(card["segments"] <= 2 for card in cards)
    assert "Ouvert maintenant" in "\n".join(c["text"] for c in cards)
    assert out[2]["flow"] == "aide" and out[2]["node"] == "ou"
    assert replies[-1]["text"].startswith("Quel lieu choisissez-vous ?\n1. France services")


def test_telegram_shared_location_gives_cards_with_map_pins(places_db: Path) -> None:
    out = converse(
        places_db,
        "telegram",
        [
            {"text": "aide"},
            {"button": "France Travail"},
            {"location": {"lat": 48.936, "lon": 2.357}},
        ],
        "tg-1",
        SATURDAY_NOON,
    )
    assert out[1]["replies"][-1]["ask_location"] is True
    cards = [r for r in out[2]["replies"] if "venue" in r]
    assert len(cards) == 3
    assert all(abs(c["venue"]["latitude"] - 48.936) < 0.3 for c in cards)
    assert "3949" in "\n".join(r["text"] for r in out[1]["replies"])


def test_a_name_of_several_communes_gets_a_choice_with_the_departement(places_db: Path) -> None:
    out = converse(
        places_db,
        "sms",
        [{"text": "aide"}, {"text": "1"}, {"text": "St-Denis"}, {"text": "2"}],
        "sms-2",
        TUESDAY_10,
    )
    asked = out[2]["replies"][-1]["text"]
    assert asked.startswith("Plusieurs communes portent ce nom. Laquelle ?")
    assert "1. Saint-Denis (974)\n2. Saint-Denis (93)" in asked
    assert "Voici des lieux d'aide près de Saint-Denis (93)" in out[3]["replies"][0]["text"]


def test_two_misses_give_the_national_options(places_db: Path) -> None:
    out = converse(
        places_db,
        "sms",
        [{"text": "aide"}, {"text": "CAF"}, {"text": "xqzt"}, {"text": "nulle part"}],
        "sms-3",
        TUESDAY_10,
    )
    assert "Exemple : 93200" in out[2]["replies"][0]["text"]
    fallback = "\n".join(r["text"] for r in out[3]["replies"])
    assert "3230" in fallback and "Aidants Connect" in fallback
    assert out[3]["node"] == "personne"


def test_empty_database_never_a_dead_end(db_path: Path) -> None:
    out = converse(db_path, "sms", [{"text": "aide"}, {"text": "ameli"}], "sms-4", TUESDAY_10)
    text = "\n".join(r["text"] for r in out[1]["replies"])
    assert "3646" in text and "Aidants Connect" in text
    assert "code postal" not in text
    assert out[1]["node"] == "personne"


def test_places_near_command_by_postal_code_as_json(places_db: Path) -> None:
    result = relais_command(
        "places",
        "near",
        "93200",
        "--need",
        "caf",
        "--now",
        TUESDAY_10,
        "--json",
        "--db",
        str(places_db),
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    ranked = data["places"] if isinstance(data, dict) else data
    assert len(ranked) == 3
    assert ranked[0]["distance_km"] <= ranked[-1]["distance_km"] + 30
