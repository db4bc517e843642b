"""The system questions awaiting an answer (`Session.pending`), in one explicit table.

A pending name is `kind` or `kind:argument` (`remind-offer:actualisation`). Each kind has
the function that asks it (again) and the one that reads the answer. A step that stores a
name this table does not know is a bug and fails loudly (`check`); a name stored by an
older version and read back is answered gracefully: the person is asked again where they
were.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.engine import language, locating, privacy_notice, reminders
from bot.engine.events import Event

if TYPE_CHECKING:
    from bot.engine.turn import TurnBase

log = logging.getLogger(__name__)


class UnknownPending(ValueError):
    """The engine stored a system question it cannot answer (add it to `QUESTIONS`)."""


@dataclass(frozen=True)
class Question:
    ask: Callable[[TurnBase, str], None]
    """Ask it (again): (turn, pending name)."""
    answer: Callable[[TurnBase, str, Event], None]
    """Read the answer: (turn, pending name, event); `Session.pending` is already cleared."""


def _reminders() -> Question:
    return Question(reminders.ask, reminders.answer)


def _language(first: bool, again: bool) -> Question:
    if first:
        return Question(
            lambda t, _: language.ask_first(t),
            lambda t, _, e: language.answer_first(t, e, again=again),
        )
    return Question(
        lambda t, _: language.ask_change(t),
        lambda t, _, e: language.answer_change(t, e, again=again),
    )


QUESTIONS: dict[str, Question] = {
    "privacy": Question(
        lambda t, _: privacy_notice.ask(t), lambda t, _, e: privacy_notice.answer(t, e)
    ),
    "remind-offer": _reminders(),
    "remind-month": _reminders(),
    "reminded": _reminders(),
    "reminders": _reminders(),
    "place": Question(
        lambda t, _: locating.ask_place(t), lambda t, _, e: locating.answer_place(t, e)
    ),
    "commune": Question(locating.ask_commune, locating.answer_commune),
    "spelling": Question(locating.ask_commune, locating.answer_commune),
    "consent": Question(lambda t, _: t.ask_consent(), lambda t, _, e: t.answer_consent(e)),
    "note": Question(lambda t, _: t.ask_note(), lambda t, _, e: t.answer_note(e)),
    "leave": Question(lambda t, _: t.ask_leave(), lambda t, _, e: t.answer_leave(e)),
    "feedback": Question(lambda t, _: t.ask_feedback(), lambda t, _, e: t.answer_feedback(e)),
    "erase": Question(lambda t, _: t.ask_erase(), lambda t, _, e: t.answer_erase(e)),
    "first-language": _language(first=True, again=False),
    "first-language" + language.AGAIN: _language(first=True, again=True),
    "language": _language(first=False, again=False),
    "language" + language.AGAIN: _language(first=False, again=True),
}


def kind(name: str) -> str:
    return name.partition(":")[0]


def check(name: str | None) -> None:
    """Fail loudly when a step stores a system question the table does not know."""
    if name is not None and kind(name) not in QUESTIONS:
        raise UnknownPending(
            f"the engine stored the system question {name!r}, which bot/engine/pending.py "
            f"does not know; add it to QUESTIONS (known: {', '.join(sorted(QUESTIONS))})"
        )


def ask(turn: TurnBase, name: str) -> None:
    """Ask again the system question awaiting an answer (a stale one: nothing to ask)."""
    question = QUESTIONS.get(kind(name))
    if question is not None:
        question.ask(turn, name)


def answer(turn: TurnBase, event: Event) -> None:
    """The person answers the system question awaiting an answer."""
    name, turn.s.pending = turn.s.pending, None
    question = QUESTIONS.get(kind(name))
    if question is None:  # stored by an older version: ask again where the person was
        log.warning("unknown system question %r in a saved conversation: asked again", name)
        turn.resume()
        return
    question.answer(turn, name, event)
