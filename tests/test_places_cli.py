"""`relais places import|near`, run in-process through its own argument parser."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import pytest

from bot.config import Settings
from bot.places import cli, haversine_km
from bot.places.communes import communes
from tests.conftest import OPEN_DATA

DATA = OPEN_DATA
FIXTURES = Path(__file__).parent / "fixtures" / "places"


def relais(*argv: str, db: Path) -> int:
    parser = argparse.ArgumentParser(prog="relais")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return cli.run(args, Settings(db=str(db)))


@pytest.fixture
def imported(db_path) -> Path:
    assert relais("places", "import", str(FIXTURES / "france_services.csv"), db=db_path) == 0
    return db_path


def test_import_prints_counts_and_writes_the_report(db_path, tmp_path, capsys) -> None:
    report = tmp_path / "report.jsonl"
    source = str(FIXTURES / "france_services.csv")
    assert relais("places", "import", source, "--report", str(report), db=db_path) == 0
    out = capsys.readouterr().out
    assert "3 rows read, 2 new, 0 updated, 0 unchanged, 0 removed, 1 skipped" in out
    assert "skipped, missing coordinates: 1" in out
    assert "kept, hours not understood (kept as written): 1" in out
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    assert lines == [
        {"row": 2, "id": "2", "action": "kept", "reason": "hours not understood (kept as written)"},
        {"row": 3, "id": "3", "action": "skipped", "reason": "missing coordinates"},
    ]


def test_import_error_is_one_clear_line(db_path, capsys) -> None:
    assert relais("places", "import", str(FIXTURES / "bad.json"), db=db_path) == 1
    err = capsys.readouterr().err
    assert err.startswith("relais: ") and "bad.json: not valid JSON" in err


def test_db_option_wins_over_settings(tmp_path, capsys) -> None:
    chosen = tmp_path / "chosen.db"
    source = str(FIXTURES / "france_services.csv")
    parser = argparse.ArgumentParser(prog="relais")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["places", "import", source, "--db", str(chosen)])
    assert cli.run(args, Settings(db=str(tmp_path / "other.db"))) == 0
    assert chosen.exists() and not (tmp_path / "other.db").exists()


def test_near_prints_cards(imported, capsys) -> None:
    code = relais(
        "places", "near", "93200", "--need", "caf", "--now", "2026-11-12T10:00", db=imported
    )
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith("93200 Saint-Denis\n")
    assert ". France services Test\n" in out and ". France services Typo\n" in out
    assert "Ouvert maintenant, jusqu'à 12:00" in out
    assert "Service itinérant" in out  # Typo's itinerance: Oui


def test_near_json_on_a_public_holiday(imported, capsys) -> None:
    code = relais(
        "places", "near", "saint-denis 93", "--json", "--now", "2026-12-25T10:00+01:00", db=imported
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["where"]["label"] == "Saint-Denis (93)"
    first = next(p for p in out["places"] if p["name"] == "France services Test")
    assert first["opening"] == {
        "state": "closed",
        "opens": "2026-12-28T09:00:00+01:00",
        "holiday": True,
    }
    assert 0 < first["distance_km"] < 2
    typo = next(p for p in out["places"] if p["name"] == "France services Typo")
    assert typo["opening"]["state"] == "unknown"
    assert "raw_hours" in typo
    assert typo["mobile"] is True and typo["measured_from"] == "commune"


def test_near_by_location_far_away_gives_the_fallback(imported, capsys) -> None:
    code = relais("places", "near", "43.2965, 5.3698", "--need", "ameli", db=imported)
    assert code == 0
    out = capsys.readouterr().out
    assert "3646. Le service est gratuit. Vous payez seulement le prix de l'appel." in out


def test_near_not_understood_exits_1_with_an_example(imported, capsys) -> None:
    assert relais("places", "near", "Atlantide", db=imported) == 1
    err = capsys.readouterr().err
    assert "no commune is called 'atlantide'" in err and "relais places near 93200" in err
    assert relais("places", "near", "saint denis", db=imported) == 1
    assert "which one? Saint-Denis (974), Saint-Denis (93)" in capsys.readouterr().err
    assert relais("places", "near", "93200", "--now", "demain", db=imported) == 1
    assert "--now must be an ISO-8601 time" in capsys.readouterr().err


def test_near_with_empty_database_gives_the_fallback(db_path, capsys) -> None:
    assert relais("places", "near", "93200", "--need", "caf", "--json", db=db_path) == 0
    captured = capsys.readouterr()
    assert "no places imported yet" in captured.err
    out = json.loads(captured.out)
    assert out["places"] == []
    assert "3230" in out["fallback"]


def test_near_on_real_data(db_path, capsys) -> None:
    for name in ("ile-de-france-2022.json", "provence-alpes-cote-d-azur-2023.json"):
        assert relais("places", "import", str(DATA / name), db=db_path) == 0
    for query in ("Paris 10", "Marseille 1er", "St-Denis 93"):
        assert relais("places", "near", query, "--now", "2026-11-12T10:00", db=db_path) == 0
    out = capsys.readouterr().out
    assert "75010 Paris 10e" in out and "13001 Marseille 1er" in out


def test_every_postal_code_resolves_within_its_commune(db_path, capsys) -> None:
    """500 postal codes of the gazetteer drawn at random (seeded): `near CODE --json` gives
    the position of one of the code's own communes, and names it, with no place imported."""
    codes = random.Random(16).sample(communes().postal_codes, 500)
    for code in codes:
        assert relais("places", "near", code, "--json", db=db_path) == 0
        where = json.loads(capsys.readouterr().out)["where"]
        own = [c for c in communes().by_postal_code(code) if c.kind != "V"]
        nearest = min(own, key=lambda c: haversine_km(where["lat"], where["lon"], c.lat, c.lon))
        assert haversine_km(where["lat"], where["lon"], nearest.lat, nearest.lon) < 0.01, code
        assert where["postal_code"] == code and nearest.name.split(" ")[0] in where["label"]
        assert where.get("approximate", False) == (len({c.name for c in own if c.kind != "D"}) > 1)


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("99999", "the postal code 99999 does not exist"),
        ("93", "93 is a département number, not a postal code"),
        ("75008 CEDEX", "75008 is not the postal code of a commune"),
        ("47.0, -5.5", "is not on French land"),
    ],
)
def test_near_bad_input_says_what_was_understood(db_path, capsys, query, said) -> None:
    assert relais("places", "near", query, db=db_path) == 1
    err = capsys.readouterr().err
    assert said in err and "relais places near 93200" in err
