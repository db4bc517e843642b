"""Global commands: they win over any flow, at any step, typed in any case or accent."""

from __future__ import annotations

from enum import Enum
from functools import lru_cache

from bot.i18n import N_, Translator
from bot.i18n.detect import language_words
from bot.text import fold_word, normalize


class Command(Enum):
    MENU = "menu"
    BACK = "back"
    HELP = "help"
    LANGUAGE = "language"
    STOP = "stop"
    ERASE = "erase"
    PRIVACY = "privacy"
    REMINDERS = "reminders"
    REMINDERS_OFF = "reminders-off"


WORDS: dict[Command, str] = {
    Command.MENU: N_("menu|accueil|/menu|/start|start|debut"),
    Command.BACK: N_("retour|/retour|precedent"),
    Command.HELP: N_(
        "aide|/aide|humain|personne|mediateur|bloque|je suis bloque|je ne sais pas|sais pas"
    ),
    Command.LANGUAGE: N_("langue|/langue|language|langues"),
    Command.STOP: N_("stop|/stop|arret|arreter"),
    Command.ERASE: N_("oubli|/oubli|effacer|oublier"),
    Command.PRIVACY: N_("donnees|/donnees|mes donnees|confidentialite|vie privee|rgpd"),
    Command.REMINDERS: N_("rappels|/rappels|rappel|mes rappels"),
    Command.REMINDERS_OFF: N_(
        "arreter les rappels|stop rappels|stop rappel|plus de rappels|arreter rappels"
    ),
}
"""French words always work; each language adds its own through its catalog."""


@lru_cache(maxsize=64)
def _table(translator: Translator) -> dict[str, Command]:
    table: dict[str, Command] = {}
    for command, french in WORDS.items():
        for word in (*french.split("|"), *translator.text(french).split("|")):
            table.setdefault(fold_word(word), command)
    table.pop("", None)
    return table


def find_command(text: str, translator: Translator) -> Command | None:
    """The command a message is, in the person's language or in French; the word for
    "language" in any language also works, as a way out of a language one cannot read."""
    folded = normalize(text)
    found = _table(translator).get(folded)
    if found is None and folded in language_words():
        return Command.LANGUAGE
    return found


VITAL = (Command.ERASE, Command.STOP, Command.HELP)
"""Commands a person relies on: the rate limit never swallows them."""


def vital(event: object, pending: str | None, translator: Translator) -> bool:
    """OUBLI, STOP, AIDE, and the answer to OUBLI's question (any: a button, "1", "oui")."""
    if pending == "erase":
        return True
    text = getattr(event, "text", None)
    return isinstance(text, str) and find_command(text, translator) in VITAL
