"""The work of one step: the state being changed, and the replies, effects and marks gathered.

The dialogues (flow steps, system commands, the hand-off) are mixed into `_Turn` in
`core.py`; this base holds what all of them use to look at the state and to answer, and
names (for type checking only) the methods one dialogue calls on another: the dialogues
written as functions (`language.py`, `locating.py`...) take a `TurnBase`, so nothing here
imports `core.py`, which imports them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING

from bot.engine import texts
from bot.engine.effects import Effect
from bot.engine.events import Button, Event, Text, button_token
from bot.engine.matching import match_choice
from bot.engine.outcome import Reply
from bot.engine.session import Session
from bot.engine.settings import EngineSettings
from bot.engine.trail import Mark
from bot.flows.model import Input, Node, Places, Question
from bot.i18n import Translator
from bot.languages import SOURCE_LANGUAGE


class TurnBase:
    def __init__(
        self,
        settings: EngineSettings,
        session: Session,
        now: datetime,
        covered: Collection[str] = (),
    ) -> None:
        self.now = now
        self.covered = covered
        self.flows = settings.flows
        self.settings = settings
        self.s = session
        self.tr: Translator = settings.catalogs.get(session.lang)
        self.replies: list[Reply] = []
        self.effects: list[Effect] = []
        self.marks: list[Mark] = []

    def current(self) -> Node | None:
        return self.flows.get(self.s.flow, self.s.node)

    def mark(self, kind: str, node_id: str, choice: int | None = None, text: str = "") -> None:
        """Note for the statistics what happened at a node of the current flow."""
        self.marks.append(Mark(kind, self.s.flow, node_id, choice, text))

    # -- replies ----------------------------------------------------------------------------

    @property
    def lang(self) -> str:
        return self.s.lang or SOURCE_LANGUAGE

    def add(self, text: str, choices: tuple[str, ...] = (), **kwargs) -> None:
        self.replies.append(Reply(text, choices, lang=self.lang, **kwargs))

    def say(self, message: str, **kwargs) -> None:
        """A bot text, in the resident's language."""
        self.add(self.tr.text(message), **kwargs)

    def flow_text(self, node: Node, message: str, flow_id: str | None = None) -> str:
        return self.tr.text(message, f"{flow_id or self.s.flow}/{node.id}")

    def options(self, node: Question) -> list[list[str]]:
        """What selects each choice, in the resident's language and in French."""
        options = []
        for choice in node.choices:
            words = "|".join(choice.words)
            translated = self.flow_text(node, words).split("|") if words else []
            label = self.flow_text(node, choice.label)
            options.append([label, choice.label, *choice.words, *translated])
        if self.s.misses >= 2:
            options.append([self.tr.text(texts.OFFER_PERSON), texts.OFFER_PERSON])
        return options

    def ask(self, node: Node) -> None:
        """Show the waiting node the resident is at (again)."""
        if isinstance(node, Question):
            labels = tuple(options[0] for options in self.options(node))
            key = f"{self.s.flow}/{node.id}"
            self.add(self.flow_text(node, node.text), labels, key=key)
        elif isinstance(node, Input):
            self.add(self.flow_text(node, node.text))
            if self.s.misses >= 2:
                self.say(texts.TYPE_HELP)
        elif isinstance(node, Places):
            self.add(self.flow_text(node, node.text), ask_location=True)
        else:
            self.say(texts.CONTINUE)

    # -- answers to system questions --------------------------------------------------------

    def pick(self, event: Event, key: str, options: list[list[str]]) -> int | None:
        if isinstance(event, Button):
            fits = event.key in (key, button_token(key)) and 0 <= event.choice < len(options)
            return event.choice if fits else None
        if isinstance(event, Text):
            return match_choice(event.text, options)
        return None

    def yes_no(self, event: Event, key: str, yes_label: str) -> int | None:
        yes = [self.tr.text(yes_label), yes_label, *self.tr.text(texts.YES_WORDS).split("|")]
        no = [self.tr.text(texts.NO), texts.NO, *self.tr.text(texts.NO_WORDS).split("|")]
        return self.pick(event, key, [yes, no])

    if TYPE_CHECKING:  # defined by the dialogues mixed in `core._Turn`, called across them

        def restart(self, text: str | None = None) -> None: ...  # flow_steps.py
        def enter(self, flow_id: str, node_id: str) -> None: ...
        def topic(self) -> str: ...
        def answer(self, event: Event) -> None: ...
        def resume(self) -> None: ...  # system.py
        def ask_erase(self) -> None: ...
        def answer_erase(self, event: Event) -> None: ...
        def relay(self, event: Event) -> None: ...  # handover.py
        def ask_consent(self) -> None: ...
        def answer_consent(self, event: Event) -> None: ...
        def ask_note(self) -> None: ...
        def answer_note(self, event: Event) -> None: ...
        def ask_leave(self) -> None: ...
        def answer_leave(self, event: Event) -> None: ...
        def ask_feedback(self) -> None: ...
        def answer_feedback(self, event: Event) -> None: ...
