"""The system commands (MENU, RETOUR, AIDE, LANGUE, STOP, OUBLI, DONNÉES, RAPPELS) and the
guards every message passes first (rate limit, length, secrets). Mixed into the turn
(`core.TurnBase`); pure like the rest of the engine."""

from __future__ import annotations

from bot.engine import privacy_notice, reminders, texts
from bot.engine.commands import Command, vital
from bot.engine.effects import Erase, Stop
from bot.engine.events import Event, Text
from bot.engine.session import Session
from bot.engine.trail import HELP
from bot.engine.turn import TurnBase
from bot.privacy.masking import mask

ERASE_KEY = "!erase"


class SystemCommands(TurnBase):
    def throttled(self, event: Event) -> bool:
        """Past the per-minute limit: one polite notice, then silence until the minute ends
        (but OUBLI, STOP and AIDE are always answered)."""
        s, now = self.s, self.now.timestamp()
        if now - s.window >= 60 or now < s.window:
            s.window, s.count, s.hushed = now, 0, False
        s.count += 1
        if s.count <= self.settings.rate_limit or vital(event, s.pending, self.tr):
            return False
        if not s.hushed:
            s.hushed = True
            self.say(texts.RATE_LIMITED)
        return True

    def screen(self, event: Text) -> Text:
        """Cut an oversized message and hide the secrets in it, before anything keeps it."""
        text = event.text
        if len(text) > self.settings.max_text:
            text = text[: self.settings.max_text]
            self.say(texts.TOO_LONG)
        text, masked = mask(text)
        if masked:
            self.say(texts.MASKED)
        return Text(text)

    def command(self, command: Command) -> None:
        s = self.s
        s.pending = None
        if s.ticket and command in (Command.MENU, Command.BACK, Command.HELP):
            if command is Command.MENU:
                s.pending = "leave"
                self.ask_leave()
            else:
                self.say(texts.RELAY_REMINDER)
            return
        if command is Command.MENU:
            self.restart()
        elif command is Command.BACK:
            self.go_back()
        elif command is Command.HELP:
            if s.flow and s.node:
                self.mark(HELP, s.node)
                s.remember(s.flow, s.node, None)
                s.push_back(s.flow, s.node)
            handoff = self.flows.flows[self.flows.handoff]
            self.enter(handoff.id, handoff.start)
        elif command is Command.LANGUAGE:
            s.pending = "language"
            self.ask_pending("language")
        elif command is Command.STOP:
            s.stopped = True
            s.reminders = {}  # the Stop effect ends them in the database too
            self.say(texts.STOPPED)
            self.effects.append(Stop())
        elif command is Command.REMINDERS:
            reminders.menu(self)
        elif command is Command.REMINDERS_OFF:
            reminders.stop_all(self)
            node = self.current()
            self.ask(node) if node is not None else self.restart()
        elif command is Command.ERASE:
            s.pending = "erase"
            self.ask_erase()
        elif command is Command.PRIVACY:
            privacy_notice.show(self)

    def ask_erase(self) -> None:
        choices = (self.tr.text(texts.ERASE_YES), self.tr.text(texts.ERASE_NO))
        self.add(self.tr.text(texts.ERASE_ASK), choices, key=ERASE_KEY)

    def answer_erase(self, event: Event) -> None:
        yes = [self.tr.text(texts.ERASE_YES), *self.tr.text(texts.YES_WORDS).split("|")]
        no = [self.tr.text(texts.ERASE_NO), *self.tr.text(texts.NO_WORDS).split("|")]
        if self.pick(event, ERASE_KEY, [yes, no]) == 0:
            self.say(texts.ERASE_DONE)
            self.s = Session()
            self.effects.append(Erase())
            return
        self.say(texts.ERASE_KEPT)
        self.resume()

    def resume(self) -> None:
        """Back to where the person was, after a system question."""
        node = self.current()
        if node is None:
            self.restart()
        else:
            self.ask(node)
