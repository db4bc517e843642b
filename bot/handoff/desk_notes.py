"""Lines under a ticket's post in its organisation's Telegram chat (the mediators' desk).

Written by the relay (bot/handoff/relay.py) and by the WhatsApp window (bot/window.py);
kept apart from both so that neither imports the other.
"""

from __future__ import annotations

import aiosqlite

from bot.handoff import tickets
from bot.handoff.mediators import organisation
from bot.outbox_queue import CHAT, enqueue


async def post_to_chat(
    conn: aiosqlite.Connection, ticket_id: int, text: str, now: float, *, closed: bool = False
) -> None:
    """A line under the ticket's post in its organisation's Telegram chat, if it has one;
    `closed`: the post's buttons go too."""
    ticket = await tickets.ticket_by_id(conn, ticket_id)
    org = await organisation(conn, ticket.organisation_id)
    if org.telegram_chat is not None:
        post = {"text": text, "ticket_id": ticket_id, "closed": closed}
        await enqueue(conn, CHAT, str(org.telegram_chat), post, now, ticket_id=ticket_id)
