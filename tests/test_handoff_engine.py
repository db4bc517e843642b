"""The hand-off as the resident lives it, in the pure engine: place, consent, relay, close."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.engine import (
    Button,
    Engine,
    Location,
    Media,
    MediatorSaid,
    Session,
    Text,
    TicketClosed,
    TicketOpened,
)
from bot.places import PlaceIndex
from bot.places.model import Place
from tests.conftest import NOON

PLACES = PlaceIndex(
    [
        Place(
            "t",
            "1",
            "Maison de Saint-Denis",
            48.936,
            2.357,
            "1 rue A",
            "",
            "93200",
            "Saint-Denis",
            "01 02 03 04 05",
            origin="test",
        ),
        Place(
            "t",
            "2",
            "Espace Pleyel",
            48.92,
            2.34,
            "2 rue B",
            "",
            "93200",
            "Saint-Denis",
            origin="test",
        ),
    ]
)


class Resident:
    def __init__(self, engine: Engine, covered=("test:1",)) -> None:
        self.engine = replace(engine, places=PLACES)
        self.covered = frozenset(covered)
        self.session = Session(lang="fr")
        self.effects: list = []

    def send(self, event) -> list:
        event = Text(event) if isinstance(event, str) else event
        outcome = self.engine.step(self.session, event, NOON, self.covered)
        self.session, self.effects = outcome.session, list(outcome.effects)
        return list(outcome.replies)

    def texts(self, event) -> str:
        return "\n".join(r.text for r in self.send(event))

    def to_consent(self) -> list:
        self.send("salut")
        self.send("1")
        self.send("aide")
        self.send("93200")
        return self.send("1")


@pytest.fixture
def amina(engine: Engine) -> Resident:
    return Resident(engine)


def test_places_are_offered_as_choices_then_consent_is_asked(amina: Resident) -> None:
    amina.send("salut")
    amina.send("1")
    assert "Où êtes-vous ?" in amina.texts("aide")
    replies = amina.send("93200")
    assert replies[-1].choices == ("Maison de Saint-Denis", "Espace Pleyel", "Aucun de ces lieux")
    assert any(r.place and r.place.title == "Maison de Saint-Denis" for r in replies)
    consent = amina.send("1")[-1]
    assert consent.text == "Puis-je envoyer un résumé de votre demande à Maison de Saint-Denis ?"
    assert consent.choices == ("Oui, envoyer", "Non", "J'aide une autre personne")
    assert amina.effects == []


def test_no_consent_shares_nothing_and_gives_the_card_again(amina: Resident) -> None:
    amina.to_consent()
    replies = amina.send("non")
    assert amina.effects == [], "nothing may be shared without consent"
    assert "je n'envoie rien" in replies[0].text
    assert any(r.place and r.place.title == "Maison de Saint-Denis" for r in replies)
    assert "Je passe la main." in replies[-1].text
    assert amina.session.ticket == ""


def test_consent_then_own_words_open_a_ticket_with_the_path(amina: Resident) -> None:
    amina.to_consent()
    asked = amina.send("oui")
    assert "mot de passe" in asked[0].text, "the resident is told never to send secrets"
    assert asked[-1].choices == ("Envoyer sans message",)
    assert amina.send("Je ne trouve pas mon attestation") == []
    (effect,) = amina.effects
    assert effect.kind == "handoff"
    assert effect.data["place"] == ["test:1", "Maison de Saint-Denis"]
    assert effect.data["note"] == "Je ne trouve pas mon attestation"
    assert effect.data["stuck"] == ["demarche", "compte", None]
    assert effect.data["topic"] == "caf"
    opened = amina.texts(TicketOpened("R-7K3F"))
    assert "Votre code : R-7K3F" in opened and "MENU" in opened
    assert amina.session.ticket == "R-7K3F"


def test_the_note_can_be_skipped_with_its_button(amina: Resident) -> None:
    amina.to_consent()
    amina.send("oui")
    amina.send(Button("!note", 0))
    assert amina.effects[0].data["note"] == ""


def test_a_place_nobody_answers_for_gets_no_consent_question(engine: Engine) -> None:
    nobody = Resident(engine, covered=())
    replies = nobody.to_consent()
    assert "ne reçoit pas encore" in replies[0].text
    assert nobody.session.pending is None and nobody.effects == []


def test_another_postal_code_or_location_while_picking_searches_again(
    amina: Resident,
) -> None:
    amina.send("salut")
    amina.send("aide")
    amina.send("75010")
    replies = amina.send("93200")
    assert replies[-1].choices[0] == "Maison de Saint-Denis"
    replies = amina.send(Location(48.92, 2.34))
    assert replies[-1].choices[0] == "Espace Pleyel", "the nearest to the shared location"


def test_while_relayed_words_go_to_the_mediator_not_the_flows(amina: Resident) -> None:
    amina.to_consent()
    amina.send("oui")
    amina.send(Button("!note", 0))
    amina.send(TicketOpened("R-7K3F"))
    first = amina.texts("1")
    assert first == "Message transmis au médiateur."
    assert amina.effects[0].data == {"code": "R-7K3F", "text": "1"}
    assert amina.send("encore une question") == [], "told once, not at every message"
    assert "Vous parlez avec un médiateur" in amina.texts("aide")
    said = amina.texts(MediatorSaid("R-7K3F", "Awa", "Venez mardi."))
    assert said == "Réponse de Awa :\nVenez mardi."
    assert amina.texts(MediatorSaid("R-AAAA", "Bob", "Autre")) == ""
    assert amina.effects[0].data["delivered"] is False


def test_menu_leaves_the_relay_only_once_confirmed(amina: Resident) -> None:
    amina.to_consent()
    amina.send("oui")
    amina.send(Button("!note", 0))
    amina.send(TicketOpened("R-7K3F"))
    assert "Revenir au menu ?" in amina.texts("menu")
    assert "vous restez avec le médiateur" in amina.texts("non")
    assert amina.session.ticket == "R-7K3F"
    amina.send("menu")
    replies = amina.send("oui")
    assert [e.kind for e in amina.effects] == ["leave"]
    assert amina.session.ticket == "" and replies[-1].key == "menu/accueil"


def test_closing_returns_to_the_bot_with_did_this_help(amina: Resident) -> None:
    amina.to_consent()
    amina.send("oui")
    amina.send(Button("!note", 0))
    amina.send(TicketOpened("R-7K3F"))
    replies = amina.send(TicketClosed("R-7K3F", "Awa"))
    assert replies[-1].text == "Est-ce que cela vous a aidé ?"
    assert replies[-1].choices == ("Oui", "Non")
    assert amina.session.ticket == ""
    thanks = amina.send("oui")
    assert amina.effects[0].data == {"code": "R-7K3F", "helped": True}
    assert thanks[0].text == "Merci pour votre réponse." and thanks[-1].key == "menu/accueil"


def test_any_other_answer_to_did_this_help_is_no_dead_end(amina: Resident) -> None:
    amina.to_consent()
    amina.send("oui")
    amina.send(Button("!note", 0))
    amina.send(TicketOpened("R-7K3F"))
    amina.send(TicketClosed("R-7K3F"))
    replies = amina.send("Démarche")
    assert amina.effects == [] and amina.session.flow == "demarche"
    assert replies


def test_none_of_these_places_gives_the_phone_line_and_the_way_on(amina: Resident) -> None:
    amina.send("salut")
    amina.send("1")
    amina.send("aide")
    amina.send("93200")
    replies = amina.send("Aucun de ces lieux")
    assert "3230" in replies[0].text
    assert replies[-1].text == "Pour continuer, écrivez MENU."
    assert amina.effects == [] and amina.session.pending is None


def test_while_writing_the_note_an_old_button_or_a_photo_gets_the_right_words(
    amina: Resident,
) -> None:
    amina.to_consent()
    amina.send("oui")
    stale = amina.send(Button("menu/accueil", 0))
    assert stale[0].text.startswith("Ce bouton vient d'un ancien message")
    photo = amina.send(Media())
    assert photo[0].text.startswith("Je ne peux lire que les messages écrits")
    assert amina.session.pending == "note" and amina.effects == []
