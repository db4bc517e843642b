"""Sessions and processed-message records, read and written inside the caller's transaction."""

from __future__ import annotations

from bot.engine import Session
from bot.store.connection import Connection


async def load_session(conn: Connection, channel: str, user_id: str) -> Session:
    async with conn.execute(
        "SELECT state FROM sessions WHERE channel = ? AND user_id = ?", (channel, user_id)
    ) as cursor:
        row = await cursor.fetchone()
    return Session.from_json(row[0]) if row else Session()


async def save_session(
    conn: Connection, channel: str, user_id: str, session: Session, now: float
) -> None:
    await conn.execute(
        "INSERT INTO sessions (channel, user_id, state, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (channel, user_id) DO UPDATE SET state = excluded.state, "
        "updated_at = excluded.updated_at",
        (channel, user_id, session.to_json(), now),
    )


async def record_deliveries(
    conn: Connection, deliveries: list[tuple[str, str, float]]
) -> set[tuple[str, str]]:
    """Record inbound message ids, in one statement; the (channel, id) pairs seen first now."""
    values = ", ".join("(?, ?, ?)" for _ in deliveries)
    rows = await conn.execute_fetchall(
        f"INSERT INTO inbound (channel, external_id, received_at) VALUES {values} "
        "ON CONFLICT DO NOTHING RETURNING channel, external_id",
        [value for delivery in deliveries for value in delivery],
    )
    return {(channel, external_id) for channel, external_id in rows}


async def forget_deliveries(conn: Connection, keys: list[tuple[str, str]]) -> None:
    """Un-record messages that could not be processed, so that a retry processes them."""
    await conn.executemany("DELETE FROM inbound WHERE channel = ? AND external_id = ?", keys)


async def load_sessions(
    conn: Connection, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], Session]:
    """One query per channel, `channel = ? AND user_id IN (...)`, which SQLite answers from the
    primary key; a row-value `IN (VALUES ...)` made it scan the whole table."""
    by_channel: dict[str, list[str]] = {}
    for channel, user_id in keys:
        by_channel.setdefault(channel, []).append(user_id)
    sessions = {}
    for channel, users in by_channel.items():
        marks = ", ".join("?" for _ in users)
        rows = await conn.execute_fetchall(
            f"SELECT user_id, state FROM sessions WHERE channel = ? AND user_id IN ({marks})",
            [channel, *users],
        )
        sessions.update({(channel, user): Session.from_json(state) for user, state in rows})
    return sessions


async def save_sessions(
    conn: Connection, sessions: dict[tuple[str, str], tuple[Session, float]]
) -> None:
    await conn.executemany(
        "INSERT INTO sessions (channel, user_id, state, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (channel, user_id) DO UPDATE SET state = excluded.state, "
        "updated_at = excluded.updated_at",
        [(c, u, session.to_json(), at) for (c, u), (session, at) in sessions.items()],
    )


async def delete_sessions(conn: Connection, keys: set[tuple[str, str]]) -> None:
    await conn.executemany("DELETE FROM sessions WHERE channel = ? AND user_id = ?", list(keys))
