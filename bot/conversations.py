"""The service around the engine: messages processed durably, in order, in batches.

Messages wait in one first-in first-out queue. A worker takes all that are waiting and
handles them in one write transaction ("group commit"): record their ids (a message seen
before is not processed again), load the sessions, run the engine on each message in
arrival order, save the new states, commit; only then are the replies released. A crash
before COMMIT leaves nothing half done, and the channel's retry brings the messages back; a
crash after it leaves each conversation at its new step. One person's messages are thus
processed one at a time, in arrival order. Across workers sharing a PostgreSQL database, the
batch first takes each of its people's locks (bot/store/locks.py), so a person's messages
handled by two workers are processed one after the other, never both from the same state;
on SQLite the one write transaction at a time does the same.
Under load a batch holds many messages, so the database round trips are shared.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot import window
from bot.effects import Effects
from bot.engine import Engine, Event, Outcome, Reply, Session, Text, texts
from bot.engine.effects import Erase
from bot.engine.events import ResidentEvent
from bot.handoff import deliveries as ticket_deliveries
from bot.handoff.relay import Relay
from bot.outbox import enqueue_many, replies_payload
from bot.places.reload import PlacesWatch
from bot.reminders.store import forget as forget_reminders
from bot.stats.count import Tally
from bot.store import Database
from bot.store.errors import DatabaseError
from bot.store.locks import lock_people, transient
from bot.store.sessions import (
    forget_deliveries,
    load_session,
    load_sessions,
    record_deliveries,
    save_session,
    save_sessions,
)
from bot.text import fold_word, normalize

log = logging.getLogger(__name__)

MAX_BATCH = 200
"""Messages in one transaction at most (SQLite allows 32,766 parameters in a statement)."""
BUSY_RETRIES = (0.2, 0.5, 1.0)
"""Pauses before trying a locked database again (each try also waits SQLite's busy_timeout)."""


class DatabaseBusy(DatabaseError):
    """The database stayed locked: the messages were not processed (nothing half done)."""


@dataclass(frozen=True)
class Handled:
    replies: tuple[Reply, ...]
    session: Session
    duplicate: bool = False
    failed: bool = False
    """Nothing of the message was kept (a bug, logged): the replies are an apology."""


@dataclass(frozen=True)
class _Waiting:
    channel: str
    user_id: str
    event: Event
    message_id: str
    """The channel's id of the message, as stored: a keyed hash (it is only compared)."""
    now: datetime
    lang: str | None
    outbound: bool
    """The replies go to the outbox (a mediator's message, a ticket closed), not to a caller
    answering the resident."""
    future: asyncio.Future

    @property
    def key(self) -> tuple[str, str]:
        return (self.channel, self.user_id)


class _Outgoing:
    """The replies of a batch's outbound messages (Telegram, a mediator's answer), queued
    in the outbox in arrival order with one statement for the batch, not one savepoint and
    one INSERT a message."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, waiting: _Waiting, replies, message_id: int | None) -> None:
        if replies:
            now = waiting.now.timestamp()
            self.rows.append((*waiting.key, replies_payload(replies), now, message_id))

    async def flush(self, conn) -> None:
        if self.rows:
            await enqueue_many(conn, self.rows)
            self.rows = []


class Conversations:
    def __init__(
        self, db: Database, engine: Engine, places_version: tuple[int, float] | None = None
    ) -> None:
        self.db = db
        self.engine = engine
        self.places = PlacesWatch(places_version)
        """Swaps in a new index of help places after an import (bot/places/reload.py)."""
        self.relay = Relay(engine.flows)
        self.effects = Effects(self.relay)
        self.idle_seconds = engine.idle_after.total_seconds()
        """After this long without a message, a conversation was left (for the statistics)."""
        self.clock: Callable[[], float] = time.time
        """The time of messages given no time (tests move it to see a day pass)."""
        self.queued: Callable[[], None] = lambda: None
        """Called after a commit that queued outbox messages (the outbox worker's wake-up)."""
        self._queue: deque[_Waiting] = deque()
        self._worker: asyncio.Task | None = None
        self._queued_outbox = False
        self._erased = False

    async def handle(
        self,
        channel: str,
        user_id: str,
        event: Event,
        *,
        external_id: str | None = None,
        now: datetime | None = None,
        lang: str | None = None,
        outbound: bool = False,
    ) -> Handled:
        """Process one message from one person, after the ones that came before it."""
        waiting = _Waiting(
            channel,
            user_id,
            event,
            self.db.keyed(external_id or uuid.uuid4().hex),
            now or datetime.fromtimestamp(self.clock(), UTC),
            lang,
            outbound,
            asyncio.get_running_loop().create_future(),
        )
        self._queue.append(waiting)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work())
        return await asyncio.shield(waiting.future)

    async def _work(self) -> None:
        while self._queue:
            fresh = await self.places.newer(self.db)
            if fresh is not None:
                self.engine = dataclasses.replace(self.engine, places=fresh)
            batch = [self._queue.popleft() for _ in range(min(len(self._queue), MAX_BATCH))]
            try:
                results = await self._process_retrying(batch)
            except Exception as exc:
                log.exception("%d messages could not be saved; the channels will retry", len(batch))
                for waiting in batch:
                    waiting.future.set_exception(exc)
                continue
            if self._erased:  # what was erased leaves the write-ahead log too
                self._erased = False
                await self.db.checkpoint()
            if any(w.outbound for w in batch) or self._queued_outbox:
                self._queued_outbox = False
                self.queued()
            for waiting, result in zip(batch, results, strict=True):
                waiting.future.set_result(result)

    async def _process_retrying(self, batch: list[_Waiting]) -> list[Handled]:
        """A database locked by another program (a backup, a second process) is waited for,
        with growing pauses, then reported: the channels deliver the messages again. A batch
        PostgreSQL rolled back to break a deadlock between workers is run again."""
        for delay in (*BUSY_RETRIES, None):
            try:
                return await self._process(batch)
            except Exception as exc:
                busy = isinstance(exc, sqlite3.OperationalError) and (
                    "locked" in str(exc) or "busy" in str(exc)
                )
                if not busy and not transient(exc):
                    raise
                if delay is None:
                    raise DatabaseBusy(
                        f"the database {self.db.path} stayed locked; {len(batch)} messages "
                        "were not processed and the channels will deliver them again (is "
                        "another program writing to it? stop it, or give each process its "
                        "own database)"
                    ) from exc
                log.warning("the database is busy (%s); trying again in %.1f s", exc, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _process(self, batch: list[_Waiting]) -> list[Handled]:
        async with self.db.transaction(begin=False) as conn:
            await lock_people(conn, {w.key for w in batch})
            deliveries = [(w.channel, w.message_id, w.now.timestamp()) for w in batch]
            first = await record_deliveries(conn, deliveries)
            sessions = await load_sessions(conn, {w.key for w in batch})
            covered = await self.relay.covered(conn)
            changed: dict[tuple[str, str], tuple[Session, float]] = {}
            erased: set[tuple[str, str]] = set()
            failed: list[tuple[str, str]] = []
            outgoing = _Outgoing()
            results = []
            tally = Tally(self.relay.flows, self.idle_seconds)
            for waiting in batch:
                delivery = (waiting.channel, waiting.message_id)
                session = sessions.get(waiting.key) or Session()
                if delivery not in first:
                    results.append(Handled((), session, duplicate=True))
                    continue
                first.discard(delivery)
                if await self._reopens_window(conn, waiting, session):
                    results.append(Handled((), session))  # "OUI": the held messages answer
                    continue
                outcome = self._step(waiting, session, covered)
                if outcome is not None and outcome.effects:
                    await outgoing.flush(conn)  # (an erasure drops what was queued before it)
                    outcome = await self._carry_out(conn, waiting, outcome, covered, outgoing)
                elif outcome is not None and waiting.outbound:
                    outgoing.add(waiting, outcome.replies, None)
                if outcome is None:
                    failed.append(delivery)
                    apology = Reply(texts.failure(session.lang), lang=session.lang or "fr")
                    results.append(Handled((apology,), session, failed=True))
                    continue
                now = waiting.now.timestamp()
                tally.step(waiting.channel, session, waiting.event, outcome, now)
                sessions[waiting.key] = outcome.session
                if any(isinstance(effect, Erase) for effect in outcome.effects):
                    erased.add(waiting.key)
                    changed.pop(waiting.key, None)
                    log.info("erased the data of a %s user on request", waiting.channel)
                elif not outcome.session.is_new:
                    # (A ticket event for a person who erased everything creates nothing.)
                    erased.discard(waiting.key)
                    changed[waiting.key] = (outcome.session, waiting.now.timestamp())
                results.append(Handled(outcome.replies, outcome.session))
            await outgoing.flush(conn)
            if changed:
                await save_sessions(conn, changed)
            if erased:  # (their session went with the rest: bot/privacy/erasure.py)
                self._erased = True
            if failed:
                await forget_deliveries(conn, failed)
            await tally.flush(conn)
        return results

    async def _reopens_window(self, conn, waiting: _Waiting, session: Session) -> bool:
        """A resident's message opens their channel's window again (bot/window.py) and
        releases what was held; True when it only answers the template ("OUI")."""
        if not isinstance(waiting.event, ResidentEvent) or waiting.channel not in window.CHANNELS:
            return False
        now = waiting.now.timestamp()
        seen = await window.seen(conn, *waiting.key, now)
        await ticket_deliveries.reopened(conn, *waiting.key, seen, now)
        if not seen.answered:
            return False
        self._queued_outbox = True
        if not isinstance(waiting.event, Text):
            return False
        translator = self.engine.catalogs.get(session.lang)
        words = {*texts.YES_WORDS.split("|"), *translator.text(texts.YES_WORDS).split("|")}
        return normalize(waiting.event.text) in {fold_word(word) for word in words}

    def _step(
        self, waiting: _Waiting, session: Session, covered: frozenset[str], event=None
    ) -> Outcome | None:
        """Run the engine; None when it fails (a bug: logged, nothing saved for the message)."""
        try:
            if session.is_new and event is None:
                session.lang = self.engine.start_language(waiting.lang)
            session.channel = waiting.channel
            return self.engine.step(session, event or waiting.event, waiting.now, covered)
        except Exception:
            log.exception("the engine failed on a %s message; nothing was saved", waiting.channel)
            return None

    async def _carry_out(
        self,
        conn,
        waiting: _Waiting,
        outcome: Outcome,
        covered: frozenset[str],
        outgoing: _Outgoing,
    ) -> Outcome | None:
        """Apply the hand-off effects (tickets, their messages) and tell the engine what came
        of them; all or nothing for this message (a savepoint inside the batch)."""
        now = waiting.now.timestamp()
        await conn.execute("SAVEPOINT message")
        try:
            replies, message_id, marks = list(outcome.replies), None, list(outcome.marks)
            effects, done = list(outcome.effects), list(outcome.effects)
            while effects:
                effect = effects.pop(0)
                applied = await self.effects.apply(conn, *waiting.key, effect, now)
                message_id = applied.message_id or message_id
                for event in applied.events:
                    more = self._step(waiting, outcome.session, covered, event)
                    if more is None:
                        raise RuntimeError("the engine failed on a ticket event")
                    replies.extend(more.replies)
                    effects.extend(more.effects)
                    done.extend(more.effects)
                    marks.extend(more.marks)
                    outcome = more
            if any(not isinstance(e, Erase) for e in done) or waiting.outbound:
                self._queued_outbox = True
        except Exception:
            log.exception("a hand-off step on %s failed; nothing was saved", waiting.channel)
            await conn.execute("ROLLBACK TO message")
            await conn.execute("RELEASE message")
            return None
        await conn.execute("RELEASE message")
        if waiting.outbound:
            outgoing.add(waiting, replies, message_id)
        return Outcome(tuple(replies), outcome.session, tuple(done), tuple(marks))

    async def set_stopped(self, channel: str, user_id: str, stopped: bool) -> None:
        """Record an opt-out (or its end) reported by the channel itself: Twilio's STOP,
        a Telegram user who blocked the bot. Nothing is sent to a stopped person."""
        async with self.db.transaction() as conn:
            await lock_people(conn, [(channel, user_id)])
            session = await load_session(conn, channel, user_id)
            if session.stopped != stopped:
                session.stopped = stopped
                if stopped:  # a STOP ends the reminders too, at once
                    session.reminders = {}
                    await forget_reminders(conn, channel, user_id)
                await save_session(conn, channel, user_id, session, self.clock())
        log.info("%s user %s messages", channel, "stopped" if stopped else "accepts")

    async def peek(self, channel: str, user_id: str) -> Session:
        """The saved state of a conversation, without changing it."""
        return await load_session(self.db.conn, channel, user_id)
