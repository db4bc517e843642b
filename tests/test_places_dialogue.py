"""Finding a place by need, in the shipped flows: where the person is, homonyms, typos, bad
input, honest distances (the Drancy case of issue 16) and places that fit the person."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import datetime

import pytest

from bot.engine import Engine, Location, Session, Text
from bot.places import PlaceIndex, haversine_km
from bot.places.communes import communes
from bot.places.hours import PARIS
from bot.places.importer import import_source
from bot.places.model import ACCES, MATERIEL, OUTILS, Place
from bot.store import open_database
from tests.conftest import OPEN_DATA

THURSDAY_10 = datetime(2026, 11, 12, 10, 0, tzinfo=PARIS)
DRANCY = (48.92503, 2.4446)  # the gazetteer's position of Drancy (INSEE)


def _index(tmp_path_factory, *names: str) -> PlaceIndex:
    async def build() -> PlaceIndex:
        db = await open_database(tmp_path_factory.mktemp("places") / "relais.db")
        try:
            for name in names:
                await import_source(db, str(OPEN_DATA / name))
            return await PlaceIndex.load(db)
        finally:
            await db.close()

    return asyncio.run(build())


@pytest.fixture(scope="module")
def ile_de_france(tmp_path_factory) -> PlaceIndex:
    return _index(tmp_path_factory, "ile-de-france-2022.json")


class Person:
    """Someone writing to the shipped flows, from the main menu."""

    def __init__(self, engine: Engine, places: PlaceIndex) -> None:
        self.engine = replace(engine, places=places)
        self.session = Session(lang="fr")
        self.replies: list = []

    def send(self, event) -> str:
        event = Text(event) if isinstance(event, str) else event
        outcome = self.engine.step(self.session, event, THURSDAY_10)
        self.session, self.replies = outcome.session, list(outcome.replies)
        return "\n".join(r.text for r in self.replies)

    def to_search(self, *choices: str) -> str:
        self.send("bonjour")
        text = ""
        for choice in ("Trouver un lieu d'aide", *choices):
            text = self.send(choice)
        return text

    def cards(self) -> list:
        return [r for r in self.replies if r.place]


def test_the_main_menu_reaches_the_search_by_need(shipped_engine, ile_de_france) -> None:
    person = Person(shipped_engine, ile_de_france)
    person.send("bonjour")
    asked = person.send("Trouver un lieu d'aide")
    assert "Quelle aide cherchez-vous, pour vous ou pour une personne que vous aidez ?" in asked
    assert person.replies[-1].choices == (
        "Faire une démarche",
        "Utiliser téléphone, ordinateur",
        "Internet, ordinateur gratuit",
        "Un appareil à petit prix",
        "De l'aide dans ma langue",
    )
    assert "Où cherchez-vous ?" in person.send("Utiliser téléphone, ordinateur")
    assert "Voici des lieux d'aide près de 93700 Drancy" in person.send("93700")
    learning = [ile_de_france.get(key) for key, *_ in person.session.offered]
    assert learning and all(OUTILS in place.services for place in learning)


def test_a_procedure_is_asked_then_its_places(shipped_engine, ile_de_france) -> None:
    person = Person(shipped_engine, ile_de_france)
    assert "Pour quelle démarche ?" in person.to_search("Faire une démarche")
    person.send("CAF")
    assert "Voici des lieux d'aide près de 93700 Drancy" in person.send("93700")
    assert person.session.path[-2][:2] == ["lieux", "quelle-demarche"]


def test_drancy_gets_true_distances_from_drancy(shipped_engine, ile_de_france) -> None:
    """Issue 16: 93700 was placed at the centre of Aulnay's places, the first place "à 10 m",
    3.5 km away in truth, a shelter helping its own residents."""
    person = Person(shipped_engine, ile_de_france)
    person.to_search("Faire une démarche", "Autre démarche")
    person.send("93700")
    cards = person.cards()
    assert len(cards) == 3
    for reply in cards:
        place = reply.place
        true_km = haversine_km(*DRANCY, place.latitude, place.longitude)
        shown = re.search(r"à (moins de )?(\d+(?:,\d)?) km", reply.text)
        assert shown, reply.text
        assert abs(float(shown.group(2).replace(",", ".")) - true_km) <= 0.06
        assert " m\n" not in reply.text and "à 10 m" not in reply.text
        assert "HUDA" not in place.title
    huda = next(p for p in ile_de_france.places if p.name.startswith("HUDA d'Aulnay"))
    assert huda.access == "residents"


def test_a_shelter_is_ranked_below_an_open_place_and_says_so(ile_de_france) -> None:
    from bot.places import card

    huda = next(p for p in ile_de_france.places if p.name.startswith("HUDA d'Aulnay"))
    open_place = replace(huda, source_id="open", name="Médiathèque", access="")
    index = PlaceIndex([huda, open_place])
    ranked = index.nearest(index.resolve("93600"), None, "fr", THURSDAY_10)
    assert [r.place.name for r in ranked] == ["Médiathèque", huda.name]
    assert "Peut-être réservé à ses résidents" in card(ranked[1], "fr", THURSDAY_10)


@pytest.mark.parametrize(
    ("typed", "question", "options"),
    [
        ("Saint-Denis", "Plusieurs communes portent ce nom. Laquelle ?", "Saint-Denis (93)"),
        ("st ouen", "Plusieurs communes portent ce nom. Laquelle ?", "Saint-Ouen-sur-Seine (93)"),
        ("Aubervillier", "Vouliez-vous dire… ?", "Aubervilliers (93)"),
        ("bobigni", "Vouliez-vous dire… ?", "Bobigny (93)"),
    ],
)
def test_homonyms_and_typos_get_a_short_choice(
    shipped_engine, ile_de_france, typed, question, options
) -> None:
    person = Person(shipped_engine, ile_de_france)
    person.to_search("Internet, ordinateur gratuit")
    asked = person.send(typed)
    assert asked.startswith(question)
    choices = person.replies[-1].choices
    assert options in choices and choices[-1] == "Une autre"
    shown = person.send(options)
    assert f"Voici des lieux d'aide près de {options.split(' (')[0]}" in shown or (
        "Je ne connais pas de lieu d'aide" in shown
    )


def test_saint_denis_de_la_reunion_is_not_saint_denis_93(shipped_engine, ile_de_france) -> None:
    person = Person(shipped_engine, ile_de_france)
    person.to_search("Faire une démarche", "CAF")
    person.send("Saint-Denis")
    shown = person.send("Saint-Denis (974)")
    assert "Je ne connais pas de lieu d'aide près de chez vous." in shown  # none imported there
    assert "3230" in shown


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("99999", "Le code postal 99999 n'existe pas."),
        ("93", "93 est un numéro de département. Écrivez votre code postal (5 chiffres, par "),
        ("93735", "93735 n'est pas le code postal d'une commune (code CEDEX ?)."),
        ("93200 CEDEX", "93200 n'est pas le code postal d'une commune (code CEDEX ?)."),
        ("   ", "Votre message est vide."),
        ("x" * 900, "Je ne trouve pas ce lieu. Écrivez un code postal ou une ville."),
    ],
)
def test_bad_input_says_what_was_understood_then_falls_back(
    shipped_engine, ile_de_france, typed, answer
) -> None:
    person = Person(shipped_engine, ile_de_france)
    person.to_search("Faire une démarche", "CAF")
    said = person.send(typed)
    assert answer in said
    assert not person.cards(), "never a made-up place"
    fallback = person.send("xqzt")
    assert "3230" in fallback and not person.cards()
    assert person.session.node == "fin"


def test_a_location_at_sea_is_not_a_place(shipped_engine, ile_de_france) -> None:
    person = Person(shipped_engine, ile_de_france)
    person.to_search("Faire une démarche", "CAF")
    said = person.send(Location(47.0, -5.5))
    assert "Cette position n'est pas en France." in said and not person.cards()
    near = person.send(Location(48.9290, 2.4420))  # 300 m from Drancy's centre
    assert "près de Drancy (93700)" in near and len(person.cards()) == 3


def test_a_shared_postal_code_says_environ_and_which_commune(shipped_engine) -> None:
    places = PlaceIndex(
        [Place("t", "1", "Espace numérique", 48.73, 4.60, services=(ACCES,), origin="t")]
    )
    person = Person(shipped_engine, places)
    person.to_search("Internet, ordinateur gratuit")
    shown = person.send("51300")  # Vitry-le-François and 45 other communes
    assert "Voici des lieux d'aide près de 51300 Vitry-le-François" in shown
    assert "à environ 1 km" in person.cards()[0].text


def test_a_person_who_cannot_travel_gets_the_mobile_service_first(shipped_engine) -> None:
    fixed = Place("t", "1", "Cyber-base", 48.93, 2.45, services=(MATERIEL,), origin="t")
    bus = Place(
        "t", "2", "Bus numérique", 49.05, 2.60, services=(MATERIEL,), mobile=True, origin="t"
    )
    person = Person(shipped_engine, PlaceIndex([fixed, bus]))
    person.to_search("Un appareil à petit prix")
    person.send("Drancy")
    assert person.replies[-1].choices[:2] == ("Cyber-base", "Bus numérique")
    assert person.replies[-1].choices[-1] == "Je ne peux pas me déplacer"
    person.send("Je ne peux pas me déplacer")
    assert person.replies[-1].choices[0] == "Bus numérique"
    assert "Service itinérant" in person.cards()[0].text


def test_only_places_that_offer_the_need_are_shown(shipped_engine) -> None:
    teaching = Place("t", "1", "Atelier", 48.93, 2.45, services=(OUTILS,), origin="t")
    desk = Place("t", "2", "Guichet", 48.925, 2.445, origin="t")
    person = Person(shipped_engine, PlaceIndex([teaching, desk]))
    person.to_search("Un appareil à petit prix")
    shown = person.send("93700")
    assert "Je ne connais pas de lieu d'aide près de chez vous." in shown
    assert not person.cards()


def test_every_commune_name_of_the_gazetteer_is_found_offline() -> None:
    gazetteer = communes()
    assert len(gazetteer) > 35_000 and len(gazetteer.postal_codes) > 6_000
    found = gazetteer.by_key("bellegarde sur valserine")  # a former commune (COMD)
    assert [c.kind for c in found] == ["D"] and found[0].postal_code == "01200"
    assert (found[0].lat, found[0].lon) == (46.12335, 5.79442)  # its own position


async def test_an_import_reaches_the_running_service_without_a_restart(db_path) -> None:
    from bot.app import build_engine
    from bot.config import Settings
    from bot.conversations import Conversations
    from bot.places.reload import load_index

    db = await open_database(db_path)
    try:
        places, version = await load_index(db)
        conversations = Conversations(db, build_engine(Settings(), places), version)
        conversations.places.every = 0  # look at every batch (the service: every 2 s)

        async def ask(user: str) -> str:
            texts = []
            for said in ("bonjour", "Trouver un lieu d'aide", "Faire une démarche", "CAF", "93200"):
                handled = await conversations.handle("sms", user, Text(said), lang="fr")
                texts += [r.text for r in handled.replies]
            return "\n".join(texts)

        assert "Je ne connais pas de lieu d'aide" in await ask("+33600000001")
        await import_source(db, str(OPEN_DATA / "france-services-2022-12-01.csv"))
        assert "Voici des lieux d'aide près de 93200 Saint-Denis" in await ask("+33600000002")
    finally:
        await db.close()


async def test_restricted_places_are_never_offered_and_referral_is_said(db_path, tmp_path) -> None:
    """The standard's own example row, three times near Drancy: one takes no public, one
    only on a referral, one is open."""
    import csv
    import io

    from bot.places import card

    text = (OPEN_DATA / "schema-exemple-valide.csv").read_text(encoding="utf-8")
    (example,) = list(csv.DictReader(io.StringIO(text)))
    rows = []
    for number, access in enumerate(
        ("Ce lieu n'accueille pas de public", "Envoyer un mail avec une fiche de prescription", ""),
        start=1,
    ):
        rows.append(
            dict(
                example,
                id=f"lieu-{number}",
                nom=f"Lieu {number}",
                latitude=f"{48.925 + number * 0.003}",
                telephone=f"+3314900000{number}",
                longitude="2.445",
                modalites_acces=access or "Se présenter|Téléphoner",
                itinerance="Fixe",
            )
        )
    path = tmp_path / "lieux.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(example))
        writer.writeheader()
        writer.writerows(rows)
    db = await open_database(db_path)
    try:
        await import_source(db, str(path))
        index = await PlaceIndex.load(db)
    finally:
        await db.close()
    for need in (None, "caf", "apprendre"):
        ranked = index.nearest(index.resolve("93700"), need, "fr", THURSDAY_10, limit=5)
        assert "Lieu 1" not in [r.place.name for r in ranked]
    ranked = index.nearest(index.resolve("93700"), None, "fr", THURSDAY_10, limit=5)
    assert [r.place.name for r in ranked] == ["Lieu 3", "Lieu 2"]
    assert "Sur orientation d'un travailleur social" in card(ranked[1], "fr", THURSDAY_10)
    assert "Sur orientation" not in card(ranked[0], "fr", THURSDAY_10)
