"""Tickets and their messages, read and written inside the caller's transaction.

The one module that writes a ticket's state (status, owner, closing, content): the relay,
the mediators' actions, erasure and retention call these functions (tests/test_layout.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.handoff.codes import LENGTH, new_code
from bot.store.connection import Connection

OPEN = ("open", "claimed", "left")
"""Statuses of a ticket that still waits for a mediator's attention."""
STATUS_FR = {
    "open": "en attente",
    "claimed": "pris en charge",
    "left": "la personne est revenue au bot",
    "closed": "clos",
}
ERASED = "(effacé à la demande de la personne)"
"""The summary of a ticket whose resident erased their data."""
ANONYMISED = "(anonymisé : plus de contenu après la durée de conservation)"
"""The summary of a ticket past its retention period."""


@dataclass(frozen=True)
class Ticket:
    id: int
    code: str
    organisation_id: int
    place: str
    place_name: str
    channel: str
    user_id: str
    lang: str
    topic: str
    summary: str
    status: str
    claimed_by: str
    helped: bool | None
    created_at: float
    updated_at: float
    closed_at: float | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def can_reply(self) -> bool:
        """A mediator can write to the resident: the ticket is open and the person is there."""
        return self.status in ("open", "claimed")


@dataclass(frozen=True)
class TicketMessage:
    id: int
    ticket_id: int
    author: str  # "resident", "mediator" or "relais"
    name: str
    text: str
    at: float
    delivery: str  # for a mediator's message: "queued", "sent" or "failed"
    error: str


_COLUMNS = (
    "id, code, organisation_id, place, place_name, channel, user_id, lang, topic, summary, "
    "status, claimed_by, helped, created_at, updated_at, closed_at"
)


def _ticket(row) -> Ticket:
    values = list(row)
    values[12] = None if values[12] is None else bool(values[12])
    return Ticket(*values)


async def open_ticket(
    conn: Connection,
    *,
    organisation_id: int,
    place: str,
    place_name: str,
    channel: str,
    user_id: str,
    lang: str,
    topic: str,
    summary: str,
    now: float,
) -> Ticket:
    """A new ticket under a code no other ticket has (longer codes if short ones run out)."""
    for attempt in range(40):
        code = new_code(LENGTH + attempt // 10)
        cursor = await conn.execute(
            "INSERT INTO tickets (code, organisation_id, place, place_name, channel, "
            "user_id, lang, topic, summary, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                code,
                organisation_id,
                place,
                place_name,
                channel,
                user_id,
                lang,
                topic,
                summary,
                now,
                now,
            ),
        )
        if cursor.rowcount:
            ticket = await ticket_by_code(conn, code)
            assert ticket is not None
            return ticket
    raise RuntimeError("no free ticket code found")


async def ticket_by_code(conn: Connection, code: str) -> Ticket | None:
    rows = await conn.execute_fetchall(f"SELECT {_COLUMNS} FROM tickets WHERE code = ?", (code,))
    return _ticket(rows[0]) if rows else None


async def ticket_by_id(conn: Connection, ticket_id: int) -> Ticket | None:
    rows = await conn.execute_fetchall(f"SELECT {_COLUMNS} FROM tickets WHERE id = ?", (ticket_id,))
    return _ticket(rows[0]) if rows else None


async def list_tickets(
    conn: Connection,
    *,
    organisation_id: int | None = None,
    statuses: tuple[str, ...] = OPEN,
) -> list[Ticket]:
    """Tickets newest first; only one organisation's when `organisation_id` is given."""
    where = [f"status IN ({', '.join('?' for _ in statuses)})"]
    params: list = list(statuses)
    if organisation_id is not None:
        where.append("organisation_id = ?")
        params.append(organisation_id)
    rows = await conn.execute_fetchall(
        f"SELECT {_COLUMNS} FROM tickets WHERE {' AND '.join(where)} "
        "ORDER BY created_at DESC, id DESC",
        params,
    )
    return [_ticket(row) for row in rows]


async def tickets_of(conn: Connection, channel: str, user_id: str) -> list[Ticket]:
    rows = await conn.execute_fetchall(
        f"SELECT {_COLUMNS} FROM tickets WHERE channel = ? AND user_id = ?", (channel, user_id)
    )
    return [_ticket(row) for row in rows]


async def messages(conn: Connection, ticket_id: int) -> list[TicketMessage]:
    rows = await conn.execute_fetchall(
        "SELECT id, ticket_id, author, name, text, at, delivery, error FROM ticket_messages "
        "WHERE ticket_id = ? ORDER BY id",
        (ticket_id,),
    )
    return [TicketMessage(*row) for row in rows]


async def add_message(
    conn: Connection,
    ticket_id: int,
    author: str,
    text: str,
    now: float,
    *,
    name: str = "",
    delivery: str = "",
) -> int:
    rows = await conn.execute_fetchall(
        "INSERT INTO ticket_messages (ticket_id, author, name, text, at, delivery) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (ticket_id, author, name, text, now, delivery),
    )
    await conn.execute("UPDATE tickets SET updated_at = ? WHERE id = ?", (now, ticket_id))
    return rows[0][0]


async def set_status(
    conn: Connection,
    ticket_id: int,
    status: str,
    now: float,
    *,
    claimed_by: str | None = None,
) -> None:
    closed_at = now if status == "closed" else None
    await conn.execute(
        "UPDATE tickets SET status = ?, updated_at = ?, closed_at = COALESCE(?, closed_at), "
        "claimed_by = COALESCE(?, claimed_by) WHERE id = ?",
        (status, now, closed_at, claimed_by, ticket_id),
    )


async def set_delivery(conn: Connection, message_id: int, delivery: str, error: str = "") -> None:
    await conn.execute(
        "UPDATE ticket_messages SET delivery = ?, error = ? WHERE id = ?",
        (delivery, error, message_id),
    )


async def requeue_held(conn: Connection, channel: str, user_id: str, held: str) -> None:
    """The mediators' messages to this person that were `held` are being sent again."""
    await conn.execute(
        "UPDATE ticket_messages SET delivery = 'queued', error = '' WHERE delivery = ? AND "
        "id IN (SELECT ticket_message_id FROM outbox WHERE channel = ? AND user_id = ?)",
        (held, channel, user_id),
    )


async def set_helped(conn: Connection, code: str, helped: bool) -> None:
    await conn.execute("UPDATE tickets SET helped = ? WHERE code = ?", (int(helped), code))


async def claim(conn: Connection, ticket_id: int, name: str, now: float) -> bool:
    """A mediator takes the ticket; False when it is no longer open (checked inside the
    write: a close may have committed since the ticket was read)."""
    cursor = await conn.execute(
        "UPDATE tickets SET status = 'claimed', claimed_by = ?, updated_at = ? "
        "WHERE id = ? AND status IN ('open', 'claimed')",
        (name, now, ticket_id),
    )
    return cursor.rowcount > 0


async def claimed_by_answer(conn: Connection, ticket_id: int, name: str) -> None:
    """Answering an open ticket is taking it (its messages then set `updated_at`)."""
    await conn.execute(
        "UPDATE tickets SET status = 'claimed', claimed_by = ? WHERE id = ?",
        (name, ticket_id),
    )


async def erase_content(conn: Connection, ticket_id: int, now: float) -> None:
    """The resident erased their data: what they said goes, the ticket stays, closed and
    without content, so the mediators know."""
    await conn.execute("DELETE FROM ticket_messages WHERE ticket_id = ?", (ticket_id,))
    await conn.execute(
        "UPDATE tickets SET summary = ?, user_id = '', status = 'closed', "
        "closed_at = COALESCE(closed_at, ?), updated_at = ? WHERE id = ?",
        (ERASED, now, now, ticket_id),
    )


async def close_abandoned(conn: Connection, before: float, now: float) -> int:
    """Tickets the resident left before `before`, never closed by anyone: closed now."""
    cursor = await conn.execute(
        "UPDATE tickets SET status = 'closed', closed_at = ? "
        "WHERE status = 'left' AND updated_at < ?",
        (now, before),
    )
    return max(cursor.rowcount, 0)


async def anonymise_closed(conn: Connection, before: float) -> int:
    """Tickets closed before `before` lose their content (the counters' columns stay)."""
    cursor = await conn.execute(
        "UPDATE tickets SET summary = ?, user_id = '' "
        "WHERE status = 'closed' AND closed_at < ? AND summary != ?",
        (ANONYMISED, before, ANONYMISED),
    )
    return max(cursor.rowcount, 0)


async def forget_anonymised_messages(conn: Connection) -> int:
    cursor = await conn.execute(
        "DELETE FROM ticket_messages WHERE ticket_id IN (SELECT id FROM tickets WHERE summary = ?)",
        (ANONYMISED,),
    )
    return max(cursor.rowcount, 0)


async def delete_closed(conn: Connection, before: float) -> int:
    """Tickets closed before `before` are deleted (their audit lines first: see audit.py)."""
    cursor = await conn.execute(
        "DELETE FROM tickets WHERE status = 'closed' AND closed_at < ?",
        (before,),
    )
    return max(cursor.rowcount, 0)
