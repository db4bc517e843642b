"""Sessions and processed-message records, read and written inside the caller's transaction."""

from __future__ import annotations

import aiosqlite

from bot.engine import Session


async def load_session(conn: aiosqlite.Connection, channel: str, user_id: str) -> Session:
    async with conn.execute(
        "SELECT state FROM sessions WHERE channel = ? AND user_id = ?", (channel, user_id)
    ) as cursor:
        row = await cursor.fetchone()
    return Session.from_json(row[0]) if row else Session()


async def save_session(
    conn: aiosqlite.Connection, channel: str, user_id: str, session: Session, now: float
) -> None:
    await conn.execute(
        "INSERT INTO sessions (channel, user_id, state, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (channel, user_id) DO UPDATE SET state = excluded.state, "
        "updated_at = excluded.updated_at",
        (channel, user_id, session.to_json(), now),
    )


async def delete_session(conn: aiosqlite.Connection, channel: str, user_id: str) -> None:
    await conn.execute("DELETE FROM sessions WHERE channel = ? AND user_id = ?", (channel, user_id))


async def first_delivery(
    conn: aiosqlite.Connection, channel: str, user_id: str, external_id: str, now: float
) -> Session | None:
    """Record an inbound message id and load the session, in one statement.

    None when the id was already processed (the insert is ignored and returns no row).
    """
    rows = await conn.execute_fetchall(
        "INSERT OR IGNORE INTO inbound (channel, external_id, received_at) VALUES (?, ?, ?) "
        "RETURNING (SELECT state FROM sessions WHERE channel = ? AND user_id = ?)",
        (channel, external_id, now, channel, user_id),
    )
    if not rows:
        return None
    state = rows[0][0]
    return Session.from_json(state) if state else Session()
