"""Erasure and retention: everything Relais deletes or anonymises about people, in one place.

- `erase_person`: a resident's OUBLI (the engine's erase effect), inside the transaction of
  their message: their conversation, what is queued for them, their reminders, their
  WhatsApp window and their tickets' content go; each ticket stays, closed and empty, and
  its organisation's chat is told.
- `purge`: `relais purge` applies the retention periods (bot/privacy/retention.py).
Deleted rows are overwritten with zeros (`secure_delete`, bot/store/db.py), and the callers
empty the write-ahead log once committed (`Database.checkpoint`).
"""

from __future__ import annotations

import time

from bot import outbox, window
from bot.handoff import audit, tickets
from bot.handoff.chat_posts import post_to_chat
from bot.privacy.retention import DAY, Retention
from bot.reminders import store as reminder_store
from bot.store import Database
from bot.store.connection import Connection
from bot.store.locks import one_at_a_time
from bot.store.sessions import delete_sessions

ERASED_NOTE = "La personne a effacé ses données : la demande est close."


async def erase_person(conn: Connection, channel: str, user_id: str, now: float) -> None:
    """Everything of one person, inside the caller's transaction."""
    await outbox.forget(conn, channel, user_id)
    await reminder_store.forget(conn, channel, user_id)
    await window.forget(conn, channel, user_id)
    for ticket in await tickets.tickets_of(conn, channel, user_id):
        # Posts to the mediators' chat not sent yet hold the person's words: dropped too.
        await outbox.forget_ticket_posts(conn, ticket.id)
        await tickets.erase_content(conn, ticket.id, now)
        await tickets.add_message(conn, ticket.id, "relais", ERASED_NOTE, now)
        await post_to_chat(conn, ticket.id, f"{ticket.code} : {ERASED_NOTE}", now, closed=True)
    await delete_sessions(conn, {(channel, user_id)})


async def purge(db: Database, retention: Retention, now: float | None = None) -> dict[str, int]:
    """Apply the retention periods; how many rows each step changed. Running it twice
    changes nothing the second time."""
    now = time.time() if now is None else now
    sessions_before = now - retention.sessions_days * DAY
    anonymise_before = now - retention.anonymise_tickets_days * DAY
    delete_before = now - retention.delete_tickets_days * DAY
    done: dict[str, int] = {}
    async with db.transaction() as conn:
        await one_at_a_time(conn, "purge")  # a daily purge started on each of several workers

        def count(name: str, rows: int) -> None:
            done[name] = done.get(name, 0) + rows

        async def run(name: str, sql: str, params: tuple = ()) -> None:
            cursor = await conn.execute(sql, params)
            count(name, max(cursor.rowcount, 0))

        await run(
            "idle conversations deleted",
            "DELETE FROM sessions WHERE updated_at < ? "
            "AND COALESCE(state ->> 'ticket', '') = '' AND NOT EXISTS "
            "(SELECT 1 FROM reminders r WHERE r.channel = sessions.channel "
            "AND r.user_id = sessions.user_id)",
            (sessions_before,),
        )
        # A ticket the resident left long ago, never closed by anyone: closed now.
        closed = await tickets.close_abandoned(conn, anonymise_before, now)
        count("abandoned tickets closed", closed)
        count("closed tickets anonymised", await tickets.anonymise_closed(conn, anonymise_before))
        count(
            "messages of anonymised tickets deleted",
            await tickets.forget_anonymised_messages(conn),
        )
        count(
            "audit lines of deleted tickets deleted",
            await audit.forget_deleted_tickets(conn, delete_before),
        )
        count("old tickets deleted", await tickets.delete_closed(conn, delete_before))
        await run(
            "processed-message ids deleted",
            "DELETE FROM inbound WHERE received_at < ?",
            (now - retention.message_ids_hours * 3600,),
        )
        await run(
            "old WhatsApp windows deleted",
            "DELETE FROM channel_windows WHERE last_inbound < ? AND template_at IS NULL",
            (sessions_before,),
        )
        await run(
            "expired sign-ins deleted", "DELETE FROM web_sessions WHERE expires_at < ?", (now,)
        )
        await run(
            "old sign-in failures deleted", "DELETE FROM login_failures WHERE at < ?", (now - DAY,)
        )
    await db.checkpoint()  # what was deleted leaves the write-ahead log too
    return done
