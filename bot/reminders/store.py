"""Who asked for which reminder, read and written inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.connection import Connection


@dataclass(frozen=True)
class Reminder:
    id: int
    channel: str
    user_id: str
    purpose: str
    lang: str
    month: int | None
    next_at: float


_COLUMNS = "id, channel, user_id, purpose, lang, month, next_at"


async def remember(
    conn: Connection,
    channel: str,
    user_id: str,
    purpose: str,
    lang: str,
    next_at: float,
    now: float,
    month: int | None = None,
) -> None:
    """One reminder per person and purpose (asked again: updated)."""
    await conn.execute(
        "INSERT INTO reminders (channel, user_id, purpose, lang, month, next_at, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, user_id, purpose) DO UPDATE SET "
        "lang = excluded.lang, month = excluded.month, next_at = excluded.next_at",
        (channel, user_id, purpose, lang, month, next_at, now),
    )


async def forget(conn: Connection, channel: str, user_id: str, purpose: str | None = None) -> int:
    """End a person's reminders (one purpose, or all); how many there were."""
    if purpose is None:
        cursor = await conn.execute(
            "DELETE FROM reminders WHERE channel = ? AND user_id = ?", (channel, user_id)
        )
    else:
        cursor = await conn.execute(
            "DELETE FROM reminders WHERE channel = ? AND user_id = ? AND purpose = ?",
            (channel, user_id, purpose),
        )
    return cursor.rowcount


async def reminders_of(conn: Connection, channel: str, user_id: str) -> list[Reminder]:
    rows = await conn.execute_fetchall(
        f"SELECT {_COLUMNS} FROM reminders WHERE channel = ? AND user_id = ? ORDER BY purpose",
        (channel, user_id),
    )
    return [Reminder(*row) for row in rows]


async def due(conn: Connection, now: float, limit: int = 100) -> list[Reminder]:
    rows = await conn.execute_fetchall(
        f"SELECT {_COLUMNS} FROM reminders WHERE next_at <= ? ORDER BY next_at, id LIMIT ?",
        (now, limit),
    )
    return [Reminder(*row) for row in rows]


async def advance(conn: Connection, reminder: Reminder, next_at: float, outcome: str) -> bool:
    """Move a reminder to its next date and count what became of this one; False when
    another process (or an earlier life of this one) did it already."""
    cursor = await conn.execute(
        "UPDATE reminders SET next_at = ? WHERE id = ? AND next_at = ?",
        (next_at, reminder.id, reminder.next_at),
    )
    if cursor.rowcount:
        await conn.execute(
            "INSERT INTO reminder_counts (purpose, outcome, n) VALUES (?, ?, 1) "
            "ON CONFLICT (purpose, outcome) DO UPDATE SET n = reminder_counts.n + 1",
            (reminder.purpose, outcome),
        )
    return bool(cursor.rowcount)


async def stats(conn: Connection) -> tuple[list[tuple], list[tuple]]:
    """(purpose, language, channel, count) of the reminders held, and (purpose, outcome,
    count) of those that fell due: no phone number, no user id."""
    held = await conn.execute_fetchall(
        "SELECT purpose, lang, channel, COUNT(*) FROM reminders "
        "GROUP BY purpose, lang, channel ORDER BY purpose, lang, channel"
    )
    outcomes = await conn.execute_fetchall(
        "SELECT purpose, outcome, n FROM reminder_counts ORDER BY purpose, outcome"
    )
    return list(held), list(outcomes)
