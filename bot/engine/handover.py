"""The hand-off dialogue: consent, the note for the mediator, the conversation with them
while a ticket is open, leaving it, and the opinion asked once it is closed. Mixed into the
turn (`core.TurnBase`); pure like the rest of the engine."""

from __future__ import annotations

from bot.engine import helping, locating, texts
from bot.engine.effects import (
    Feedback,
    LeaveTicket,
    MediatorMessage,
    OpenTicket,
    RelayToMediator,
    TicketWasClosed,
)
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
)
from bot.engine.outcome import Reply
from bot.engine.turn import TurnBase
from bot.flows.model import Handoff
from bot.languages import SOURCE_LANGUAGE
from bot.places.cards import PHONE_LINES
from bot.text import clean

CONSENT_KEY = "!consent"
NOTE_KEY = "!note"
LEAVE_KEY = "!leave"
FEEDBACK_KEY = "!feedback"


class HandOver(TurnBase):
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

    def open_ticket(self, note: str) -> OpenTicket:
        """What the mediator needs: the topic, the path taken, where the person got stuck,
        the place they picked and their own words."""
        stuck = next((step for step in reversed(self.s.path) if step[2] is None), None)
        return OpenTicket(
            topic=self.topic(),
            lang=self.lang,
            path=self.s.path,
            stuck=stuck,
            place=self.s.place[:2],
            note=note,
            helping=helping.is_helping(self),
        )

    def ask_consent(self) -> None:
        question, choices = helping.consent_question(
            self, texts.CONSENT_ASK, texts.CONSENT_YES, texts.NO
        )
        self.add(question.format(place=self.s.place[1]), choices, key=CONSENT_KEY)

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
            locating.show_picked_place(self)
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
        self.effects.append(self.open_ticket(note))

    def relay(self, event: Event) -> None:
        """While a ticket is open, the resident's words go to the mediator, not the flows."""
        s = self.s
        if isinstance(event, Text) and clean(event.text):
            self.effects.append(RelayToMediator(s.ticket, event.text))
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
            self.effects.append(LeaveTicket(self.s.ticket))
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
        self.effects.append(Feedback(code, helped=answer == 0))
        self.say(texts.THANKS)
        self.restart()

    def ticket_event(self, event: TicketEvent) -> None:
        """What the service reports about the ticket; the resident's last visit is unchanged."""
        s = self.s
        if s.is_new:  # the person erased everything meanwhile: nothing to tell them
            if isinstance(event, MediatorSaid):
                said = MediatorMessage(event.code, False, event.name, event.text)
                self.effects.append(said)
            elif isinstance(event, TicketClosed):
                self.effects.append(TicketWasClosed(event.code, delivered=False))
            return
        if self.current() is None:
            main = self.flows.flows[self.flows.main]
            s.flow, s.node = main.id, main.start
        if isinstance(event, TicketOpened):
            s.ticket, s.relayed, s.pending = event.code, False, None
            self.add(self.tr.text(texts.TICKET_OPENED).format(code=event.code))
            locating.show_picked_place(self)
            self.say(texts.RELAY_INFO)
            self.handoff_end()
        elif isinstance(event, TicketRefused):
            self.say(texts.NOT_RECEIVING)
            locating.show_picked_place(self)
            self.handoff_end()
        elif isinstance(event, MediatorSaid):
            delivered = bool(s.ticket) and s.ticket == event.code and bool(event.text.strip())
            self.effects.append(MediatorMessage(event.code, delivered, event.name, event.text))
            if delivered:
                self.add(self.tr.text(texts.FROM_MEDIATOR).format(name=event.name))
                # The mediator's own words, in whatever script: the phone lays them out.
                self.replies.append(Reply(event.text, lang=SOURCE_LANGUAGE))
        elif isinstance(event, TicketClosed):
            self.effects.append(TicketWasClosed(event.code, event.by))
            if s.ticket == event.code:
                s.ticket, s.relayed, s.closed = "", False, event.code
                main = self.flows.flows[self.flows.main]
                s.flow, s.node, s.pending = main.id, main.start, "feedback"
                self.add(self.tr.text(texts.TICKET_CLOSED).format(code=event.code))
                self.ask_feedback()
