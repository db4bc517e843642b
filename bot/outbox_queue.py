"""Queueing a message in the outbox, inside the caller's transaction (sent by bot/outbox.py).

Apart from the sending so that what queues a message (the hand-off's notes to the
mediators' chat, bot/handoff/desk_notes.py) does not import the sender that calls it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import aiosqlite

from bot.store.locks import lock_people

CHAT = "telegram-chat"
"""The pseudo-channel of posts to an organisation's Telegram chat (recipient: the chat id)."""


async def enqueue(
    conn: aiosqlite.Connection,
    channel: str,
    user_id: str,
    payload: object,
    now: float,
    *,
    ticket_id: int | None = None,
    ticket_message_id: int | None = None,
) -> int:
    """Queue a message inside the caller's transaction (after the recipient's lock, so their
    messages get ids in the order of the transactions that queue them, across workers)."""
    await lock_people(conn, [(channel, user_id)])
    rows = await conn.execute_fetchall(
        "INSERT INTO outbox (channel, user_id, payload, ticket_id, ticket_message_id, next_at, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            channel,
            user_id,
            json.dumps(payload, ensure_ascii=False),
            ticket_id,
            ticket_message_id,
            now,
            now,
        ),
    )
    return rows[0][0]


async def enqueue_many(
    conn: aiosqlite.Connection, rows: Sequence[tuple[str, str, object, float, int | None]]
) -> None:
    """Queue (channel, user_id, payload, now, ticket_message_id) rows, in this order, inside
    the caller's transaction: one statement for a batch of messages. The caller holds the
    recipients' locks (bot/conversations.py takes its people's first)."""
    await conn.executemany(
        "INSERT INTO outbox (channel, user_id, payload, ticket_message_id, next_at, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (channel, user_id, json.dumps(payload, ensure_ascii=False), message_id, now, now)
            for channel, user_id, payload, now, message_id in rows
        ],
    )
