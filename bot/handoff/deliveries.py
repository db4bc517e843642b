"""What becomes of a mediator's message after the hand-off queued it, written on its ticket:
sent, retried, failed, held by WhatsApp's window, released when the person writes again.

The outbox and the window know nothing of tickets: the outbox calls `record` (its
`delivered` hook, wired in bot/app.py) and the service calls `reopened` after
`window.seen`, inside the transaction that changed the message.
"""

from __future__ import annotations

from bot.handoff import tickets
from bot.handoff.chat_posts import post_to_chat
from bot.outbox import Delivery
from bot.store.connection import Connection
from bot.window import WAITING, Seen


async def tell_desk(conn: Connection, message_id: int, note: str, now: float) -> None:
    """A line about a mediator's message under its ticket's post in the mediators' Telegram
    chat (when the organisation has one)."""
    rows = await conn.execute_fetchall(
        "SELECT t.id, t.code FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id "
        "WHERE m.id = ?",
        (message_id,),
    )
    if rows:
        await post_to_chat(conn, rows[0][0], f"{rows[0][1]} (WhatsApp) : {note}", now)


async def record(conn: Connection, delivery: Delivery) -> None:
    """The outbox's `delivered` hook: the message's state on the ticket, the desk told when
    it is held, Twilio's ids kept for its delivery reports (bot/channels/twilio_status.py)."""
    if delivery.state == WAITING:
        note = f"votre message est {delivery.error}."
        await tell_desk(conn, delivery.ticket_message_id, note, delivery.at)
    await tickets.set_delivery(conn, delivery.ticket_message_id, delivery.state, delivery.error)
    kind = "template" if delivery.state == WAITING else "message"
    await conn.executemany(
        "INSERT INTO twilio_messages (sid, ticket_message_id, kind, "
        "created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(sid, delivery.ticket_message_id, kind, delivery.at) for sid in delivery.sids],
    )


async def reopened(conn: Connection, channel: str, user_id: str, seen: Seen, now: float) -> None:
    """The person wrote again on WhatsApp: the desk hears that the held messages go, and
    they show as being sent again."""
    if seen.ticket_message is not None:
        note = "la personne a répondu : vos messages partent."
        await tell_desk(conn, seen.ticket_message, note, now)
    if seen.released:
        await tickets.requeue_held(conn, channel, user_id, WAITING)
