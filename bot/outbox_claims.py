"""Which worker sends which outbox row, when several share one database (issue 19).

A worker claims the rows it sends (`claimed_by`, `lease_until`; `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so two workers looking at once take different rows) and renews the claims every
third of the lease while it sends; a dead worker's rows go again once their lease has run
out. Only a recipient's oldest row (`head`, migration 0012) can be claimed, so their order
holds across workers. Channels whose rate limit is the bot's, not the worker's, are sent by
one worker only, elected by a lease (bot/store/leases.py). On SQLite the same statements run
in the one serving process, which always wins.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.store import Database, leases

log = logging.getLogger(__name__)

ONE_SENDER = {"telegram": "sender:telegram", "telegram-chat": "sender:telegram"}  # (outbox.CHAT)
"""Channels sent by one worker at a time, elected by the lease named here. Telegram limits a
bot to 30 messages a second (and 20 a minute in a group) whichever process sends them;
python-telegram-bot's limiter in that one worker keeps all of these limits, with no database
round trip a message, and one process sends 30 a second with a fraction of a core: sharing
the sending would gain nothing. (A token bucket in the database would be needed per group
chat too.) If the elected worker dies, another takes over when its lease runs out."""


def skip_locked(db: Database) -> str:
    """How a claim skips rows another worker is claiming at the same moment: PostgreSQL's
    row locks; SQLite has one writer at a time, so nothing to add."""
    return " FOR UPDATE SKIP LOCKED" if getattr(db, "dialect", "sqlite") == "postgresql" else ""


@dataclass
class Claims:
    db: Database
    worker: str
    """Who claims (bot/store/leases.py: worker_name)."""
    lease: float
    """Seconds a claim or an election lasts unrenewed."""
    channels: tuple[str, ...]
    elected: dict[str, bool] = field(default_factory=dict)
    """ONE_SENDER leases: whether this worker holds each."""
    sending: dict[tuple[str, str], int] = field(default_factory=dict)
    """The row being sent to each busy recipient (its claim is renewed)."""
    renew_at: float = 0.0

    def may_send(self, channel: str) -> bool:
        return channel not in ONE_SENDER or self.elected.get(ONE_SENDER[channel], False)

    async def renew(self, now: float) -> None:
        """Every third of the lease: renew the claims on the rows being sent, and take or
        renew the elections (a worker that lost one stops claiming its channels)."""
        if now < self.renew_at:
            return
        self.renew_at = now + self.lease / 3
        for name in sorted({ONE_SENDER[c] for c in self.channels if c in ONE_SENDER}):
            held = await leases.hold(self.db, name, self.worker, self.lease, now)
            if held != self.elected.get(name):
                log.info("this worker %s the %s", "is now" if held else "is no longer", name)
            self.elected[name] = held
        if self.sending:
            ids = list(self.sending.values())
            marks = ", ".join("?" for _ in ids)
            async with self.db.transaction() as conn:
                await conn.execute(
                    f"UPDATE outbox SET lease_until = ? WHERE claimed_by = ? AND id IN ({marks})",
                    (now + self.lease, self.worker, *ids),
                )

    async def release(self) -> None:
        """Give the elections up: another worker sends at once, not after the lease."""
        for name, held in self.elected.items():
            if held:
                await leases.release(self.db, name, self.worker)
        self.elected.clear()

    async def claim(self, channel: str, now: float, room: int) -> list[tuple]:
        """Claim up to `room` due heads of `channel` nobody holds, read by index in due order
        (a look costs what it sends, not the backlog); their rows. A look that finds none
        only reads (most looks: a wake-up for another channel, a poll)."""
        due = await self.db.conn.execute_fetchall(
            "SELECT 1 FROM outbox WHERE channel = ? AND head = 1 AND next_at <= ? "
            "AND (lease_until IS NULL OR lease_until < ?) LIMIT 1",
            (channel, now, now),
        )
        if not due:
            return []
        async with self.db.transaction() as conn:
            return await conn.execute_fetchall(
                "UPDATE outbox SET claimed_by = ?, lease_until = ? WHERE id IN ("
                "SELECT id FROM outbox WHERE channel = ? AND head = 1 AND next_at <= ? "
                "AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_at LIMIT ?"
                f"{skip_locked(self.db)}) RETURNING id, channel, user_id, payload, "
                "ticket_id, ticket_message_id, attempts",
                (self.worker, now + self.lease, channel, now, now, room),
            )
