"""The hand-off effects of a conversation, carried out inside its transaction.

The engine decides (open a ticket, pass a message on, close); this module writes the
ticket, its messages and the posts to the organisation's Telegram chat, and tells the
engine what came of it with a ticket event.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from bot import window
from bot.engine.effects import (
    Feedback,
    LeaveTicket,
    MediatorMessage,
    OpenTicket,
    RelayToMediator,
    TicketWasClosed,
)
from bot.engine.events import Event, TicketOpened, TicketRefused
from bot.flows import FlowSet
from bot.handoff import tickets
from bot.handoff.chat_posts import post_to_chat
from bot.handoff.mediators import covered_places, organisation_for_place
from bot.handoff.summary import summarise
from bot.outbox import CHAT, enqueue
from bot.stats import tickets as counters
from bot.store.connection import Connection

log = logging.getLogger(__name__)

CLAIM, CLOSE = "claim", "close"


@dataclass
class Applied:
    events: list[Event] = field(default_factory=list)
    """Ticket events the engine must hear about now (in the same transaction)."""
    message_id: int | None = None
    """The ticket message the replies carry (a mediator's), to track their delivery."""


def chat_buttons(ticket_id: int) -> list[list[str]]:
    return [["Je prends", f"tk:{CLAIM}:{ticket_id}"], ["Clore", f"tk:{CLOSE}:{ticket_id}"]]


COVERAGE_TTL = 2.0
"""Seconds the covered places are reused: `relais mediators` changes show within that."""


class Relay:
    def __init__(self, flows: FlowSet) -> None:
        self.flows = flows
        self._covered: tuple[float, frozenset[str]] = (-COVERAGE_TTL, frozenset())

    async def covered(self, conn: Connection) -> frozenset[str]:
        """The places whose organisation reads tickets; read again every few seconds, not
        for every batch of messages."""
        read_at, places = self._covered
        if time.monotonic() - read_at >= COVERAGE_TTL:
            places = await covered_places(conn)
            self._covered = (time.monotonic(), places)
        return places

    async def relay(
        self,
        conn: Connection,
        channel: str,
        user_id: str,
        effect: RelayToMediator,
        now: float,
    ) -> Applied:
        """The resident's words while a ticket is open: kept, and shown to the desk."""
        ticket = await tickets.ticket_by_code(conn, effect.code)
        if ticket is not None:
            await tickets.add_message(conn, ticket.id, "resident", effect.text, now)
            await post_to_chat(
                conn, ticket.id, f"{ticket.code}, la personne écrit :\n{effect.text}", now
            )
        return Applied()

    async def mediator_said(
        self,
        conn: Connection,
        channel: str,
        user_id: str,
        effect: MediatorMessage,
        now: float,
    ) -> Applied:
        ticket = await tickets.ticket_by_code(conn, effect.code)
        if ticket is None:
            return Applied()
        if effect.delivered:
            await counters.first_answer(conn, ticket, now)
            if ticket.status == "open":  # answering is taking it: the others see who
                await counters.count_ticket(conn, ticket, "claimed", now)
                await tickets.claimed_by_answer(conn, ticket.id, effect.name)
            message_id = await tickets.add_message(
                conn,
                ticket.id,
                "mediator",
                effect.text,
                now,
                name=effect.name,
                delivery="queued",
            )
            return Applied(message_id=message_id)
        message_id = await tickets.add_message(
            conn, ticket.id, "mediator", effect.text, now, name=effect.name
        )
        await tickets.set_delivery(
            conn, message_id, "failed", "la personne n'est plus en conversation"
        )
        return Applied()

    async def closed(
        self,
        conn: Connection,
        channel: str,
        user_id: str,
        effect: TicketWasClosed,
        now: float,
    ) -> Applied:
        ticket = await tickets.ticket_by_code(conn, effect.code)
        if ticket is None:
            return Applied()
        by = effect.by or "un médiateur"
        asked = ticket.status in ("open", "claimed") and effect.delivered
        await counters.closed(conn, ticket, now, asked)
        await tickets.set_status(conn, ticket.id, "closed", now)
        await tickets.add_message(conn, ticket.id, "relais", f"Clos par {by}.", now)
        text = f"{ticket.code} : clos par {by}."
        await post_to_chat(conn, ticket.id, text, now, closed=True)
        return Applied()

    async def left(
        self,
        conn: Connection,
        channel: str,
        user_id: str,
        effect: LeaveTicket,
        now: float,
    ) -> Applied:
        ticket = await tickets.ticket_by_code(conn, effect.code)
        if ticket is None:
            return Applied()
        await tickets.set_status(conn, ticket.id, "left", now)
        note = "La personne est revenue au menu du bot : elle ne lit plus vos messages."
        await tickets.add_message(conn, ticket.id, "relais", note, now)
        await post_to_chat(conn, ticket.id, f"{ticket.code} : {note}", now, closed=True)
        return Applied()

    async def feedback(
        self, conn: Connection, channel: str, user_id: str, effect: Feedback, now: float
    ) -> Applied:
        ticket = await tickets.ticket_by_code(conn, effect.code)
        if ticket is None:
            return Applied()
        await tickets.set_helped(conn, ticket.code, effect.helped)
        column = "helped_yes" if effect.helped else "helped_no"
        await counters.count_ticket(conn, ticket, column, now)
        said = "cela l'a aidée" if effect.helped else "cela ne l'a pas aidée"
        await tickets.add_message(conn, ticket.id, "relais", f"Avis de la personne : {said}.", now)
        return Applied()

    async def open(
        self, conn: Connection, channel: str, user_id: str, effect: OpenTicket, now: float
    ) -> Applied:
        data = effect.data
        place = data.get("place") or []
        org = await organisation_for_place(conn, place[0]) if place else None
        if org is None:
            log.warning("a ticket could not open: no organisation receives tickets for %s", place)
            return Applied([TicketRefused()])
        ticket = await tickets.open_ticket(
            conn,
            organisation_id=org.id,
            place=place[0],
            place_name=place[1],
            channel=channel,
            user_id=user_id,
            lang=data.get("lang") or "fr",
            topic=data.get("topic") or "other",
            summary=summarise(self.flows, data, channel),
            now=now,
        )
        await counters.opened(conn, ticket, now)
        log.info("ticket %s opened for %s (%s)", ticket.code, org.name, ticket.topic)
        if org.telegram_chat is not None:
            state = await window.state(conn, channel, user_id)
            open_for = ""
            if channel == "whatsapp" and state.open(now):
                hours = int(state.left(now) // 3600)
                open_for = f"WhatsApp : fenêtre de 24 h ouverte encore {hours} h.\n\n"
            post = {
                "text": f"Nouvelle demande {ticket.code}\n\n{ticket.summary}\n\n{open_for}"
                "Répondez à ce message pour écrire à la personne.",
                "ticket_id": ticket.id,
                "buttons": chat_buttons(ticket.id),
            }
            await enqueue(conn, CHAT, str(org.telegram_chat), post, now, ticket_id=ticket.id)
        return Applied([TicketOpened(ticket.code)])
