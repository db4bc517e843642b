"""Conversations left for the idle time, counted once as a drop-off at their last node.

Two ways find them, and exactly one counts each: the next message, when it comes after the
idle time (bot/stats/count.py), and this sweep, for those whose next message has not come
(run by `relais stats`, `relais purge` and the figures page). The sweep counts conversations
last seen between the previous sweep's cut-off and its own (now minus the idle time), then
moves the cut-off; a later message counts a drop-off only if it was last seen after it.
Sweeps in several workers at once (PostgreSQL) run one after the other: the second finds the
cut-off moved and counts nothing twice.
"""

from __future__ import annotations

from bot.engine import Session
from bot.flows import FlowSet
from bot.stats.count import SWEPT_UNTIL, Tally, may_leave, swept_until
from bot.store.connection import Connection
from bot.store.locks import one_at_a_time


async def sweep(conn: Connection, flows: FlowSet, idle_seconds: float, now: float) -> int:
    """Count the conversations that became idle since the last sweep; how many left."""
    await one_at_a_time(conn, "idle-sweep")
    since, cutoff = await swept_until(conn), now - idle_seconds
    if cutoff <= since:
        return 0
    rows = await conn.execute_fetchall(
        "SELECT channel, state FROM sessions "
        "WHERE CAST(state ->> 'last_seen' AS DOUBLE PRECISION) > ? "
        "AND CAST(state ->> 'last_seen' AS DOUBLE PRECISION) <= ?",
        (since, cutoff),
    )
    tally, left = Tally(flows, idle_seconds), 0
    for channel, state in rows:
        session = Session.from_json(state)
        if may_leave(flows, session):
            tally.leave(session, channel)
            left += 1
    await tally.flush(conn)
    await conn.execute(
        "INSERT INTO stats_meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (SWEPT_UNTIL, cutoff),
    )
    return left


async def forget_rare_phrases(conn: Connection, before_day: str) -> int:
    """Unmatched phrases seen fewer than 5 times in all, last typed before `before_day`, are
    deleted: a phrase only one or two people typed is no word for the flows, and may be
    about them. Run by `relais purge`, with the conversations' retention."""
    cursor = await conn.execute(
        "DELETE FROM stats_unmatched WHERE (flow, node, lang, phrase) IN ("
        "SELECT flow, node, lang, phrase FROM stats_unmatched GROUP BY flow, node, lang, phrase "
        "HAVING SUM(count) < 5 AND MAX(day) < ?)",
        (before_day,),
    )
    return max(cursor.rowcount, 0)
