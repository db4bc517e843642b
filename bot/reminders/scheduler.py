"""The scheduler inside `relais serve`: it hands each due reminder to the conversation
service (which queues it for the outbox, in the person's language and channel) and moves the
reminder to its next date.

Each due reminder is processed under an id made of the reminder and its date, so a restart or
a clock jump during the sending minute sends it once: the conversation service drops an id
it has seen. One due more than `MAX_LATE` ago (the service was down) is dropped and counted,
never sent in the evening or at night. Twilio or Telegram being down is the outbox's
business: it retries with growing waits.

With several workers on one database, one of them runs the scheduler: whoever holds the
`job:reminders` lease (bot/store/leases.py), renewed at each look; another takes over when
the holder stops renewing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from bot.conversations import Conversations
from bot.engine.reminders import ReminderDue
from bot.reminders import store
from bot.reminders.deadlines import MAX_LATE
from bot.store import leases

log = logging.getLogger(__name__)

POLL = 30.0
"""Seconds between looks for due reminders."""
LEASE = "job:reminders"


class Scheduler:
    def __init__(
        self,
        conversations: Conversations,
        poll: float = POLL,
        lease: float = leases.DEFAULT_SECONDS,
    ) -> None:
        self.conversations = conversations
        self.db = conversations.database()
        self.poll = poll
        self.lease = poll + lease
        """Outlasts the pause between two looks, which renew it."""
        self.worker = leases.worker_name()
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        """Look for due reminders until `stop()`."""
        db = self.db
        while not self._stop.is_set():
            try:
                now = self.conversations.now()
                if await leases.hold(db, LEASE, self.worker, self.lease, now):
                    await self.tick(now)
            except Exception:
                log.exception("the reminders scheduler failed; it tries again in %.0f s", self.poll)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.poll)
        with contextlib.suppress(Exception):  # another worker takes over at once
            await leases.release(db, LEASE, self.worker)

    async def tick(self, now: float) -> dict[str, int]:
        """Queue or drop every reminder due at `now`; how many of each."""
        done = {"sent": 0, "dropped": 0, "ended": 0}
        deadlines = self.conversations.deadlines()
        if deadlines is None:
            return done
        db = self.db
        for reminder in await store.due(db.conn, now):
            deadline = deadlines.get(reminder.purpose)
            if deadline is None:  # a purpose no longer in flows/deadlines.yaml
                async with db.transaction() as conn:
                    await store.forget(conn, reminder.channel, reminder.user_id, reminder.purpose)
                done["ended"] += 1
                continue
            outcome = "dropped"
            if now - reminder.next_at <= MAX_LATE:
                outcome = await self._queue(reminder, now)
            else:
                log.warning(
                    "a %s reminder was due %.1f h ago: dropped (too late to send)",
                    reminder.purpose,
                    (now - reminder.next_at) / 3600,
                )
            next_at = deadlines.next_due(
                reminder.purpose, max(now, reminder.next_at), reminder.month
            )
            async with db.transaction() as conn:
                await store.advance(conn, reminder, next_at, outcome)
            done[outcome] += 1
        return done

    async def _queue(self, reminder: store.Reminder, now: float) -> str:
        handled = await self.conversations.handle(
            reminder.channel,
            reminder.user_id,
            ReminderDue(reminder.purpose),
            external_id=f"reminder:{reminder.id}:{reminder.next_at:.0f}",
            now=datetime.fromtimestamp(now, UTC),
            outbound=True,
        )
        if handled.failed:
            raise RuntimeError("the engine failed on a due reminder; it is tried again")
        return "sent" if handled.replies or handled.duplicate else "ended"
