"""The flow dialogue: walking the nodes of the flows, answering questions and inputs,
going back. Mixed into the turn (`core.TurnBase`); pure like the rest of the engine."""

from __future__ import annotations

from bot.engine import locating, reminders, texts
from bot.engine.commands import Command
from bot.engine.events import Button, Event, Location, Media, Text, button_token
from bot.engine.matching import match_choice
from bot.engine.routing import known, route
from bot.engine.trail import ANSWERED, MISSED, REACHED
from bot.engine.turn import TurnBase
from bot.engine.validators import VALIDATORS
from bot.flows.model import End, Handoff, Input, Jump, Link, Message, Places, Question, Router
from bot.places.cards import fallback_text
from bot.text import clean

MAX_PASSING = 50
"""Nodes walked in one step at most; the checker refuses loops, this only guards bad data."""


class FlowSteps(TurnBase):
    def restart(self, text: str | None = None) -> None:
        """Back to the main menu; a first message naming a menu choice goes straight there."""
        s = self.s
        s.back, s.path, s.vars, s.misses, s.pending = [], [], {}, 0, None
        s.offered, s.place, s.where, s.communes, s.home = [], [], [], [], False
        main = self.flows.flows[self.flows.main]
        menu = main.nodes[main.start]
        if text and isinstance(menu, Question):
            s.flow, s.node = main.id, menu.id
            picked = match_choice(text, self.options(menu))
            if picked is not None and picked < len(menu.choices):
                self.mark(REACHED, menu.id)
                self.choose(menu, picked)
                return
        self.enter(main.id, main.start)

    def enter(self, flow_id: str, node_id: str) -> None:
        """Walk from a node through messages, links, routers and jumps to the next stop."""
        s = self.s
        for _ in range(MAX_PASSING):
            node = self.flows.get(flow_id, node_id)
            if node is None:
                break
            if isinstance(node, Jump):
                target = node.target(self.flows.flows)
                if target is None:
                    break
                flow_id, node_id = target
                continue
            if isinstance(node, Router):
                node_id = route(node, known(self.s, self.flows, flow_id, self.topic()))
                continue
            s.flow, s.node, s.misses = flow_id, node_id, 0
            self.mark(REACHED, node_id)
            if isinstance(node, Message):
                self.add(self.flow_text(node, node.text))
                node_id = node.next
            elif isinstance(node, Link):
                link = (self.flow_text(node, node.label), node.url)
                self.add(self.flow_text(node, node.text), link=link)
                node_id = node.next
            elif isinstance(node, Places) and not self.settings.places:
                self.add(fallback_text(self.topic(), self.tr, locator=self.settings.locator))
                node_id = node.next
            elif isinstance(node, Handoff):
                self.reach_handoff(node)
                return
            elif isinstance(node, End):
                if node.text:
                    self.add(self.flow_text(node, node.text))
                if not reminders.offer_after(self, flow_id, node_id):
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

    def choose(self, node: Question, index: int) -> None:
        if index >= len(node.choices):
            self.command(Command.HELP)
            return
        if node.choices[index].command:
            self.command(Command(node.choices[index].command))
            return
        self.mark(ANSWERED, node.id, index)
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
            locating.answer(self, node, event)
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
        self.mark(ANSWERED, node.id)
        self.s.remember(self.s.flow, node.id, value)
        self.s.push_back(self.s.flow, node.id)
        self.enter(self.s.flow, node.next)

    def miss(self, node: Question | Input, event: Event, retry: str | None = None) -> None:
        self.s.misses += 1
        typed = event.text if isinstance(event, Text) and isinstance(node, Question) else ""
        self.mark(MISSED, node.id, text=typed)
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
