"""Lines under a ticket's post in its organisation's Telegram chat, queued in the outbox
inside the caller's transaction (the relay, the mediators' actions, erasure use them)."""

from __future__ import annotations

from bot.handoff import tickets
from bot.handoff.mediators import organisation
from bot.outbox import CHAT, enqueue
from bot.store.connection import Connection


async def post_to_chat(
    conn: Connection, ticket_id: int, text: str, now: float, *, closed: bool = False
) -> None:
    """A line under the ticket's post in its organisation's Telegram chat, if it has one;
    `closed`: the post's buttons go too."""
    ticket = await tickets.ticket_by_id(conn, ticket_id)
    org = await organisation(conn, ticket.organisation_id)
    if org.telegram_chat is not None:
        post = {"text": text, "ticket_id": ticket_id, "closed": closed}
        await enqueue(conn, CHAT, str(org.telegram_chat), post, now, ticket_id=ticket_id)
