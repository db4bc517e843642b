"""Hand-off counters, per day, organisation and place: tickets opened, claimed, closed, left
without any answer, and how long the first answer took. Written by the hand-off code in the
transaction that changes the ticket; no code, no resident, no words are kept here."""

from __future__ import annotations

from bot.handoff.tickets import Ticket
from bot.stats.count import add_people
from bot.stats.days import day_of
from bot.store.connection import Connection

TICKET_COLUMNS = (
    "opened",
    "claimed",
    "closed",
    "never_answered",
    "asked_if_helped",
    "helped_yes",
    "helped_no",
)


async def count_ticket(conn: Connection, ticket: Ticket, column: str, now: float) -> None:
    assert column in TICKET_COLUMNS
    rows = await conn.execute_fetchall(
        "SELECT name FROM organisations WHERE id = ?", (ticket.organisation_id,)
    )
    organisation = rows[0][0] if rows else "?"
    await conn.execute(
        "INSERT INTO stats_tickets (day, organisation, place, place_name, "
        f"{column}) VALUES (?, ?, ?, ?, 1) ON CONFLICT (day, organisation, place) "
        f"DO UPDATE SET {column} = stats_tickets.{column} + 1, place_name = excluded.place_name",
        (day_of(now), organisation, ticket.place, ticket.place_name),
    )


async def answered_before(conn: Connection, ticket: Ticket) -> bool:
    rows = await conn.execute_fetchall(
        "SELECT 1 FROM ticket_messages WHERE ticket_id = ? AND author = 'mediator' LIMIT 1",
        (ticket.id,),
    )
    return bool(rows)


async def opened(conn: Connection, ticket: Ticket, now: float) -> None:
    await count_ticket(conn, ticket, "opened", now)
    await add_people(conn, day_of(now), ticket.lang, ticket.channel, "handoffs")


async def first_answer(conn: Connection, ticket: Ticket, now: float) -> None:
    """Call before a mediator's answer to the resident is stored: the first one is timed."""
    if await answered_before(conn, ticket):
        return
    rows = await conn.execute_fetchall(
        "SELECT name FROM organisations WHERE id = ?", (ticket.organisation_id,)
    )
    await conn.execute(
        "INSERT INTO stats_reply_times (day, organisation, place, seconds) VALUES (?, ?, ?, ?)",
        (day_of(now), rows[0][0] if rows else "?", ticket.place, max(0.0, now - ticket.created_at)),
    )


async def closed(conn: Connection, ticket: Ticket, now: float, asked: bool) -> None:
    """Call before the ticket is marked closed. `asked`: the resident gets "did it help?"."""
    if ticket.status == "closed":
        return
    await count_ticket(conn, ticket, "closed", now)
    if not await answered_before(conn, ticket):
        await count_ticket(conn, ticket, "never_answered", now)
    if asked:
        await count_ticket(conn, ticket, "asked_if_helped", now)
