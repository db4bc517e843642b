"""The engine: one pure step of a conversation. No I/O: the service stores and sends."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.engine import helping, language, locating, privacy_notice, reminders, texts
from bot.engine.commands import Command, find_command, vital
from bot.engine.events import (
    Button,
    Event,
    Location,
    Media,
    MediatorSaid,
    Text,
    TicketClosed,
    TicketEvent,
    TicketOpened,
    TicketRefused,
    button_token,
)
from bot.engine.matching import match_choice
from bot.engine.outcome import Effect, Outcome, Reply
from bot.engine.routing import known, route
from bot.engine.session import Session
from bot.engine.trail import ANSWERED, HELP, MISSED, REACHED, Mark
from bot.engine.validators import VALIDATORS
from bot.flows import (
    End,
    FlowSet,
    Handoff,
    Input,
    Jump,
    Link,
    Message,
    Node,
    Places,
    Question,
    Router,
)
from bot.i18n import Catalogs, Translator
from bot.languages import SOURCE_LANGUAGE
from bot.places import PlaceIndex, fallback_text
from bot.places.cards import PHONE_LINES
from bot.privacy.masking import mask
from bot.reminders.deadlines import Deadlines
from bot.text import clean

ERASE_KEY = "!erase"
LANGUAGE_KEY = language.LANGUAGE_KEY
PLACE_KEY = locating.PLACE_KEY
CONSENT_KEY = "!consent"
NOTE_KEY = "!note"
LEAVE_KEY = "!leave"
FEEDBACK_KEY = "!feedback"
MAX_PASSING = 50
"""Nodes walked in one step at most; the checker refuses loops, this only guards bad data."""


@dataclass(frozen=True)
class Engine:
    flows: FlowSet
    catalogs: Catalogs = field(default_factory=Catalogs)
    idle_after: timedelta = timedelta(hours=24)
    places: PlaceIndex | None = None
    """Help places, loaded once at start-up: looking them up does no I/O."""
    rate_limit: int = 20
    """Messages a minute one person may send; beyond, one notice, then silence."""
    max_text: int = 1000
    """Characters of a message kept; a longer one is cut, and the person told."""
    session_days: int = 30
    ticket_days: int = 365
    """What the privacy notice says is kept (the operator's retention settings)."""
    deadlines: Deadlines | None = None
    """The deadlines residents can be reminded of (flows/deadlines.yaml); None: no reminders."""
    locator: str = ""
    """The France Services locator said when no place is near (Settings.france_services_url)."""

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
        return Outcome(tuple(turn.replies), turn.s, tuple(turn.effects), tuple(turn.marks))

    def choices(self, session: Session) -> tuple[str | None, tuple[str, ...]]:
        """The buttons the resident has in front of them now: (question key, labels)."""
        turn = _Turn(self, session, datetime.now().astimezone())
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


class _Turn:
    """The work of one step: the state being changed, the replies and effects gathered."""

    def __init__(
        self, engine: Engine, session: Session, now: datetime, covered: Collection[str] = ()
    ) -> None:
        self.now = now
        self.covered = covered
        self.flows = engine.flows
        self.engine = engine
        self.s = session
        self.tr: Translator = engine.catalogs.get(session.lang)
        self.replies: list[Reply] = []
        self.effects: list[Effect] = []
        self.marks: list[Mark] = []

    # -- entry ------------------------------------------------------------------------------

    def run(self, event: Event) -> None:
        s, now = self.s, self.now
        if self.throttled(event):
            return
        if isinstance(event, Text):
            event = self.screen(event)
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
            asking = command in (None, Command.LANGUAGE)
            if new and asking and len(self.engine.catalogs.languages) > 1:
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
            self.answer_pending(event)
        else:
            self.answer(event)

    def current(self) -> Node | None:
        return self.flows.get(self.s.flow, self.s.node)

    def throttled(self, event: Event) -> bool:
        """Past the per-minute limit: one polite notice, then silence until the minute ends
        (but OUBLI, STOP and AIDE are always answered)."""
        s, now = self.s, self.now.timestamp()
        if now - s.window >= 60 or now < s.window:
            s.window, s.count, s.hushed = now, 0, False
        s.count += 1
        if s.count <= self.engine.rate_limit or vital(event, s.pending, self.tr):
            return False
        if not s.hushed:
            s.hushed = True
            self.say(texts.RATE_LIMITED)
        return True

    def screen(self, event: Text) -> Text:
        """Cut an oversized message and hide the secrets in it, before anything keeps it."""
        text = event.text
        if len(text) > self.engine.max_text:
            text = text[: self.engine.max_text]
            self.say(texts.TOO_LONG)
        text, masked = mask(text)
        if masked:
            self.say(texts.MASKED)
        return Text(text)

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

    # -- moving -----------------------------------------------------------------------------

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
                flow_id = node.flow
                node_id = node.node or self.flows.flows[node.flow].start
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
            elif isinstance(node, Places) and not self.engine.places:
                self.add(fallback_text(self.topic(), self.tr, locator=self.engine.locator))
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

    def handoff_data(self, note: str) -> dict:
        """What the mediator needs: the topic, the path taken, where the person got stuck,
        the place they picked and their own words."""
        stuck = next((step for step in reversed(self.s.path) if step[2] is None), None)
        return {
            "topic": self.topic(),
            "lang": self.lang,
            "path": self.s.path,
            "stuck": stuck,
            "place": self.s.place[:2],
            "note": note,
            "helping": helping.is_helping(self),
        }

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
        self.mark(ANSWERED, node.id)
        self.s.remember(self.s.flow, node.id, value)
        self.s.push_back(self.s.flow, node.id)
        self.enter(self.s.flow, node.next)

    def answer_places(self, node: Places, event: Event) -> None:
        locating.answer(self, node, event)

    def show_picked_place(self) -> None:
        locating.show_picked_place(self)

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

    # -- commands and system questions ------------------------------------------------------

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
            self.ask_language()
        elif command is Command.STOP:
            s.stopped = True
            s.reminders = {}  # the "stop" effect ends them in the database too
            self.say(texts.STOPPED)
            self.effects.append(Effect("stop"))
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

    def ask_privacy(self) -> None:
        privacy_notice.ask(self)

    def ask_language(self) -> None:
        language.ask_change(self)

    def ask_first_language(self) -> None:
        language.ask_first(self)

    def ask_erase(self) -> None:
        choices = (self.tr.text(texts.ERASE_YES), self.tr.text(texts.ERASE_NO))
        self.add(self.tr.text(texts.ERASE_ASK), choices, key=ERASE_KEY)

    def answer_pending(self, event: Event) -> None:
        s = self.s
        pending, s.pending = s.pending, None
        if pending == "privacy":
            privacy_notice.answer(self, event)
            return
        if pending.startswith("remind"):
            reminders.answer(self, pending, event)
            return
        if pending in ("place", "consent", "note", "leave", "feedback"):
            getattr(self, f"answer_{pending}")(event)
            return
        if pending in locating.PENDING:
            locating.answer_commune(self, pending, event)
            return
        if pending.startswith("first-language"):
            language.answer_first(self, event, again=pending.endswith(language.AGAIN))
            return
        if pending.startswith("language"):
            language.answer_change(self, event, again=pending.endswith(language.AGAIN))
            return
        if pending == "erase":
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

    # -- hand-off to a person -----------------------------------------------------------------

    def ask_pending(self, pending: str) -> None:
        """Ask again the system question awaiting an answer."""
        if pending in locating.PENDING:
            locating.ask_commune(self, pending)
            return
        if pending.startswith("remind"):
            reminders.ask(self, pending)
            return
        getattr(self, f"ask_{pending.removesuffix(language.AGAIN).replace('-', '_')}")()

    def handoff_node(self) -> Handoff | None:
        handoff = self.flows.flows[self.flows.handoff]
        node = next((n for n in handoff.nodes.values() if isinstance(n, Handoff)), None)
        current = self.current()
        return current if isinstance(current, Handoff) else node

    def handoff_end(self) -> None:
        """The hand-off node's own words, said once the hand-off is settled."""
        node = self.handoff_node()
        if node is not None and node.text:
            flow = self.s.flow if isinstance(self.current(), Handoff) else self.flows.handoff
            self.add(self.flow_text(node, node.text, flow))

    def reach_handoff(self, node: Handoff) -> None:
        """Consent is asked only when the picked place has mediators who receive tickets."""
        if self.s.place and self.s.place[0] in self.covered:
            self.s.pending = "consent"
            self.ask_consent()
            return
        if self.s.place:
            self.say(texts.NOT_RECEIVING)
            self.handoff_end()
            return
        # No place: none of those offered suited, or none is known near (the cards' fallback
        # gave the phone line already).
        if self.s.offered and self.topic() in PHONE_LINES:
            self.say(PHONE_LINES[self.topic()])
        self.say(texts.CONTINUE)

    def ask_place(self) -> None:
        locating.ask_place(self)

    def answer_place(self, event: Event) -> None:
        locating.answer_place(self, event)

    def ask_consent(self) -> None:
        question, choices = helping.consent_question(
            self, texts.CONSENT_ASK, texts.CONSENT_YES, texts.NO
        )
        self.add(question.format(place=self.s.place[1]), choices, key=CONSENT_KEY)

    def yes_no(self, event: Event, key: str, yes_label: str) -> int | None:
        yes = [self.tr.text(yes_label), yes_label, *self.tr.text(texts.YES_WORDS).split("|")]
        no = [self.tr.text(texts.NO), texts.NO, *self.tr.text(texts.NO_WORDS).split("|")]
        return self.pick(event, key, [yes, no])

    def answer_consent(self, event: Event) -> None:
        answer = self.yes_no(event, CONSENT_KEY, texts.CONSENT_YES)
        if answer is None and helping.chose_helping(
            self, event, CONSENT_KEY, texts.CONSENT_YES, texts.NO
        ):
            self.s.pending = "consent"
            self.ask_consent()
        elif answer is None:
            self.s.pending = "consent"
            self.say(texts.NOT_UNDERSTOOD)
            self.ask_consent()
        elif answer == 0:
            self.s.pending = "note"
            self.ask_note()
        else:
            self.say(texts.NOTHING_SENT)
            self.show_picked_place()
            if self.topic() in PHONE_LINES:
                self.say(PHONE_LINES[self.topic()])
            self.handoff_end()

    def ask_note(self) -> None:
        self.say(texts.NEVER_SEND)
        self.add(self.tr.text(texts.NOTE_ASK), (self.tr.text(texts.NOTE_SKIP),), key=NOTE_KEY)

    def answer_note(self, event: Event) -> None:
        skip = self.pick(event, NOTE_KEY, [[self.tr.text(texts.NOTE_SKIP), texts.NOTE_SKIP]])
        note = clean(event.text) if isinstance(event, Text) and skip is None else ""
        if skip is None and not note:
            self.s.pending = "note"
            if isinstance(event, Button):
                self.say(texts.STALE_BUTTON)
            else:
                self.say(texts.EMPTY_MESSAGE if isinstance(event, Text) else texts.NOT_TEXT)
            self.ask_note()
            return
        self.effects.append(Effect("handoff", self.handoff_data(note)))

    def relay(self, event: Event) -> None:
        """While a ticket is open, the resident's words go to the mediator, not the flows."""
        s = self.s
        if isinstance(event, Text) and clean(event.text):
            self.effects.append(Effect("relay", {"code": s.ticket, "text": event.text}))
            if not s.relayed:
                s.relayed = True
                self.say(texts.RELAYED)
        elif isinstance(event, Media):
            self.say(texts.NOT_TEXT)
        elif isinstance(event, Location):
            self.say(texts.NO_LOCATION_HERE)
        elif isinstance(event, Text):
            self.say(texts.EMPTY_MESSAGE)
        else:
            self.say(texts.RELAY_REMINDER)

    def ask_leave(self) -> None:
        choices = (self.tr.text(texts.LEAVE_YES), self.tr.text(texts.LEAVE_NO))
        self.add(self.tr.text(texts.LEAVE_ASK), choices, key=LEAVE_KEY)

    def answer_leave(self, event: Event) -> None:
        if self.yes_no(event, LEAVE_KEY, texts.LEAVE_YES) == 0:
            self.effects.append(Effect("leave", {"code": self.s.ticket}))
            self.s.ticket, self.s.relayed = "", False
            self.restart()
        else:
            self.say(texts.STAY)

    def ask_feedback(self) -> None:
        choices = (self.tr.text(texts.YES), self.tr.text(texts.NO))
        self.add(self.tr.text(texts.FEEDBACK_ASK), choices, key=FEEDBACK_KEY)

    def answer_feedback(self, event: Event) -> None:
        answer = self.yes_no(event, FEEDBACK_KEY, texts.YES)
        code, self.s.closed = self.s.closed, ""
        if answer is None:
            self.restart(event.text if isinstance(event, Text) else None)
            return
        self.effects.append(Effect("feedback", {"code": code, "helped": answer == 0}))
        self.say(texts.THANKS)
        self.restart()

    def ticket_event(self, event: TicketEvent) -> None:
        """What the service reports about the ticket; the resident's last visit is unchanged."""
        s = self.s
        if s.is_new:  # the person erased everything meanwhile: nothing to tell them
            if isinstance(event, MediatorSaid | TicketClosed):
                kind = "said" if isinstance(event, MediatorSaid) else "closed"
                self.effects.append(Effect(kind, {"code": event.code, "delivered": False}))
            return
        if self.current() is None:
            main = self.flows.flows[self.flows.main]
            s.flow, s.node = main.id, main.start
        if isinstance(event, TicketOpened):
            s.ticket, s.relayed, s.pending = event.code, False, None
            self.add(self.tr.text(texts.TICKET_OPENED).format(code=event.code))
            self.show_picked_place()
            self.say(texts.RELAY_INFO)
            self.handoff_end()
        elif isinstance(event, TicketRefused):
            self.say(texts.NOT_RECEIVING)
            self.show_picked_place()
            self.handoff_end()
        elif isinstance(event, MediatorSaid):
            delivered = bool(s.ticket) and s.ticket == event.code and bool(event.text.strip())
            said = {"code": event.code, "name": event.name, "text": event.text}
            self.effects.append(Effect("said", {**said, "delivered": delivered}))
            if delivered:
                self.add(self.tr.text(texts.FROM_MEDIATOR).format(name=event.name))
                # The mediator's own words, in whatever script: the phone lays them out.
                self.replies.append(Reply(event.text, lang=SOURCE_LANGUAGE))
        elif isinstance(event, TicketClosed):
            self.effects.append(Effect("closed", {"code": event.code, "by": event.by}))
            if s.ticket == event.code:
                s.ticket, s.relayed, s.closed = "", False, event.code
                main = self.flows.flows[self.flows.main]
                s.flow, s.node, s.pending = main.id, main.start, "feedback"
                self.add(self.tr.text(texts.TICKET_CLOSED).format(code=event.code))
                self.ask_feedback()
