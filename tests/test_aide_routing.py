"""AIDE knows where the person was: the `aide` flow's router skips the topic question for a
person coming from a procedure, keeps that topic for the places and the summary, and asks
only a person with no topic yet. Also: a person helping someone else can say so."""

from __future__ import annotations

import pytest

from bot.conversations import Conversations
from bot.engine import Button, Engine, Session, Text
from bot.engine.routing import Known, route
from bot.engine.routing import known as known_of
from bot.flows import Router
from bot.flows.loader import load_flows
from bot.flows.model import Answered, Route
from bot.handoff.summary import summarise
from bot.i18n import Catalogs
from bot.paths import SHIPPED_FLOWS
from bot.store import open_database
from tests.conftest import NOON, TESTS
from tests.support.places import PLACES

ASKED = "Votre démarche concerne quel organisme ?"
NEW_TOPICS = ("titres", "sejour", "impots", "retraite")


@pytest.fixture(scope="module")
def helped() -> Engine:
    """The shipped flows, plus stand-in procedures for the topics whose flows are written
    elsewhere, with help places and French only."""
    flows = load_flows([SHIPPED_FLOWS, TESTS / "fixtures" / "topic_flows"])
    return Engine(flows, Catalogs(TESTS / "fixtures"), places=PLACES)


class Person:
    def __init__(self, engine: Engine, flow: str = "", node: str = "", covered=("test:1",)):
        self.engine = engine
        self.session = Session(lang="fr", flow=flow, node=node, last_seen=NOON.timestamp())
        self.covered = frozenset(covered)
        self.effects: list = []
        self.replies: list = []

    def send(self, event) -> str:
        event = Text(event) if isinstance(event, str) else event
        outcome = self.engine.step(self.session, event, NOON, self.covered)
        self.session, self.effects = outcome.session, list(outcome.effects)
        self.replies = list(outcome.replies)
        return "\n".join(r.text for r in self.replies)

    @property
    def at(self) -> str:
        return f"{self.session.flow}/{self.session.node}"

    def hand_off(self, *consent: str) -> dict:
        """From "where are you?" to the ticket: the place near 93200, consent, no note."""
        self.send("93200")
        self.send("1")
        for answer in consent:
            self.send(answer)
        self.send("Envoyer sans message")
        (effect,) = self.effects
        assert effect.kind == "handoff"
        return effect.data


# Inside a procedure of each topic, and inside a procedure reached from another flow.
INSIDE = [
    ("caf", "caf", "co-etape1"),
    ("caf", "caf", "indu-suite"),
    ("france_travail", "france_travail", "ins-etape1"),
    ("ameli", "ameli", "compte-2"),
    ("pronote", "pronote", "fc-5"),
    *[(topic, f"essai_{topic}", "etape") for topic in NEW_TOPICS],
]


@pytest.mark.parametrize(("topic", "flow", "node"), INSIDE, ids=[f"{f}/{n}" for _, f, n in INSIDE])
def test_aide_from_inside_a_procedure_never_asks_the_topic_again(
    helped: Engine, topic: str, flow: str, node: str
) -> None:
    person = Person(helped, flow, node)
    said = person.send("AIDE")
    assert ASKED not in said
    assert "Où êtes-vous ?" in said
    assert person.at == "aide/ou"
    assert person.hand_off("Oui, envoyer")["topic"] == topic


def test_the_right_phone_line_is_given_on_the_way(helped: Engine) -> None:
    assert "3230" in Person(helped, "caf", "co-etape1").send("AIDE")
    assert "3949" in Person(helped, "france_travail", "ins-etape1").send("AIDE")
    assert "3646" in Person(helped, "ameli", "compte-2").send("AIDE")
    assert "secrétariat de l'école" in Person(helped, "pronote", "fc-5").send("AIDE")


def test_a_procedure_reached_from_another_flow_keeps_the_topic_of_the_first(
    helped: Engine,
) -> None:
    """Pronote sends a person without a mail address to the `autre` flow (topic other):
    AIDE there still knows it is about school."""
    person = Person(helped, "pronote", "fc-5")
    person.send("Je n'ai pas d'adresse mail")
    assert person.session.flow == "autre"
    said = person.send("AIDE")
    assert ASKED not in said and person.at == "aide/ou"
    assert person.hand_off("Oui, envoyer")["topic"] == "pronote"


def test_from_the_autre_flow_into_ameli_the_topic_is_ameli(helped: Engine) -> None:
    person = Person(helped, "autre", "fc-non")
    person.send("Oui, créer mon compte")
    assert person.session.flow == "ameli"
    assert ASKED not in person.send("AIDE")
    assert person.hand_off("Oui, envoyer")["topic"] == "ameli"


def test_a_person_with_no_topic_is_asked_and_school_and_papers_are_answers(
    helped: Engine,
) -> None:
    person = Person(helped)
    person.send("bonjour")
    said = person.send("Parler à une personne")
    assert ASKED in said
    labels = person.replies[-1].choices
    assert "Pronote (école)" in labels and "Impôts" in labels and "Retraite" in labels
    assert len(labels) <= 8
    person.send("Papiers, titre de séjour")
    person.send("Titre de séjour")
    assert person.at == "aide/ou"
    assert person.hand_off("Oui, envoyer")["topic"] == "sejour"


def test_from_the_menu_school_is_picked_with_its_phone_advice(helped: Engine) -> None:
    person = Person(helped)
    person.send("bonjour")
    person.send("AIDE")
    said = person.send("Pronote (école)")
    assert "secrétariat de l'école" in said and person.at == "aide/ou"


# -- the router on its own ---------------------------------------------------------------


def known(**kwargs) -> Known:
    return Known(**{"topic": "other", "channel": "sms", "lang": "fr", "answers": {}, **kwargs})


ROUTER = Router(
    id="r",
    line=1,
    routes=(
        Route(next="sms-arabe", channels=("sms",), langs=("ar",)),
        Route(next="telegram", channels=("telegram",)),
        Route(next="deja-compte", answer=Answered("compte", "Oui")),
        Route(next="caf", topics=("caf", "ameli")),
    ),
    default="autre",
)


def test_the_first_route_whose_conditions_all_hold_is_taken() -> None:
    assert route(ROUTER, known(channel="sms", lang="ar")) == "sms-arabe"
    assert route(ROUTER, known(channel="sms", lang="fr")) == "autre"
    assert route(ROUTER, known(channel="telegram", topic="caf")) == "telegram"
    assert route(ROUTER, known(answers={"compte": "oui"})) == "deja-compte"
    assert route(ROUTER, known(answers={"compte": "Non"})) == "autre"
    assert route(ROUTER, known(topic="ameli")) == "caf"
    assert route(ROUTER, known(topic="impots")) == "autre"


# -- "I am helping someone" --------------------------------------------------------------


def test_a_helper_says_so_and_the_question_and_summary_say_who_writes(
    helped: Engine,
) -> None:
    person = Person(helped, "caf", "co-etape1")
    person.send("AIDE")
    person.send("93200")
    person.send("1")
    consent = person.replies[-1]
    assert consent.choices[-1] == "J'aide une autre personne"
    person.send(Button(consent.key, len(consent.choices) - 1))
    again = person.replies[-1]
    assert "Vous aidez une autre personne" in again.text
    assert "sa demande" in again.text and "Maison de Saint-Denis" in again.text
    assert again.choices == ("Oui, envoyer", "Non")
    person.send("Oui, envoyer")
    person.send("Mon voisin ne lit pas bien le français")
    (effect,) = person.effects
    assert effect.data["helping"] is True
    summary = summarise(helped.flows, effect.data, "sms")
    assert "Qui écrit : une personne qui aide" in summary
    assert "Personne concernée : la personne aidée" in summary
    assert "Sujet : CAF" in summary


def test_a_helper_can_say_so_in_words_on_sms(helped: Engine) -> None:
    person = Person(helped, "ameli", "compte-2")
    person.send("AIDE")
    person.send("93200")
    person.send("1")
    assert "Vous aidez une autre personne" in person.send("3")
    assert person.session.pending == "consent"


def test_a_person_writing_for_themselves_gets_no_helper_line(helped: Engine) -> None:
    data = Person(helped, "caf", "co-etape1")
    data.send("AIDE")
    handed = data.hand_off("Oui, envoyer")
    assert handed["helping"] is False
    assert "Qui écrit" not in summarise(helped.flows, handed, "sms")


async def test_the_session_knows_its_channel_for_routers(helped: Engine, tmp_path) -> None:
    db = await open_database(tmp_path / "relais.db")
    conversations = Conversations(db, helped)
    handled = await conversations.handle("telegram", "42", Text("bonjour"), now=NOON, lang="fr")
    assert handled.session.channel == "telegram"
    stored = await conversations.peek("telegram", "42")
    assert stored.channel == "telegram"
    await db.close()
    assert known_of(stored, helped.flows, "aide", "other").channel == "telegram"
