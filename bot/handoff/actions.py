"""What a mediator does to a ticket, from the web inbox or from Telegram.

Whatever reaches the resident goes through the conversation service as a ticket event, so
it is ordered with the resident's own messages, written in their language and sent from the
outbox; the ticket is changed in the same transaction.
"""

from __future__ import annotations

import time
import uuid

from bot.conversations import Conversations
from bot.engine import MediatorSaid, TicketClosed
from bot.handoff import audit, tickets
from bot.handoff.chat_posts import post_to_chat
from bot.handoff.tickets import Ticket
from bot.stats import tickets as counters

MAX_REPLY = 2000
"""Characters of one mediator message (an SMS costs more beyond a few hundred)."""


NOT_DONE = "Relais n'a pas pu le faire, à cause d'une erreur de son côté. Réessayez."


class TicketError(ValueError):
    """The ticket cannot take this action now; the message says why, in French."""


async def _fresh(conversations: Conversations, ticket: Ticket) -> Ticket:
    """The ticket as it is now (the page the mediator acted from may be old)."""
    return await tickets.ticket_by_id(conversations.db.conn, ticket.id) or ticket


async def _audit(conversations: Conversations, actor: str, action: str, code: str) -> None:
    async with conversations.db.transaction() as conn:
        await audit.record(conn, actor, action, code)


async def reply(
    conversations: Conversations,
    ticket: Ticket,
    name: str,
    text: str,
    *,
    actor: str = "",
    external_id: str | None = None,
) -> None:
    """`actor`: who, for the audit log; `external_id`: the id of the mediator's message in
    their channel (or form), so that a redelivery or a double submit is sent once."""
    text = text.strip()
    if not text:
        raise TicketError("Le message est vide.")
    if len(text) > MAX_REPLY:
        raise TicketError(
            f"Le message est trop long ({len(text)} caractères, {MAX_REPLY} au plus)."
        )
    ticket = await _fresh(conversations, ticket)
    if ticket.status == "left":
        raise TicketError("La personne est revenue au menu du bot : elle ne lit plus vos messages.")
    if not ticket.can_reply or not ticket.user_id:
        raise TicketError("Cette demande est close : la personne ne reçoit plus vos messages.")
    handled = await conversations.handle(
        ticket.channel,
        ticket.user_id,
        MediatorSaid(ticket.code, name, text),
        external_id=f"mediator:{external_id or uuid.uuid4().hex}",
        outbound=True,
    )
    if handled.failed:
        raise TicketError(NOT_DONE)
    if not handled.duplicate:
        await _audit(conversations, actor or name, "reply", ticket.code)


async def claim(
    conversations: Conversations, ticket: Ticket, name: str, *, actor: str = ""
) -> None:
    ticket = await _fresh(conversations, ticket)
    if ticket.status == "left":
        raise TicketError("La personne est revenue au menu du bot : il n'y a plus rien à prendre.")
    if not ticket.is_open:
        raise TicketError("Cette demande est close.")
    now = time.time()
    async with conversations.db.transaction() as conn:
        # Checked again inside the write: a close may have committed since the read above.
        if not await tickets.claim(conn, ticket.id, name, now):
            raise TicketError("Cette demande vient d'être close, ou la personne est partie.")
        if ticket.status == "open":
            await counters.count_ticket(conn, ticket, "claimed", now)
        await tickets.add_message(conn, ticket.id, "relais", f"Pris en charge par {name}.", now)
        text = f"{ticket.code} : pris en charge par {name}."
        await post_to_chat(conn, ticket.id, text, now)
        await audit.record(conn, actor or name, "claim", ticket.code, now)
    conversations.queued()


async def close(
    conversations: Conversations, ticket: Ticket, name: str, *, actor: str = ""
) -> None:
    ticket = await _fresh(conversations, ticket)
    if not ticket.is_open:
        raise TicketError("Cette demande est déjà close.")
    handled = await conversations.handle(
        ticket.channel,
        ticket.user_id,
        TicketClosed(ticket.code, name),
        external_id=f"close:{ticket.code}",
        outbound=True,
    )
    if handled.failed:
        raise TicketError(NOT_DONE)
    await _audit(conversations, actor or name, "close", ticket.code)
