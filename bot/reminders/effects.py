"""The reminders effects of a conversation, written inside its transaction."""

from __future__ import annotations

import logging

import aiosqlite

from bot.engine import Effect
from bot.reminders import store

log = logging.getLogger(__name__)


async def reminder_effect(
    conn: aiosqlite.Connection, channel: str, user_id: str, effect: Effect, now: float
) -> None:
    data = effect.data
    if effect.kind == "remind":
        await store.remember(
            conn,
            channel,
            user_id,
            data["purpose"],
            data["lang"],
            data["next_at"],
            now,
            month=data.get("month"),
        )
        log.info("a %s user asked for the %s reminder", channel, data["purpose"])
    elif effect.kind == "unremind":
        await store.forget(conn, channel, user_id, data.get("purpose"))
    elif effect.kind == "stop":
        await store.forget(conn, channel, user_id)
