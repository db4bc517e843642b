"""The engine, as a resident experiences it, on the small test flows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.engine import Button, Engine, Location, Media, Session, Text
from tests.conftest import NOON


class Talk:
    """A conversation with the pure engine, keeping the state between messages."""

    def __init__(self, engine: Engine, lang: str = "fr") -> None:
        self.engine = engine
        self.session = Session(lang=lang)
        self.now = NOON
        self.effects: list = []

    def send(self, event, *, after: timedelta = timedelta(seconds=5)):
        self.now += after
        if isinstance(event, str):
            event = Text(event)
        outcome = self.engine.step(self.session, event, self.now)
        self.session = outcome.session
        self.effects = list(outcome.effects)
        assert outcome.replies, f"no reply to {event!r}"
        return outcome.replies

    def texts(self, event, **kwargs) -> str:
        return "\n".join(r.text for r in self.send(event, **kwargs))

    @property
    def at(self) -> str:
        return f"{self.session.flow}/{self.session.node}"


@pytest.fixture
def talk(engine: Engine) -> Talk:
    return Talk(engine)


def test_first_message_greets_and_shows_the_main_menu(talk: Talk) -> None:
    replies = talk.send("bonjour")
    assert "Bonjour, je suis Relais" in replies[0].text
    assert replies[-1].choices == ("Démarche", "Santé")
    assert talk.at == "menu/accueil"


def test_a_first_message_naming_a_menu_choice_goes_straight_there(talk: Talk) -> None:
    replies = talk.send("Démarche")
    assert "Bonjour" in replies[0].text
    assert talk.at == "demarche/compte"


def test_choice_by_number_label_or_word_ignoring_case_and_accents(engine: Engine) -> None:
    for answer in ("1", " 1. ", "DÉMARCHE", "demarche", "procédure", "Procedure !"):
        talk = Talk(engine)
        talk.send("bonjour")
        talk.send(answer)
        assert talk.at == "demarche/compte", answer


def test_a_word_inside_a_longer_answer_picks_the_only_choice_it_names(talk: Talk) -> None:
    talk.send("salut")
    talk.send("1")
    talk.send("oui merci")
    assert talk.at == "demarche/marche"


def test_messages_and_links_run_until_the_next_question(talk: Talk) -> None:
    talk.send("salut")
    talk.send("1")
    replies = talk.send("oui")
    assert [r.text for r in replies] == [
        "Ouvrez le site.",
        "Cliquez sur Mon compte.",
        "Est-ce que ça a marché ?",
    ]
    assert replies[0].link == ("Le site", "https://example.org/site")
    assert replies[-1].key == "demarche/marche"


def test_unknown_answer_reprompts_with_the_choices_then_offers_a_person(talk: Talk) -> None:
    talk.send("salut")
    first = talk.send("n'importe quoi")
    assert "Je n'ai pas compris" in first[0].text
    assert first[-1].choices == ("Démarche", "Santé")
    second = talk.send("toujours rien")
    assert second[-1].choices == ("Démarche", "Santé", "Parler à une personne")
    replies = talk.send("3")
    assert talk.at == "aide/humain"
    assert replies[0].text == "Une personne va vous aider."
    assert talk.session.path[-1] == ["menu", "accueil", None]


def test_global_commands_win_over_the_flow_at_any_step(talk: Talk) -> None:
    talk.send("salut")
    talk.send("1")
    assert talk.at == "demarche/compte"
    talk.send("menu")
    assert talk.at == "menu/accueil"
    talk.send("1")
    text = talk.texts("AIDE")
    assert "Une personne va vous aider." in text
    assert talk.at == "aide/humain"
    assert talk.session.path[-1] == ["demarche", "compte", None]


def test_retour_goes_back_to_the_previous_question(talk: Talk) -> None:
    talk.send("salut")
    talk.send("1")
    talk.send("oui")
    assert talk.at == "demarche/marche"
    replies = talk.send("Retour")
    assert talk.at == "demarche/compte"
    assert replies[-1].text == "Avez-vous un compte ?"
    talk.send("RETOUR")
    assert talk.at == "menu/accueil"
    text = talk.texts("retour")
    assert "Il n'y a pas de question avant" in text
    assert talk.at == "menu/accueil"


def test_inputs_are_validated_and_saved(talk: Talk) -> None:
    talk.send("santé")
    assert talk.at == "demarche/code-postal"
    assert "5 chiffres" in talk.texts("75")
    assert "5 chiffres" in talk.texts("00100")
    talk.send("93 200")
    assert talk.session.vars == {"code_postal": "93200"}
    assert talk.at == "demarche/enfants"
    assert "nombre" in talk.texts("trois")
    text = talk.texts("deux")
    assert "Pour parler à une personne, écrivez AIDE." in text
    talk.send("2")
    assert talk.session.vars["enfants"] == "2"
    assert talk.at == "demarche/fin"


def test_after_an_end_any_message_brings_the_main_menu(talk: Talk) -> None:
    talk.send("santé")
    talk.send("93200")
    text = talk.texts("3")
    assert "Bravo" in text and "MENU" in text
    replies = talk.send("merci")
    assert talk.at == "menu/accueil"
    assert replies[-1].choices == ("Démarche", "Santé")


def test_a_button_from_an_old_message_gets_a_polite_reprompt(talk: Talk) -> None:
    talk.send("salut")
    talk.send("1")
    replies = talk.send(Button("menu/accueil", 1))
    assert "ancien message" in replies[0].text
    assert replies[-1].text == "Avez-vous un compte ?"
    assert talk.at == "demarche/compte"
    talk.send(Button("demarche/compte", 0))
    assert talk.at == "demarche/marche"


def test_a_location_where_none_is_asked_gets_a_clear_reply(talk: Talk) -> None:
    talk.send("salut")
    replies = talk.send(Location(48.92, 2.45))
    assert "réponse écrite" in replies[0].text
    assert talk.at == "menu/accueil"


def test_idle_session_restarts_at_the_main_menu_with_welcome_back(talk: Talk) -> None:
    talk.send("salut")
    talk.send("1")
    replies = talk.send("oui", after=timedelta(hours=25))
    assert "Bon retour" in replies[0].text
    assert talk.at == "menu/accueil"


def test_a_short_pause_keeps_the_conversation(talk: Talk) -> None:
    talk.send("salut")
    talk.send("1")
    talk.send("oui", after=timedelta(hours=23))
    assert talk.at == "demarche/marche"


def test_stop_then_a_new_message_resumes(talk: Talk) -> None:
    talk.send("salut")
    assert "ne vous écrira plus" in talk.texts("STOP")
    assert talk.session.stopped and [e.kind for e in talk.effects] == ["stop"]
    replies = talk.send("bonjour")
    assert not talk.session.stopped
    assert [e.kind for e in talk.effects] == ["start"]
    assert replies[-1].choices == ("Démarche", "Santé")


def test_erase_asks_for_confirmation(talk: Talk) -> None:
    talk.send("salut")
    talk.send("1")
    replies = talk.send("oubli")
    assert replies[0].choices == ("Oui, tout effacer", "Non, garder")
    assert "rien n'est effacé" in talk.texts("non")
    assert talk.at == "demarche/compte"
    talk.send("OUBLI")
    assert "effacées" in talk.texts("1")
    assert [e.kind for e in talk.effects] == ["erase"]
    assert talk.session == Session()


def test_language_command_lists_languages_in_their_own_script(talk: Talk) -> None:
    talk.send("salut")
    replies = talk.send("langue")
    assert "Français" in replies[0].choices
    talk.send("Français")
    assert talk.session.lang == "fr"
    assert talk.session.pending is None


@pytest.mark.parametrize(
    "odd",
    [
        "",
        "   ",
        "\u200b\u200f\u202e",
        "🙂🙂🙂",
        "x" * 10_000,
        "مرحبا",
        "1\u200b",
        "\x00\x01",
        "\U0010ffff",
    ],
    ids=["empty", "spaces", "invisible", "emoji", "10kb", "arabic", "zw-digit", "control", "max"],
)
def test_odd_input_gets_a_clear_reply_and_keeps_the_session(engine: Engine, odd: str) -> None:
    talk = Talk(engine)
    talk.send("salut")
    talk.send("1")
    replies = talk.send(odd)
    assert all(r.text for r in replies)
    assert talk.at in ("demarche/compte", "demarche/site", "demarche/marche")
    assert replies[-1].text in ("Avez-vous un compte ?", "Est-ce que ça a marché ?")


def test_an_invisible_mark_does_not_hide_a_command(talk: Talk) -> None:
    talk.send("salut")
    talk.send("1")
    talk.send("\u200fMENU\u200b")
    assert talk.at == "menu/accueil"


def test_a_session_pointing_at_a_removed_node_recovers(talk: Talk) -> None:
    talk.send("salut")
    talk.session.flow, talk.session.node = "demarche", "supprime"
    replies = talk.send("oui")
    assert replies[-1].choices == ("Démarche", "Santé")
    assert talk.at == "menu/accueil"


def test_state_survives_json(talk: Talk) -> None:
    talk.send("salut")
    talk.send("1")
    assert Session.from_json(talk.session.to_json()) == talk.session


def test_a_photo_or_voice_message_gets_a_reply_and_keeps_the_question(talk: Talk) -> None:
    talk.send("salut")
    talk.send("1")
    replies = talk.send(Media("voice"))
    assert "messages écrits" in replies[0].text
    assert replies[-1].text == "Avez-vous un compte ?"
    assert talk.at == "demarche/compte"
