"""The engine: one pure step of a conversation. No I/O: the service stores and sends.

`Engine` is the entry point. The work of one step is a `_Turn`, made of the dialogues:
flow steps (`flow_steps.py`), system commands (`system.py`), the hand-off (`handover.py`),
the system questions awaiting an answer (`pending.py`), and the dialogues written as
functions of the turn (`language.py`, `locating.py`, `reminders.py`, `privacy_notice.py`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from bot.engine import language, pending, reminders, texts
from bot.engine.commands import Command, find_command
from bot.engine.effects import Start
from bot.engine.events import Event, Text, TicketEvent
from bot.engine.flow_steps import FlowSteps
from bot.engine.handover import HandOver
from bot.engine.outcome import Outcome
from bot.engine.session import Session
from bot.engine.settings import EngineSettings
from bot.engine.system import SystemCommands
from bot.flows.model import Question
from bot.languages import SOURCE_LANGUAGE


@dataclass(frozen=True)
class Engine(EngineSettings):
    """The settings (`settings.py`) and the step made with them."""

    def step(
        self, session: Session, event: Event, now: datetime, covered: Collection[str] = ()
    ) -> Outcome:
        """One event in a conversation. `covered`: the keys of the places whose mediators
        receive tickets (the service reads them from the database)."""
        turn = _Turn(self, dataclasses.replace(session), now, covered)
        if isinstance(event, TicketEvent):
            turn.ticket_event(event)
        elif isinstance(event, reminders.ReminderDue):
            reminders.due(turn, event)
        else:
            turn.run(event)
        if turn.s.pending != session.pending:
            pending.check(turn.s.pending)
        return Outcome(tuple(turn.replies), turn.s, tuple(turn.effects), tuple(turn.marks))

    def choices(self, session: Session, now: datetime) -> tuple[str | None, tuple[str, ...]]:
        """The buttons the resident has in front of them now: (question key, labels)."""
        turn = _Turn(self, session, now)
        if session.pending:
            turn.ask_pending(session.pending)
        elif isinstance(turn.current(), Question):
            turn.ask(turn.current())
        asked = [r for r in turn.replies if r.key]
        return (asked[-1].key, asked[-1].choices) if asked else (None, ())

    def start_language(self, reported: str | None) -> str:
        """The language of a new conversation from what the phone app reports.

        Empty when nothing is reported (SMS): the first reply then asks for it. French when
        the reported language is one Relais does not have.
        """
        if reported is None:
            return "" if len(self.catalogs.languages) > 1 else SOURCE_LANGUAGE
        return self.catalogs.negotiate(reported) or SOURCE_LANGUAGE


class _Turn(FlowSteps, SystemCommands, HandOver):
    """One step: the dialogues mixed together over the state being changed."""

    def run(self, event: Event) -> None:
        s, now = self.s, self.now
        if self.throttled(event):
            return
        if isinstance(event, Text):
            event = self.screen(event)
        new = s.is_new
        idle = not new and now.timestamp() - s.last_seen > self.settings.idle_after.total_seconds()
        was_stopped = s.stopped
        s.last_seen = now.timestamp()
        if was_stopped:
            s.stopped = False
            self.effects.append(Start())
        text = event.text if isinstance(event, Text) else None
        command = find_command(text, self.tr) if text is not None else None
        if self.current() is None:
            main = self.flows.flows[self.flows.main]
            s.flow, s.node = main.id, main.start
        if not s.lang:
            asking = command in (None, Command.LANGUAGE)
            if new and asking and len(self.settings.catalogs.languages) > 1:
                language.first_contact(self, text)
                return
            s.lang = SOURCE_LANGUAGE
        if command is not None:
            if new:
                self.say(texts.WELCOME)
            self.command(command)
        elif s.ticket and not s.pending:
            self.relay(event)
        elif new or idle or was_stopped:
            greeting = texts.WELCOME if new else texts.WELCOME_BACK if idle else texts.RESTARTED
            self.say(greeting)
            self.restart(text)
        elif s.pending:
            pending.answer(self, event)
        else:
            self.answer(event)

    def ask_pending(self, name: str) -> None:
        """Ask again the system question awaiting an answer."""
        pending.ask(self, name)
