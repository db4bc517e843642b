"""The audit log: every time a mediator sees or acts on a ticket, who, what and when."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.store import Database
from bot.store.connection import Connection

ACTIONS_FR = {
    "view": "a consulté",
    "reply": "a répondu à",
    "claim": "a pris en charge",
    "close": "a clos",
    "post": "a reçu dans le groupe Telegram",
}


@dataclass(frozen=True)
class Entry:
    at: float
    actor: str
    action: str
    ticket: str


async def record(
    conn: Connection, actor: str, action: str, ticket: str, now: float | None = None
) -> None:
    """Inside the caller's transaction."""
    await conn.execute(
        "INSERT INTO audit (at, actor, action, ticket) VALUES (?, ?, ?, ?)",
        (now or time.time(), actor, action, ticket),
    )


async def log_view(db: Database, actor: str, ticket: str) -> None:
    async with db.transaction() as conn:
        await record(conn, actor, "view", ticket)


async def entries(
    conn: Connection, *, ticket: str | None = None, since: float = 0.0
) -> list[Entry]:
    where, params = ["at >= ?"], [since]
    if ticket:
        where.append("ticket = ?")
        params.append(ticket)
    rows = await conn.execute_fetchall(
        f"SELECT at, actor, action, ticket FROM audit WHERE {' AND '.join(where)} ORDER BY at, id",
        params,
    )
    return [Entry(*row) for row in rows]


async def forget_deleted_tickets(conn: Connection, before: float) -> int:
    """The audit lines of the tickets retention deletes (closed before `before`)."""
    cursor = await conn.execute(
        "DELETE FROM audit WHERE ticket IN "
        "(SELECT code FROM tickets WHERE status = 'closed' AND closed_at < ?)",
        (before,),
    )
    return max(cursor.rowcount, 0)
