"""The engine: one pure step of a conversation. No I/O: the service stores and sends."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.engine import texts
from bot.engine.commands import Command, find_command
from bot.engine.events import Button, Event, Location, Media, Text, button_token
from bot.engine.matching import match_choice
from bot.engine.outcome import Effect, Outcome, PlaceView, Reply
from bot.engine.session import Session
from bot.engine.validators import VALIDATORS
from bot.flows import End, FlowSet, Handoff, Input, Jump, Link, Message, Node, Places, Question
from bot.i18n import Catalogs, Translator
from bot.languages import SOURCE_LANGUAGE, native_name
from bot.places import PlaceIndex, card, fallback_text, venue
from bot.text import clean

ERASE_KEY = "!erase"
LANGUAGE_KEY = "!language"
MAX_PASSING = 50
"""Nodes walked in one step at most; the checker refuses loops, this only guards bad data."""


@dataclass(frozen=True)
class Engine:
    flows: FlowSet
    catalogs: Catalogs = field(default_factory=Catalogs)
    idle_after: timedelta = timedelta(hours=24)
    places: PlaceIndex | None = None
    """Help places, loaded once at start-up: looking them up does no I/O."""

    def step(self, session: Session, event: Event, now: datetime) -> Outcome:
        turn = _Turn(self, dataclasses.replace(session), now)
        turn.run(event)
        return Outcome(tuple(turn.replies), turn.s, tuple(turn.effects))

    def choices(self, session: Session) -> tuple[str | None, tuple[str, ...]]:
        """The buttons the resident has in front of them now: (question key, labels)."""
        turn = _Turn(self, session, datetime.now().astimezone())
        if session.pending == "language":
            turn.ask_language()
        elif session.pending == "first-language":
            turn.ask_first_language()
        elif session.pending == "erase":
            turn.ask_erase()
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


class _Turn:
    """The work of one step: the state being changed, the replies and effects gathered."""

    def __init__(self, engine: Engine, session: Session, now: datetime) -> None:
        self.now = now
        self.flows = engine.flows
        self.engine = engine
        self.s = session
        self.tr: Translator = engine.catalogs.get(session.lang)
        self.replies: list[Reply] = []
        self.effects: list[Effect] = []

    # -- entry ------------------------------------------------------------------------------

    def run(self, event: Event) -> None:
        s, now = self.s, self.now
        new = s.is_new
        idle = not new and now.timestamp() - s.last_seen > self.engine.idle_after.total_seconds()
        was_stopped = s.stopped
        s.last_seen = now.timestamp()
        if was_stopped:
            s.stopped = False
            self.effects.append(Effect("start"))
        text = event.text if isinstance(event, Text) else None
        command = find_command(text, self.tr) if text is not None else None
        if self.current() is None:
            main = self.flows.flows[self.flows.main]
            s.flow, s.node = main.id, main.start
        if not s.lang:
            if new and command is None and len(self.engine.catalogs.languages) > 1:
                self.ask_first_language()
                return
            s.lang = SOURCE_LANGUAGE
        if command is not None:
            if new:
                self.say(texts.WELCOME)
            self.command(command)
        elif new or idle or was_stopped:
            greeting = texts.WELCOME if new else texts.WELCOME_BACK if idle else texts.RESTARTED
            self.say(greeting)
            self.restart(text)
        elif s.pending:
            self.answer_pending(event)
        else:
            self.answer(event)

    def current(self) -> Node | None:
        return self.flows.get(self.s.flow, self.s.node)

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

    # -- moving -----------------------------------------------------------------------------

    def restart(self, text: str | None = None) -> None:
        """Back to the main menu; a first message naming a menu choice goes straight there."""
        s = self.s
        s.back, s.path, s.vars, s.misses, s.pending = [], [], {}, 0, None
        main = self.flows.flows[self.flows.main]
        menu = main.nodes[main.start]
        if text and isinstance(menu, Question):
            s.flow, s.node = main.id, menu.id
            picked = match_choice(text, self.options(menu))
            if picked is not None and picked < len(menu.choices):
                self.choose(menu, picked)
                return
        self.enter(main.id, main.start)

    def enter(self, flow_id: str, node_id: str) -> None:
        """Walk from a node through messages, links and jumps to the next stop."""
        s = self.s
        for _ in range(MAX_PASSING):
            node = self.flows.get(flow_id, node_id)
            if node is None:
                break
            if isinstance(node, Jump):
                flow_id = node.flow
                node_id = node.node or self.flows.flows[node.flow].start
                continue
            s.flow, s.node, s.misses = flow_id, node_id, 0
            if isinstance(node, Message):
                self.add(self.flow_text(node, node.text))
                node_id = node.next
            elif isinstance(node, Link):
                link = (self.flow_text(node, node.label), node.url)
                self.add(self.flow_text(node, node.text), link=link)
                node_id = node.next
            elif isinstance(node, Places) and not self.engine.places:
                self.add(fallback_text(self.topic(), self.tr))
                node_id = node.next
            elif isinstance(node, Handoff):
                if node.text:
                    self.add(self.flow_text(node, node.text))
                self.effects.append(Effect("handoff", self.handoff_data()))
                return
            elif isinstance(node, End):
                if node.text:
                    self.add(self.flow_text(node, node.text))
                self.ask(node)
                return
            else:
                self.ask(node)
                return
        main = self.flows.flows[self.flows.main]
        s.flow, s.node = main.id, main.start
        self.ask(main.nodes[main.start])

    def topic(self) -> str:
        """The administration the person was dealing with most recently (or "other")."""
        topics = [
            self.step_topic(*step) for step in [*self.s.path, [self.s.flow, self.s.node, None]]
        ]
        return next((t for t in reversed(topics) if t not in (None, "other")), "other")

    def step_topic(self, flow_id: str, node_id: str, answer: int | str | None) -> str | None:
        node = self.flows.get(flow_id, node_id)
        if node is None:
            return None
        picked = isinstance(node, Question) and isinstance(answer, int)
        if picked and answer < len(node.choices) and node.choices[answer].topic:
            return node.choices[answer].topic
        return self.flows.flows[flow_id].topic

    def handoff_data(self) -> dict:
        """What the mediator needs: the topic, the path taken and where the person got stuck."""
        stuck = next((step for step in reversed(self.s.path) if step[2] is None), None)
        return {"topic": self.topic(), "lang": self.lang, "path": self.s.path, "stuck": stuck}

    def choose(self, node: Question, index: int) -> None:
        if index >= len(node.choices):
            self.command(Command.HELP)
            return
        self.s.remember(self.s.flow, node.id, index)
        self.s.push_back(self.s.flow, node.id)
        self.enter(self.s.flow, node.choices[index].next)

    # -- answers ----------------------------------------------------------------------------

    def answer(self, event: Event) -> None:
        node = self.current()
        if isinstance(node, Question):
            self.answer_question(node, event)
        elif isinstance(node, Input):
            self.answer_input(node, event)
        elif isinstance(node, Places):
            self.answer_places(node, event)
        else:
            self.restart(event.text if isinstance(event, Text) else None)

    def answer_question(self, node: Question, event: Event) -> None:
        options = self.options(node)
        if isinstance(event, Button):
            key = f"{self.s.flow}/{node.id}"
            if event.key not in (key, button_token(key)) or not 0 <= event.choice < len(options):
                self.say(texts.STALE_BUTTON)
                self.ask(node)
                return
            self.choose(node, event.choice)
            return
        picked = match_choice(event.text, options) if isinstance(event, Text) else None
        if picked is None:
            self.miss(node, event)
        else:
            self.choose(node, picked)

    def answer_input(self, node: Input, event: Event) -> None:
        if isinstance(event, Button):
            self.say(texts.STALE_BUTTON)
            self.ask(node)
            return
        validate, default_retry = VALIDATORS[node.validate]
        value = validate(event.text, self.tr) if isinstance(event, Text) else None
        if value is None:
            retry = self.flow_text(node, node.retry) if node.retry else default_retry
            self.miss(node, event, retry)
            return
        if node.save:
            self.s.vars = {**self.s.vars, node.save: value}
        self.s.remember(self.s.flow, node.id, value)
        self.s.push_back(self.s.flow, node.id)
        self.enter(self.s.flow, node.next)

    def answer_places(self, node: Places, event: Event) -> None:
        index = self.engine.places
        if isinstance(event, Text):
            where = index.resolve(event.text)
        elif isinstance(event, Location):
            where = index.at(event.lat, event.lon)
        else:
            self.say(texts.NOT_TEXT if isinstance(event, Media) else texts.STALE_BUTTON)
            self.ask(node)
            return
        if where is None:
            self.s.misses += 1
            if self.s.misses < 2:
                self.say(texts.PLACE_NOT_FOUND)
                self.ask(node)
                return
            self.add(fallback_text(self.topic(), self.tr))
        else:
            self.show_places(where)
        self.s.remember(self.s.flow, node.id, where.postal_code or where.label if where else "")
        self.s.push_back(self.s.flow, node.id)
        self.enter(self.s.flow, node.next)

    def show_places(self, where) -> None:
        ranked = self.engine.places.nearest(where, self.topic(), self.lang, self.now)
        if not ranked:
            self.add(fallback_text(self.topic(), self.tr))
            return
        self.add(self.tr.text(texts.PLACES_NEAR).format(place=where.label))
        for found in ranked:
            compact = card(found, self.lang, self.now, translator=self.tr, compact=True)
            view = PlaceView(compact, **venue(found))
            self.add(card(found, self.lang, self.now, translator=self.tr), place=view)

    def miss(self, node: Question | Input, event: Event, retry: str | None = None) -> None:
        self.s.misses += 1
        if isinstance(event, Location):
            self.say(texts.NO_LOCATION_HERE)
        elif isinstance(event, Media):
            self.say(texts.NOT_TEXT)
        elif isinstance(event, Text) and not clean(event.text):
            self.say(texts.EMPTY_MESSAGE)
        elif retry:
            self.say(retry)
        else:
            self.say(texts.NOT_UNDERSTOOD)
        self.ask(node)

    # -- commands and system questions ------------------------------------------------------

    def command(self, command: Command) -> None:
        s = self.s
        s.pending = None
        if command is Command.MENU:
            self.restart()
        elif command is Command.BACK:
            self.go_back()
        elif command is Command.HELP:
            if s.flow and s.node:
                s.remember(s.flow, s.node, None)
                s.push_back(s.flow, s.node)
            handoff = self.flows.flows[self.flows.handoff]
            self.enter(handoff.id, handoff.start)
        elif command is Command.LANGUAGE:
            s.pending = "language"
            self.ask_language()
        elif command is Command.STOP:
            s.stopped = True
            self.say(texts.STOPPED)
            self.effects.append(Effect("stop"))
        elif command is Command.ERASE:
            s.pending = "erase"
            self.ask_erase()

    def go_back(self) -> None:
        s = self.s
        back = [step for step in s.back if self.flows.get(*step) is not None]
        while back and back[-1] == [s.flow, s.node]:
            back = back[:-1]
        if not back:
            self.say(texts.NOTHING_BEFORE)
            self.restart()
            return
        (s.flow, s.node), s.back, s.misses = back[-1], back[:-1], 0
        self.ask(self.current())

    def ask_language(self) -> None:
        names = tuple(native_name(code) for code in self.engine.catalogs.languages)
        self.add(self.tr.text(texts.LANGUAGE_ASK), names, key=LANGUAGE_KEY)

    def ask_first_language(self) -> None:
        """Before anything else on a channel that does not say the language: the list, each
        language written in its own script."""
        self.s.pending = "first-language"
        names = tuple(native_name(code) for code in self.engine.catalogs.languages)
        self.add(texts.FIRST_LANGUAGE_ASK, names, key=LANGUAGE_KEY)

    def ask_erase(self) -> None:
        choices = (self.tr.text(texts.ERASE_YES), self.tr.text(texts.ERASE_NO))
        self.add(self.tr.text(texts.ERASE_ASK), choices, key=ERASE_KEY)

    def answer_pending(self, event: Event) -> None:
        s = self.s
        pending, s.pending = s.pending, None
        if pending == "first-language":
            codes = self.engine.catalogs.languages
            picked = self.pick(event, LANGUAGE_KEY, [[native_name(c), c] for c in codes])
            s.lang = codes[picked] if picked is not None else SOURCE_LANGUAGE
            self.tr = self.engine.catalogs.get(s.lang)
            self.effects.append(Effect("language", {"lang": s.lang}))
            self.say(texts.WELCOME)
            chosen = picked is not None or not isinstance(event, Text)
            self.restart(None if chosen else event.text)
            return
        if pending == "language":
            codes = self.engine.catalogs.languages
            picked = self.pick(event, LANGUAGE_KEY, [[native_name(c), c] for c in codes])
            if picked is None:
                s.pending = "language"
                self.say(texts.NOT_UNDERSTOOD)
                self.ask_language()
                return
            s.lang = codes[picked]
            self.tr = self.engine.catalogs.get(s.lang)
            self.effects.append(Effect("language", {"lang": s.lang}))
            self.say(texts.LANGUAGE_SET)
        elif pending == "erase":
            yes = [self.tr.text(texts.ERASE_YES), *self.tr.text(texts.YES_WORDS).split("|")]
            no = [self.tr.text(texts.ERASE_NO), *self.tr.text(texts.NO_WORDS).split("|")]
            if self.pick(event, ERASE_KEY, [yes, no]) == 0:
                self.say(texts.ERASE_DONE)
                self.s = Session()
                self.effects.append(Effect("erase"))
                return
            self.say(texts.ERASE_KEPT)
        node = self.current()
        if node is None:
            self.restart()
        else:
            self.ask(node)

    def pick(self, event: Event, key: str, options: list[list[str]]) -> int | None:
        if isinstance(event, Button):
            fits = event.key in (key, button_token(key)) and 0 <= event.choice < len(options)
            return event.choice if fits else None
        if isinstance(event, Text):
            return match_choice(event.text, options)
        return None
