"""Where the resident is, the ranking, opening states, cards and the fallback, on real data."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.config import load_settings
from bot.display.segments import sms_cost
from bot.i18n import Translator
from bot.places import PlaceIndex, card, fallback_text, haversine_km, venue
from bot.places.hours import PARIS, Schedule, Status
from bot.places.importer import import_source
from bot.places.model import DEMARCHES, FRANCE_SERVICES, PARENTALITE, Place
from bot.places.search import Ranked
from bot.store import open_database
from tests.conftest import OPEN_DATA

DATA = OPEN_DATA
FILES = ("ile-de-france-2022.json", "provence-alpes-cote-d-azur-2023.json")
FS = "france-services-2022-12-01.csv"


THURSDAY_10 = datetime(2026, 11, 12, 10, 0, tzinfo=PARIS)
ARMISTICE_10 = datetime(2026, 11, 11, 10, 0, tzinfo=PARIS)
CHRISTMAS_10 = datetime(2026, 12, 25, 10, 0, tzinfo=PARIS)


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> PlaceIndex:
    import asyncio

    async def build() -> PlaceIndex:
        db = await open_database(tmp_path_factory.mktemp("places") / "relais.db")
        try:
            for name in (*FILES, FS):
                await import_source(db, str(DATA / name))
            return await PlaceIndex.load(db)
        finally:
            await db.close()

    return asyncio.run(build())


def test_haversine() -> None:
    paris, marseille = (48.8566, 2.3522), (43.2965, 5.3698)
    assert haversine_km(*paris, *marseille) == pytest.approx(660.5, abs=1)
    assert haversine_km(*paris, *paris) == 0


@pytest.mark.parametrize(
    ("query", "label", "postal_code"),
    [
        ("93200", "93200 Saint-Denis", "93200"),
        ("93 200", "93200 Saint-Denis", "93200"),
        ("saint denis 93", "Saint-Denis (93)", "93200"),
        ("St-Denis (974)", "Saint-Denis (974)", "97400"),
        ("Paris 10", "75010 Paris 10e", "75010"),
        ("paris 10e", "75010 Paris 10e", "75010"),
        ("Marseille 1er", "13001 Marseille 1er", "13001"),
        ("Lyon 3", "69003 Lyon 3e", "69003"),
        ("le blanc-mesnil", "Le Blanc-Mesnil (93150)", "93150"),
        ("blanc mesnil", "Le Blanc-Mesnil (93150)", "93150"),
        ("16000", "16000 Angoulême", "16000"),
    ],
)
def test_resolve(index, query, label, postal_code) -> None:
    where = index.resolve(query)
    assert where is not None
    assert (where.label, where.postal_code) == (label, postal_code)


def test_resolve_details(index) -> None:
    saint_denis = index.resolve("93200")
    assert haversine_km(saint_denis.lat, saint_denis.lon, 48.936, 2.357) < 2
    assert not index.resolve("Lyon 3").approximate  # its own arrondissement, no place needed
    assert index.resolve("saint denis") is None  # 93 or 974: the bot asks which
    assert index.resolve("93201") is None  # no such postal code: never a made-up position
    shared = index.resolve("48.9356, 2.3539")
    assert (shared.kind, shared.lat, shared.lon, shared.precise) == (
        "location",
        48.9356,
        2.3539,
        True,
    )
    assert shared.label == "Saint-Denis (93)"  # the commune nearest the shared location
    assert index.at(48.9356, 2.3539) == shared
    assert index.resolve("nulle part") is None
    assert index.resolve("") is None


def test_nearest_for_a_caf_problem_in_saint_denis(index) -> None:
    ranked = index.nearest(index.resolve("93200"), "caf", "fr", THURSDAY_10)
    assert len(ranked) == 3
    assert all(FRANCE_SERVICES in r.place.programmes for r in ranked)
    assert all(r.distance_km <= 3 for r in ranked)  # from Saint-Denis itself
    assert [r.score for r in ranked] == sorted(r.score for r in ranked)
    saint_denis = next(r for r in ranked if r.place.name == "France services Saint-Denis")
    assert saint_denis.opening.status is Status.OPEN
    assert saint_denis.opening.until == datetime(2026, 11, 12, 12, 0, tzinfo=PARIS)
    names = [r.place.name for r in ranked]
    assert len(set(names)) == 3


def test_same_desk_from_two_sources_is_shown_once(index) -> None:
    ranked = index.nearest(index.resolve("Marseille 1er"), "ameli", "fr", THURSDAY_10, limit=5)
    panier = [r for r in ranked if "Panier" in r.place.name]
    assert len(panier) == 1


def test_without_need_the_nearest_comes_first(index) -> None:
    where = index.resolve("48.9356, 2.3539")
    ranked = index.nearest(where, None, "fr", THURSDAY_10, limit=10)
    assert ranked[0].distance_km < 1
    assert index.nearest(where, None, "fr", THURSDAY_10, radius_km=0.01) == []


def _synthetic(**changes) -> Place:
    base = {"source": "t", "source_id": "x", "name": "Lieu", "lat": 48.9, "lon": 2.35}
    return Place(**{**base, **changes})


@pytest.mark.parametrize(
    ("favoured", "need", "lang"),
    [
        ({"programmes": (FRANCE_SERVICES,)}, "caf", "fr"),
        ({"services": (DEMARCHES,)}, "france_travail", "fr"),
        ({"services": (PARENTALITE,)}, "pronote", "fr"),
        ({"free": True}, None, "fr"),
        ({"languages": ("anglais",)}, None, "en"),
        ({"languages": ("autres",)}, None, "uk"),
        ({"opening_hours": "Mo-Su 00:00-24:00"}, None, "fr"),
    ],
)
def test_ranking_rules(favoured, need, lang) -> None:
    plain = _synthetic(source_id="plain", name="Plain", lat=48.9005)
    better = _synthetic(source_id="better", lat=48.9012, **favoured)
    index = PlaceIndex([plain, better])
    ranked = index.nearest(index.at(48.9, 2.35), need, lang, THURSDAY_10)
    assert [r.place.source_id for r in ranked] == ["better", "plain"]
    assert ranked[1].distance_km < ranked[0].distance_km


def test_language_does_not_count_in_french() -> None:
    plain = _synthetic(source_id="plain", name="Plain", lat=48.9005)
    english = _synthetic(source_id="english", lat=48.9012, languages=("anglais",))
    index = PlaceIndex([plain, english])
    ranked = index.nearest(index.at(48.9, 2.35), None, "fr", THURSDAY_10)
    assert [r.place.source_id for r in ranked] == ["plain", "english"]


@pytest.mark.parametrize(
    ("now", "status", "text"),
    [
        (THURSDAY_10, Status.OPEN, "Ouvert maintenant, jusqu'à 12:00"),
        (datetime(2026, 11, 12, 13, 0, tzinfo=PARIS), Status.CLOSED, "ouvre aujourd'hui à 13:30"),
        (datetime(2026, 11, 13, 18, 0, tzinfo=PARIS), Status.CLOSED, "ouvre lundi à 09:00"),
        (ARMISTICE_10, Status.CLOSED, "Fermé (jour férié), ouvre demain à 09:00"),
        (CHRISTMAS_10, Status.CLOSED, "Fermé (jour férié), ouvre lundi à 09:00"),
    ],
)
def test_opening_states(index, now, status, text) -> None:
    place = next(p for p in index.places if p.source_id == "1" and "Valserh" in p.name)
    schedule = Schedule.parse(place.opening_hours)
    opening = schedule.at(now)
    assert opening.status is status
    ranked = Ranked(place, 1.2, opening, 1.0)
    assert text in card(ranked, "fr", now)


def test_naive_times_are_paris_time() -> None:
    schedule = Schedule.parse("Mo-Fr 09:00-17:00")
    assert schedule.at(datetime(2026, 11, 12, 9, 30)).status is Status.OPEN
    assert schedule.at(datetime(2026, 11, 12, 8, 30, tzinfo=PARIS)).status is Status.CLOSED
    assert Schedule.parse("Mo-Fr 09:00-17:00; PH 10:00-12:00").at(CHRISTMAS_10).status is (
        Status.OPEN
    )
    assert Schedule.parse("lundi matin") is None


def _saint_denis_fs(index) -> Ranked:
    found = index.nearest(index.resolve("93200"), "caf", "fr", THURSDAY_10)
    return next(r for r in found if r.place.name == "France services Saint-Denis")


def test_full_card(index) -> None:
    ranked = _saint_denis_fs(index)
    text = card(ranked, "fr", THURSDAY_10)
    assert text.splitlines() == [
        "France services Saint-Denis",
        "1 Square de l'Ile de France, 93200 Saint-Denis",
        "Centre commercial",
        "à 2,1 km",
        "Tél. 01 55 83 01 94",
        "Aujourd'hui : 09:30-12:00 et 14:30-17:00",
        "Ouvert maintenant, jusqu'à 12:00",
    ]
    assert venue(ranked) == {
        "latitude": ranked.place.lat,
        "longitude": ranked.place.lon,
        "title": "France services Saint-Denis",
        "address": "1 Square de l'Ile de France, 93200 Saint-Denis",
    }


def test_card_with_unreadable_hours_shows_them_as_written(index) -> None:
    place = next(p for p in index.places if p.source_id == "62ac8d468255a806e299da54")
    opening = index.opening(index.places.index(place), THURSDAY_10)
    assert opening.status is Status.UNKNOWN
    assert "Horaires : Mo 09:00" in card(Ranked(place, 0.4, opening, 1.0), "fr", THURSDAY_10)


@pytest.mark.parametrize("lang", ["fr", "en", "ar", "uk", "prs", "ti"])
def test_every_sms_card_fits_in_two_segments(index, lang) -> None:
    worst = 0
    for number, place in enumerate(index.places):
        ranked = Ranked(place, 12.3, index.opening(number, THURSDAY_10), 1.0)
        worst = max(worst, sms_cost(card(ranked, lang, THURSDAY_10, compact=True)).segments)
    assert worst <= 2


def test_distances_in_the_residents_language(index) -> None:
    ranked = _saint_denis_fs(index)
    assert "2.1 km" in card(ranked, "en", THURSDAY_10)
    near = Ranked(ranked.place, 0.347, ranked.opening, 1.0, "location")
    assert "à 350 m" in card(near, "fr", THURSDAY_10)
    from_centre = Ranked(ranked.place, 0.347, ranked.opening, 1.0, "commune")
    assert "à moins de 1 km" in card(from_centre, "fr", THURSDAY_10)
    shared_code = Ranked(ranked.place, 4.2, ranked.opening, 1.0, "approximate")
    assert "à environ 4 km" in card(shared_code, "fr", THURSDAY_10)


@pytest.mark.parametrize(
    ("topic", "line"),
    [
        ("caf", "3230. Le service est gratuit. Vous payez seulement le prix de l'appel."),
        ("ameli", "3646. Le service est gratuit. Vous payez seulement le prix de l'appel."),
        ("france_travail", "3949. Le service est gratuit. Vous payez seulement le prix d'un appel"),
        ("pronote", "secrétariat de l'école"),
    ],
)
def test_fallback_names_the_phone_line(topic, line) -> None:
    text = fallback_text(topic, Translator("fr"), locator="")
    assert line in text
    assert "Aidants Connect" in text
    assert sms_cost(text).segments <= 2


def test_fallback_locator_only_when_configured(monkeypatch) -> None:
    monkeypatch.delenv("RELAIS_FRANCE_SERVICES_URL", raising=False)
    locator = load_settings().france_services_url
    assert "http" not in fallback_text("other", Translator("fr"), locator=locator)
    monkeypatch.setenv("RELAIS_FRANCE_SERVICES_URL", "https://locator.example.org")
    locator = load_settings().france_services_url
    shown = fallback_text("other", Translator("fr"), locator=locator)
    assert "https://locator.example.org" in shown


async def test_empty_database_gives_an_empty_index(db_path) -> None:
    db = await open_database(db_path)
    try:
        index = await PlaceIndex.load(db)
    finally:
        await db.close()
    assert len(index) == 0
    assert index.resolve("93200").label == "93200 Saint-Denis"  # the gazetteer is built in
    assert index.nearest(index.at(48.93, 2.35), "caf", "fr", THURSDAY_10) == []


@pytest.mark.parametrize(
    ("lang", "metres", "km"),
    [
        ("ru", "350 м", "1,9 км"),
        ("uk", "350 м", "1,9 км"),
        ("ar", "350 مترًا", "1.9 كم"),
        ("ti", "350 ሜ", "1.9 ኪሜ"),
        ("fr", "350 m", "1,9 km"),
    ],
)
def test_distance_units_are_the_languages_own(lang: str, metres: str, km: str) -> None:
    from bot.places.cards import distance_text

    assert distance_text(0.347, lang) == metres
    assert distance_text(1.94, lang) == km
