""" "I am helping someone": a person writing for a parent or a neighbour says so at the
consent question; the question is then asked again saying so, and the summary the mediator
receives says who is concerned and who writes.

Functions of the hand-off turn (bot/engine/core.py hooks them in); pure like the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.engine.events import Event
from bot.i18n import N_

if TYPE_CHECKING:
    from bot.engine.turn import TurnBase

HELPING_VAR = "!helping"
"""Session variable set to "1" once the person said they write for someone else."""
HELPING_CHOICE = N_("J'aide une autre personne")
HELPING_WORDS = N_("j'aide|pour quelqu'un|pour ma mere|pour mon pere|voisin|parent|un proche")
CONSENT_ASK_HELPING = N_(
    "Vous aidez une autre personne. Puis-je envoyer un résumé de sa demande à {place} ? "
    "Le résumé dira que vous écrivez pour elle."
)


def is_helping(turn: TurnBase) -> bool:
    return turn.s.vars.get(HELPING_VAR) == "1"


def consent_question(turn: TurnBase, ask: str, yes: str, no: str) -> tuple[str, tuple[str, ...]]:
    """The consent question and its choices: a third choice lets a helper say so."""
    tr = turn.tr.text
    if is_helping(turn):
        return tr(CONSENT_ASK_HELPING), (tr(yes), tr(no))
    return tr(ask), (tr(yes), tr(no), tr(HELPING_CHOICE))


def chose_helping(turn: TurnBase, event: Event, key: str, yes: str, no: str) -> bool:
    """Whether the answer to the consent question is "I am helping someone"; if so, it is
    remembered for the rest of the conversation."""
    if is_helping(turn):
        return False
    tr = turn.tr.text
    options = [
        [tr(yes), yes],
        [tr(no), no],
        [tr(HELPING_CHOICE), HELPING_CHOICE, *tr(HELPING_WORDS).split("|")],
    ]
    if turn.pick(event, key, options) != 2:
        return False
    turn.s.vars = {**turn.s.vars, HELPING_VAR: "1"}
    return True
