"""What Relais keeps, told in two steps: the essentials, then the details if asked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.engine import reminders, texts
from bot.engine.events import Event, Text

if TYPE_CHECKING:
    from bot.engine.turn import TurnBase

PRIVACY_KEY = "!privacy"


def lines(turn: TurnBase, notice: tuple) -> str:
    """The notice's lines in the resident's language, with the operator's retention days."""
    settings = turn.settings
    days = {texts.KEPT_SESSIONS: settings.session_days, texts.KEPT_TICKETS: settings.ticket_days}
    out = []
    for line in notice:
        if isinstance(line, tuple):
            out.append(turn.tr.plural(line, days[line]).format(days=days[line]))
        else:
            out.append(turn.tr.text(line))
    return "\n".join(out)


def show(turn: TurnBase) -> None:
    """DONNÉES: the essentials, and a choice between the details and carrying on."""
    turn.s.pending = "privacy"
    ask(turn)


def ask(turn: TurnBase) -> None:
    choices = (turn.tr.text(texts.PRIVACY_MORE), turn.tr.text(texts.PRIVACY_CONTINUE))
    turn.add(lines(turn, texts.PRIVACY_NOTICE), choices, key=PRIVACY_KEY)


def answer(turn: TurnBase, event: Event) -> None:
    """Details, or back to where the person was; another answer is an answer to that."""
    more = [turn.tr.text(texts.PRIVACY_MORE), texts.PRIVACY_MORE]
    go_on = [turn.tr.text(texts.PRIVACY_CONTINUE), texts.PRIVACY_CONTINUE]
    picked = turn.pick(event, PRIVACY_KEY, [more, go_on])
    if picked == 0:
        turn.add(lines(turn, texts.PRIVACY_DETAILS))
        kept_reminders = reminders.privacy_lines(turn)
        if kept_reminders:
            turn.add("\n".join(kept_reminders))
    if picked is None and isinstance(event, Text):
        (turn.relay if turn.s.ticket else turn.answer)(event)
        return
    resume(turn)


def resume(turn: TurnBase) -> None:
    node = turn.current()
    if turn.s.ticket:
        turn.say(texts.RELAY_REMINDER)
    elif node is None:
        turn.restart()
    else:
        turn.ask(node)
