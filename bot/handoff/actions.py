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
from bot.handoff import tickets
from bot.handoff.tickets import Ticket

MAX_REPLY = 2000
"""Characters of one mediator message (an SMS costs more beyond a few hundred)."""


class TicketError(ValueError):
    """The ticket cannot take this action now; the message says why, in French."""


async def reply(
    conversations: Conversations,
    ticket: Ticket,
    name: str,
    text: str,
    *,
    external_id: str | None = None,
) -> None:
    """`external_id`: the channel's id of the mediator's message, so a redelivery is ignored."""
    text = text.strip()
    if not text:
        raise TicketError("Le message est vide.")
    if len(text) > MAX_REPLY:
        raise TicketError(
            f"Le message est trop long ({len(text)} caractères, {MAX_REPLY} au plus)."
        )
    if not ticket.can_reply or not ticket.user_id:
        raise TicketError("La personne n'est plus en conversation avec vous : demande close.")
    await conversations.handle(
        ticket.channel,
        ticket.user_id,
        MediatorSaid(ticket.code, name, text),
        external_id=f"mediator:{external_id or uuid.uuid4().hex}",
        outbound=True,
    )


async def claim(conversations: Conversations, ticket: Ticket, name: str) -> None:
    if not ticket.is_open:
        raise TicketError("Cette demande est close.")
    now = time.time()
    async with conversations.db.transaction() as conn:
        await tickets.set_status(conn, ticket.id, "claimed", now, claimed_by=name)
        await tickets.add_message(conn, ticket.id, "relais", f"Pris en charge par {name}.", now)
        text = f"{ticket.code} : pris en charge par {name}."
        await conversations.relay.notify_chat(conn, ticket.id, text, now)
    conversations.queued()


async def close(conversations: Conversations, ticket: Ticket, name: str) -> None:
    if not ticket.is_open:
        raise TicketError("Cette demande est déjà close.")
    await conversations.handle(
        ticket.channel,
        ticket.user_id,
        TicketClosed(ticket.code, name),
        external_id=f"close:{ticket.code}",
        outbound=True,
    )
