"""Importing places: the real open data files read in place, broken files, re-imports."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import httpx
import pytest

from bot.places import france_services
from bot.places.importer import import_source
from bot.places.model import AIDANTS_CONNECT, CONSEILLERS_NUMERIQUES, DEMARCHES, FRANCE_SERVICES
from bot.places.model import OUTILS as OUTILS_NUMERIQUES
from bot.places.readers import PlacesSourceError
from bot.places.search import PlaceIndex
from bot.store import open_database
from tests.conftest import OPEN_DATA

DATA = OPEN_DATA
FIXTURES = Path(__file__).parent / "fixtures" / "places"
IDF = DATA / "ile-de-france-2022.json"
PACA = DATA / "provence-alpes-cote-d-azur-2023.json"
FS = DATA / "france-services-2022-12-01.csv"
EXAMPLE = DATA / "schema-exemple-valide.csv"


@pytest.fixture
async def db(db_path):
    database = await open_database(db_path)
    yield database
    await database.close()


async def _places(db) -> dict[str, object]:
    index = await PlaceIndex.load(db)
    return {p.source_id: p for p in index.places}


async def test_ile_de_france_2022_legacy_vocabulary(db, tmp_path) -> None:
    report = await import_source(db, str(IDF), report_path=tmp_path / "report.csv")
    assert report.format == "standard"
    assert (report.read, report.imported, report.updated, report.removed) == (241, 241, 0, 0)
    assert not report.skipped
    assert report.warnings == {"hours not understood (kept as written)": 3}
    places = await _places(db)
    first = places["626809503a929e0790b16cf7"]
    assert first.services == (OUTILS_NUMERIQUES, "Compréhension du monde numérique")
    assert first.programmes == (CONSEILLERS_NUMERIQUES,)
    assert first.free is True
    assert first.opening_hours == "Mo-Th 09:00-12:00,14:00-17:00; Fr 09:00-12:00,14:00-16:00"
    assert sum(FRANCE_SERVICES in p.programmes for p in places.values()) == 36
    assert sum(AIDANTS_CONNECT in p.programmes for p in places.values()) == 9
    # `10h00` style hours were repaired; what cannot be read is kept as written.
    assert places["62ab02948255a806e299c754"].opening_hours.startswith("Mo-Th 10:00-12:30")
    assert places["62ac8d468255a806e299da54"].raw_hours == "Mo 09:00"
    assert places["62ac8d468255a806e299da54"].opening_hours == ""
    lines = (tmp_path / "report.csv").read_text().splitlines()
    assert lines[0] == "row,id,action,reason"
    assert len(lines) == 1 + 3
    assert all(",kept,hours not understood" in line for line in lines[1:])


async def test_paca_2023_rows_without_coordinates_are_skipped_with_reason(db, tmp_path) -> None:
    report = await import_source(db, str(PACA), report_path=tmp_path / "report.jsonl")
    assert (report.read, report.imported) == (646, 642)
    assert report.skipped == {"missing coordinates": 4}
    assert report.warnings == {"hours not understood (kept as written)": 7}
    problems = [json.loads(line) for line in (tmp_path / "report.jsonl").read_text().splitlines()]
    skipped = {p["id"] for p in problems if p["action"] == "skipped"}
    assert skipped == {
        "dora-3d647b3a-a5b6-41f8-8374-ba37c1ff1746",
        "dora-17f22b3c-f3ef-418b-9f60-d925730061b5",
        "mediation-numerique-conseiller-numerique-63f8ef6310b821069e9452d0",
        "mediation-numerique-conseiller-numerique-642d6dad456999069aa438b4",
    }
    assert all(p["reason"] == "missing coordinates" for p in problems if p["action"] == "skipped")
    assert [p["row"] for p in problems if p["action"] == "skipped"] == [1, 2, 99, 181]
    places = await _places(db)
    assert sum(FRANCE_SERVICES in p.programmes for p in places.values()) == 206


async def test_france_services_2022_fast_and_converted(db) -> None:
    started = time.perf_counter()
    report = await import_source(db, str(FS))
    elapsed = time.perf_counter() - started
    assert report.format == "france-services"
    assert (report.read, report.imported) == (2683, 2653)
    assert report.skipped == {"missing coordinates": 30}
    assert report.warnings == {"hours not understood (kept as written)": 2}
    assert elapsed < 5
    places = await _places(db)
    valserhone = places["1"]
    assert valserhone.opening_hours == "Mo-Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00,13:30-16:00"
    assert valserhone.phone == "04 50 56 87 49"
    assert valserhone.programmes == (FRANCE_SERVICES,)
    assert valserhone.services == (DEMARCHES,)
    typo = places["temp_29"]
    assert typo.opening_hours == ""
    assert "mardi 09:00-13:00-/3:00-16:00" in typo.raw_hours


async def test_schema_example_is_valid(db) -> None:
    report = await import_source(db, str(EXAMPLE))
    assert (report.read, report.imported) == (1, 1)
    place = (await _places(db))["structure-1"]
    assert place.languages == ("anglais",)
    assert place.programmes == (AIDANTS_CONNECT, CONSEILLERS_NUMERIQUES, "La Croix Rouge")
    assert place.free is True
    assert place.phone == "01 80 05 98 80"
    assert place.booking_url == "https://www.rdv-solidarites.fr/"
    assert place.mobile is True


async def test_reimport_is_idempotent(db) -> None:
    await import_source(db, str(FS))
    again = await import_source(db, str(FS))
    assert (again.imported, again.updated, again.removed, again.unchanged) == (0, 0, 0, 2653)


async def test_full_import_removes_vanished_places_and_updates_changed_ones(db, tmp_path) -> None:
    source = tmp_path / "fs.csv"
    shutil.copy(FIXTURES / "france_services.csv", source)
    first = await import_source(db, str(source))
    assert (first.imported, first.removed) == (2, 0)
    lines = source.read_text().splitlines()
    source.write_text("\n".join([lines[0], lines[1].replace("01 49 00 00 00", "01 49 99 99 99")]))
    second = await import_source(db, str(source))
    assert (second.imported, second.updated, second.unchanged, second.removed) == (0, 1, 0, 1)
    places = await _places(db)
    assert set(places) == {"1"}
    assert places["1"].phone == "01 49 99 99 99"


async def test_each_bad_row_is_skipped_with_its_reason(db, tmp_path) -> None:
    report = await import_source(db, str(FIXTURES / "rows.csv"), report_path=tmp_path / "r.csv")
    assert report.read == 9
    assert report.imported == 2
    assert report.skipped == {
        "missing name": 1,
        "missing coordinates": 1,
        "invalid coordinates": 1,
        "coordinates outside France": 1,
        "latitude and longitude swapped": 1,
        "duplicate id": 1,
        "wrong number of fields (3 instead of 15)": 1,
    }
    assert report.warnings == {"hours not understood (kept as written)": 1}
    rows = (tmp_path / "r.csv").read_text().splitlines()[1:]
    assert "2,no-name,skipped,missing name" in rows
    assert "5,madrid,skipped,coordinates outside France" in rows
    places = await _places(db)
    kept = places["hours"]
    assert (kept.opening_hours, kept.raw_hours) == ("", "lundi matin et jeudi après-midi")
    assert kept.free is False
    ok = places["ok-1"]
    assert ok.name == "Espace numérique"
    assert (ok.phone, ok.languages, ok.updated) == ("01 49 00 00 00", ("anglais",), "2024-03-01")


async def test_legacy_separators_and_fields(db) -> None:
    report = await import_source(db, str(FIXTURES / "legacy.json"))
    assert report.skipped == {"not a JSON object": 1}
    place = (await _places(db))["v0-1"]
    assert place.services == (OUTILS_NUMERIQUES, DEMARCHES)
    assert place.programmes == (CONSEILLERS_NUMERIQUES, AIDANTS_CONNECT)
    assert place.languages == ("autres",)
    assert (place.lat, place.lon) == (48.935, 2.355)
    assert place.opening_hours == "Mo-Fr 09:00-12:30,13:30-17:00"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad.json", "bad.json: not valid JSON (line 3"),
        ("wrong_columns.csv", "the columns are neither the national standard's"),
        ("page.html", "looks like a web page"),
        ("missing.csv", "missing.csv: no such file"),
    ],
)
async def test_malformed_sources_fail_clearly_and_change_nothing(db, name, message) -> None:
    await import_source(db, str(FIXTURES / "france_services.csv"))
    with pytest.raises(PlacesSourceError, match=message.replace("(", r"\(")):
        await import_source(db, str(FIXTURES / name))
    assert len(await _places(db)) == 2


async def test_explicit_format_names_missing_columns(db) -> None:
    with pytest.raises(PlacesSourceError, match="missing columns for the france-services format"):
        await import_source(db, str(FIXTURES / "rows.csv"), "france-services")


async def test_a_source_with_no_usable_row_keeps_what_was_imported(db, tmp_path) -> None:
    source = tmp_path / "fs.csv"
    shutil.copy(FIXTURES / "france_services.csv", source)
    await import_source(db, str(source))
    lines = source.read_text().splitlines()
    source.write_text("\n".join([lines[0], lines[3]]))
    with pytest.raises(PlacesSourceError, match="no usable place in 1 rows"):
        await import_source(db, str(source))
    assert len(await _places(db)) == 2


async def test_download_without_network(db) -> None:
    body = (FIXTURES / "france_services.csv").read_bytes()

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/missing":
            return httpx.Response(404)
        return httpx.Response(200, content=body)

    transport = httpx.MockTransport(answer)
    report = await import_source(db, "https://data.example.org/fs.csv", transport=transport)
    assert report.imported == 2
    with pytest.raises(PlacesSourceError, match="answered HTTP 404"):
        await import_source(db, "https://data.example.org/missing", transport=transport)
    with pytest.raises(PlacesSourceError, match="use an https"):
        await import_source(db, "http://data.example.org/fs.csv")


@pytest.mark.parametrize(
    ("week", "expected"),
    [
        (
            {d: "09:00 - 12:00 / 13:30 - 17:00" for d in ("h_lundi", "h_mardi", "h_jeudi")},
            "Mo,Tu,Th 09:00-12:00,13:30-17:00",
        ),
        (
            {"h_lundi": "08:30-12:00,13:30-17:30", "h_mardi": "08 :30-12:00", "h_samedi": "-"},
            "Mo 08:30-12:00,13:30-17:30; Tu 08:30-12:00",
        ),
        (
            {"h_mercredi": "08:30 - 11:30 / 08:30 - 11:30", "h_jeudi": "00:00 - 00:00"},
            "We 08:30-11:30",
        ),
        ({"h_vendredi": "09:00-12:00-14:00-17:00"}, "Fr 09:00-12:00,14:00-17:00"),
        ({"h_lundi": "-", "h_mardi": ""}, ""),
    ],
)
def test_france_services_hours_to_openstreetmap(week, expected) -> None:
    assert france_services.week_to_osm(week) == expected


@pytest.mark.parametrize("raw", ["09:00-13:00-/3:00-16:00", "07:30:12:30", "matin", "12:00-09:00"])
def test_unreadable_france_services_hours(raw) -> None:
    with pytest.raises(france_services.UnreadableHours):
        france_services.day_intervals(raw)
