"""Messages Relais sends later (a mediator's answer, a ticket posted to a mediators' chat).

They are written to the `outbox` table in the transaction that decides them, so nothing is
lost if the process stops, then sent by a worker: one recipient's messages in order, many
recipients at once. A channel that is down or answers 429/5xx is retried with growing
waits; other recipients are not held up. The state of a mediator's message (queued,
retrying, sent, failed) is written on the ticket by the `delivered` hook
(bot/handoff/deliveries.py): the outbox itself knows nothing of tickets.

Several workers may share the table: bot/outbox_claims.py says who sends what.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from bot.engine import PlaceView, Reply
from bot.outbox_claims import Claims
from bot.store import Database, leases
from bot.store.connection import Connection
from bot.store.locks import lock_people, transient
from bot.store.sessions import load_session
from bot.window import HELD, WAITING, Window

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
"""Tries before a message is given up (the waits add up to about an hour and a half)."""
MAX_WAIT = 900.0
BATCH = 100
GATHER = 0.01
"""Seconds the worker lets wake-ups gather before it looks for due messages."""
CHAT = "telegram-chat"
"""The pseudo-channel of posts to an organisation's Telegram chat (recipient: the chat id)."""


class TryLater(Exception):
    """The channel could not take the message now (network, 429, 5xx): retry later."""


class Undeliverable(Exception):
    """The message can never be sent (the person blocked the bot, a bad number)."""


class OutsideWindow(Exception):
    """The channel refused free text: the person's 24-hour window is closed (WhatsApp)."""


Sender = Callable[[str, object], Awaitable[list[str] | None]]
"""Sends one outbox payload to one recipient; the channel's ids of the messages sent (for
delivery reports); raises TryLater, Undeliverable or OutsideWindow."""


@dataclasses.dataclass(frozen=True)
class Delivery:
    """What became of a queued message that carries a mediator's message."""

    ticket_message_id: int
    state: str
    """sent, failed, retrying, or waiting (held: WhatsApp's window is closed)."""
    error: str
    sids: tuple[str, ...]
    """The channel's ids of what went (Twilio's, for its delivery reports)."""
    at: float


Delivered = Callable[[Connection, Delivery], Awaitable[None]]
"""Told inside the transaction that records a delivery (bot/handoff/deliveries.py)."""


def backoff(attempts: int) -> float:
    return min(5.0 * 2 ** (attempts - 1), MAX_WAIT)


REMINDER_KEY = "!reminder"
"""The question key of a reminder's choices ("C'est fait" / "Aidez-moi")."""


def is_reminder(payload: object) -> bool:
    return isinstance(payload, list) and any(
        isinstance(r, dict) and (r.get("key") or "").startswith(REMINDER_KEY) for r in payload
    )


def replies_payload(replies: Sequence[Reply]) -> list[dict]:
    """What `dataclasses.asdict` gives, without its deep copies (once a Telegram message)."""
    return [
        {**vars(reply), "place": dict(vars(reply.place)) if reply.place else None}
        for reply in replies
    ]


def replies_of(payload: list[dict]) -> list[Reply]:
    out = []
    for data in payload:
        place = PlaceView(**data["place"]) if data.get("place") else None
        link = tuple(data["link"]) if data.get("link") else None
        out.append(
            Reply(**{**data, "choices": tuple(data["choices"]), "place": place, "link": link})
        )
    return out


async def enqueue(
    conn: Connection,
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


async def waiting(conn: Connection) -> int:
    """Messages queued, sent or not yet due (kept by triggers: at most 32 rows read)."""
    rows = await conn.execute_fetchall("SELECT SUM(waiting) FROM outbox_size")
    return (rows[0][0] or 0) if rows else 0


async def health(conn: Connection) -> dict[str, int]:
    """For /healthz: messages waiting, and the tries of the one retried most (0: none is
    being retried); one statement that reads a counter and one index entry."""
    rows = await conn.execute_fetchall(
        "SELECT (SELECT SUM(waiting) FROM outbox_size), "
        "(SELECT COALESCE(MAX(attempts), 0) FROM outbox WHERE attempts > 0)"
    )
    return {"waiting": rows[0][0] or 0, "most_attempts": rows[0][1]}


async def enqueue_many(
    conn: Connection, rows: Sequence[tuple[str, str, object, float, int | None]]
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


async def forget(conn: Connection, channel: str, user_id: str) -> None:
    """Drop what is queued for a person (their erasure, bot/privacy/erasure.py)."""
    await conn.execute("DELETE FROM outbox WHERE channel = ? AND user_id = ?", (channel, user_id))


async def forget_ticket_posts(conn: Connection, ticket_id: int) -> None:
    """Drop the posts about a ticket not sent yet to its organisation's chat."""
    await conn.execute("DELETE FROM outbox WHERE channel = ? AND ticket_id = ?", (CHAT, ticket_id))


@dataclasses.dataclass(frozen=True)
class _Row:
    id: int
    channel: str
    user_id: str
    payload: object
    ticket_id: int | None
    ticket_message_id: int | None
    attempts: int


class Outbox:
    """The worker that sends what is queued, for the channels this process can reach.

    Each recipient's messages go one at a time, in order; recipients do not wait for each
    other (a slow mediators' group, rate-limited by Telegram, holds up nobody else).
    """

    def __init__(
        self,
        db: Database,
        senders: dict[str, Sender],
        poll: float = 2.0,
        *,
        windows: dict[str, Window] | None = None,
        clock: Callable[[], float] = time.time,
        delivered: Delivered | None = None,
        lease: float = leases.DEFAULT_SECONDS,
        worker: str | None = None,
    ) -> None:
        self.db = db
        self.delivered = delivered
        """Told what became of a mediator's message (None: nobody is told)."""
        self.senders = senders
        self.poll = poll
        self.windows = windows or {}
        """Channels whose free text needs the person's window open (WhatsApp)."""
        self.clock = clock
        self.claims = Claims(db, worker or leases.worker_name(), lease, tuple(senders))
        self._wake = asyncio.Event()
        self._busy: dict[tuple[str, str], asyncio.Task] = {}
        """Recipients with a message being sent: their next one waits for it."""
        self._stopping = False

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Send until `stop()`."""
        while not self._stopping:
            try:
                now = self.clock()
                await self.claims.renew(now)
                await self._dispatch(now)
            except Exception:
                log.exception("the outbox worker failed; it tries again in %.0f s", self.poll)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)
            await asyncio.sleep(GATHER)  # the wake-ups of a busy moment, served by one look
            self._wake.clear()

    async def stop(self, worker: asyncio.Task, grace: float) -> None:
        """Let the messages being sent finish (one cut mid-send would go twice), for `grace`
        seconds at most; what is still queued is sent at the next start."""
        self._stopping = True
        self.wake()
        try:
            await asyncio.wait_for(worker, grace)
            if self._busy:
                await asyncio.wait_for(asyncio.gather(*self._busy.values()), grace)
        except TimeoutError:
            log.error("stopping with outbox messages being sent; they go again at next start")
        with contextlib.suppress(Exception):
            await self.claims.release()

    async def flush(self, now: float | None = None) -> int:
        """Send everything due and wait for it, until nothing more is; the number sent.
        The ONE_SENDER leases taken for it are given back at the end."""
        sent, self.claims.renew_at = 0, 0.0
        try:
            while True:
                at = now or self.clock()
                await self.claims.renew(at)
                started = await self._dispatch(at)
                if not started and not self._busy:
                    return sent
                results = await asyncio.gather(*self._busy.values())
                sent += sum(1 for delivery in results if delivery == "sent")
        finally:
            await self.claims.release()

    async def _dispatch(self, now: float) -> list:
        """Claim and start sending the due message of each recipient that is not busy."""
        started = []
        for row in await self._claim(now):
            key = (row.channel, row.user_id)
            task = asyncio.create_task(self._one(key, row, now))
            self._busy[key] = task
            self.claims.sending[key] = row.id
            started.append((row, task))
        return started

    async def _one(self, key: tuple[str, str], row: _Row, now: float) -> str:
        try:
            return await self._send_and_record(row, now)
        except Exception:
            log.exception(
                "an outbox message to %s could not be recorded; it will go again", row.channel
            )
            return "retrying"
        finally:
            self._busy.pop(key, None)
            self.claims.sending.pop(key, None)
            self.wake()  # that recipient's next message may be due

    async def pending(self) -> int:
        return await waiting(self.db.conn)

    async def _claim(self, now: float) -> list[_Row]:
        """The due head of each recipient nobody is sending to, claimed (bot/outbox_claims.py);
        at most BATCH messages in flight per channel (a backlog on one channel holds up no
        other)."""
        rows: list[_Row] = []
        for channel in self.senders:
            room = BATCH - sum(1 for key in self._busy if key[0] == channel)
            if room > 0 and self.claims.may_send(channel):
                found = await self.claims.claim(channel, now, room)
                rows += [_Row(r[0], r[1], r[2], json.loads(r[3]), *r[4:]) for r in found]
        return sorted(rows, key=lambda row: row.id)

    async def _send(self, row: _Row, now: float) -> tuple[str, str, list[str]]:
        """(what became of it: sent, failed, retry or waiting; the error; the channel's ids
        of what went)."""
        window = self.windows.get(row.channel)
        lang = ""
        try:
            if row.channel != CHAT:
                session = await load_session(self.db.conn, row.channel, row.user_id)
                if session.stopped:
                    raise Undeliverable("la personne a demandé STOP : plus aucun message")
                lang = session.lang
            if window is not None:
                reminder = is_reminder(row.payload)
                held = await window.check(
                    self.db, row.channel, row.user_id, lang, now, reminder=reminder
                )
                if held is not None:
                    return WAITING, held[0], [held[1]] if held[1] else []
            try:
                sids = await self.senders[row.channel](row.user_id, row.payload)
            except OutsideWindow:
                if window is None:
                    raise Undeliverable("hors de la fenêtre de 24 h") from None
                held = await window.check(
                    self.db, row.channel, row.user_id, lang, now, closed=True, reminder=reminder
                )
                return WAITING, held[0], [held[1]] if held[1] else []
        except TryLater as exc:
            return "retry", str(exc), []
        except Undeliverable as exc:
            log.warning("an outbox message to %s could not be sent: %s", row.channel, exc)
            return "failed", str(exc), []
        except Exception as exc:
            log.exception("sending an outbox message to %s failed", row.channel)
            return "retry", f"{type(exc).__name__}: {exc}", []
        return "sent", "", list(sids or [])

    async def _send_and_record(self, row: _Row, now: float) -> str:
        """Recorded as soon as sent: a crash then repeats at most the message in flight
        (Telegram and Twilio cannot tell a repeated request)."""
        delivery, error, sids = await self._send(row, now)
        attempts = row.attempts + 1
        if delivery == "retry" and attempts >= MAX_ATTEMPTS:
            delivery, error = "failed", f"abandonné après {attempts} essais : {error}"
            log.error("gave up a message to %s after %d tries", row.channel, attempts)
        for tries_left in (2, 1, 0):  # a deadlock between workers (PostgreSQL) is tried again
            try:
                return await self._record(row, delivery, error, sids, now)
            except Exception as exc:
                if not transient(exc) or not tries_left:
                    raise
        raise AssertionError("unreachable")

    async def _record(
        self, row: _Row, delivery: str, error: str, sids: list[str], now: float
    ) -> str:
        attempts = row.attempts + 1
        async with self.db.transaction() as conn:
            await lock_people(conn, [(row.channel, row.user_id)])  # before the row's lock
            if delivery == "retry":
                log.warning("a message to %s will be tried again (%s)", row.channel, error)
                await conn.execute(
                    "UPDATE outbox SET attempts = ?, next_at = ?, error = ?, claimed_by = NULL, "
                    "lease_until = NULL WHERE id = ? AND claimed_by = ?",
                    (attempts, now + backoff(attempts), error, row.id, self.claims.worker),
                )
                delivery = "retrying"
            elif delivery == WAITING:  # until the person writes (bot/window.py)
                await conn.execute(
                    "UPDATE outbox SET next_at = ?, error = ?, claimed_by = NULL, "
                    "lease_until = NULL WHERE id = ? AND claimed_by = ?",
                    (HELD, error, row.id, self.claims.worker),
                )
                if row.ticket_message_id is not None:
                    self.wake()  # (the hook tells the desk: a post is queued)
            else:
                await conn.execute("DELETE FROM outbox WHERE id = ?", (row.id,))
            if row.ticket_message_id is not None and self.delivered is not None:
                done = Delivery(row.ticket_message_id, delivery, error, tuple(sids), now)
                await self.delivered(conn, done)
        return delivery
