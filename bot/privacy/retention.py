"""How long Relais keeps things, and `relais purge`, which applies it (run it daily).

Defaults, each changed by an environment variable (see the README):
- a conversation nobody wrote in for 30 days is deleted (RELAIS_KEEP_SESSIONS_DAYS), unless
  it is with a mediator on an open ticket;
- a closed ticket loses its content after 90 days (RELAIS_ANONYMISE_TICKETS_DAYS): summary,
  messages and the resident's address go, the code, place, topic, language, dates and the
  "did it help?" answer stay for the statistics; it is deleted after 365 days
  (RELAIS_DELETE_TICKETS_DAYS), with its audit lines;
- the ids of processed messages are kept 72 hours (RELAIS_KEEP_MESSAGE_IDS_HOURS): longer
  than Telegram and Twilio go on retrying a delivery, which is all they are for;
- expired sign-in sessions and old sign-in failures are deleted.
Running it twice changes nothing the second time; two at once (a daily purge started on
each of several workers) run one after the other.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.store import Database
from bot.store.locks import one_at_a_time

DAY = 86400.0
ANONYMISED = "(anonymisé : plus de contenu après la durée de conservation)"


@dataclass(frozen=True)
class Retention:
    sessions_days: float = 30
    anonymise_tickets_days: float = 90
    delete_tickets_days: float = 365
    message_ids_hours: float = 72


async def purge(db: Database, retention: Retention, now: float | None = None) -> dict[str, int]:
    """Apply the retention periods; how many rows each step changed."""
    now = time.time() if now is None else now
    sessions_before = now - retention.sessions_days * DAY
    anonymise_before = now - retention.anonymise_tickets_days * DAY
    delete_before = now - retention.delete_tickets_days * DAY
    done: dict[str, int] = {}
    async with db.transaction() as conn:
        await one_at_a_time(conn, "purge")

        async def run(name: str, sql: str, params: tuple = ()) -> None:
            cursor = await conn.execute(sql, params)
            done[name] = done.get(name, 0) + max(cursor.rowcount, 0)

        await run(
            "idle conversations deleted",
            "DELETE FROM sessions WHERE updated_at < ? "
            "AND COALESCE(state ->> 'ticket', '') = '' AND NOT EXISTS "
            "(SELECT 1 FROM reminders r WHERE r.channel = sessions.channel "
            "AND r.user_id = sessions.user_id)",
            (sessions_before,),
        )
        # A ticket the resident left long ago, never closed by anyone: closed now.
        await run(
            "abandoned tickets closed",
            "UPDATE tickets SET status = 'closed', closed_at = ? "
            "WHERE status = 'left' AND updated_at < ?",
            (now, anonymise_before),
        )
        await run(
            "closed tickets anonymised",
            "UPDATE tickets SET summary = ?, user_id = '' "
            "WHERE status = 'closed' AND closed_at < ? AND summary != ?",
            (ANONYMISED, anonymise_before, ANONYMISED),
        )
        await run(
            "messages of anonymised tickets deleted",
            "DELETE FROM ticket_messages WHERE ticket_id IN "
            "(SELECT id FROM tickets WHERE summary = ?)",
            (ANONYMISED,),
        )
        await run(
            "audit lines of deleted tickets deleted",
            "DELETE FROM audit WHERE ticket IN "
            "(SELECT code FROM tickets WHERE status = 'closed' AND closed_at < ?)",
            (delete_before,),
        )
        await run(
            "old tickets deleted",
            "DELETE FROM tickets WHERE status = 'closed' AND closed_at < ?",
            (delete_before,),
        )
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
