"""The reminders effects of a conversation, written inside its transaction."""

from __future__ import annotations

import logging

from bot.engine.effects import Remind, Stop, Unremind
from bot.reminders import store
from bot.store.connection import Connection

log = logging.getLogger(__name__)


async def remember(
    conn: Connection, channel: str, user_id: str, effect: Remind, now: float
) -> None:
    await store.remember(
        conn,
        channel,
        user_id,
        effect.purpose,
        effect.lang,
        effect.next_at,
        now,
        month=effect.month,
    )
    log.info("a %s user asked for the %s reminder", channel, effect.purpose)


async def forget(
    conn: Connection, channel: str, user_id: str, effect: Unremind, now: float
) -> None:
    await store.forget(conn, channel, user_id, effect.purpose)


async def stop(conn: Connection, channel: str, user_id: str, effect: Stop, now: float) -> None:
    """STOP ends every reminder at once."""
    await store.forget(conn, channel, user_id)
