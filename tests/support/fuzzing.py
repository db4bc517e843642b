"""What the fuzz tests share: hypothesis settings scaled by RELAIS_FUZZ_SCALE, event loops
that live across examples, logged errors, time limits, the database's invariants, and
Relais with the real France Services list.

RELAIS_FUZZ_SCALE multiplies every example count (RELAIS_FUZZ_SCALE=10 searches longer);
RELAIS_FUZZ_NO_SHRINK=1 reports a failure as found, without shrinking it (quicker).
Whether the examples are random or fixed is the hypothesis profile's (tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
from pathlib import Path

import httpx
from hypothesis import HealthCheck, Phase, settings

from bot.app import start
from bot.config import Settings
from bot.engine import Engine, Session
from bot.handoff.mediators import set_organisation
from bot.handoff.tickets import OPEN
from tests.conftest import load_france_services

SCALE = float(os.environ.get("RELAIS_FUZZ_SCALE", "1"))


PHASES = tuple(Phase)
if os.environ.get("RELAIS_FUZZ_NO_SHRINK"):
    PHASES = tuple(p for p in Phase if p is not Phase.shrink)


def fuzz(examples: int):
    """Hypothesis settings: `examples` (times RELAIS_FUZZ_SCALE), no deadline, one bug shrunk
    and shown at a time (shrinking each of several takes long; the inputs found so far are
    kept below as plain tests, see "found by fuzzing")."""
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        deadline=None,
        report_multiple_bugs=False,
        phases=PHASES,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )


SAINT_DENIS = "france-services:668"
GROUP = -1001234567890
"""The Telegram group of the organisation that answers for Saint-Denis."""
HANDOFF_WALK = (
    "menu",
    "humain",
    "autre",
    "48.9426, 2.3816",  # at its door: first at any hour, whatever is open around it
    "France services Saint-Denis",
    "oui",
    "Je n'arrive pas à me connecter.",
)
"""A resident's words from anywhere to a ticket at Saint-Denis (through the shipped flows)."""


# Plumbing: event loops, logged errors, time limits, the database's invariants.


class Loop:
    """An event loop that lives across the examples of one test, with its clean-ups."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.cleanups: list = []

    def run(self, awaitable):
        return self.loop.run_until_complete(awaitable)

    def __enter__(self) -> Loop:
        return self

    def __exit__(self, *_) -> None:
        try:
            for cleanup in reversed(self.cleanups):
                self.run(cleanup())
            self.run(self.loop.shutdown_asyncgens())
        finally:
            self.loop.close()


class ErrorLog(logging.Handler):
    """Records logged at ERROR or above, by anyone: Relais, python-telegram-bot (which logs
    what a handler raised), asyncio. An exception caught and logged is still a bug here."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def check(self) -> None:
        found, self.records = self.records, []
        assert not found, "logged as errors:\n" + "\n".join(self.format(r) for r in found)


@contextlib.contextmanager
def error_log():
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


class TookTooLong(Exception):
    pass


@contextlib.contextmanager
def at_most(seconds: float):
    """Fail instead of hanging (only where a timer signal can be used: the main thread)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expired(*_) -> None:
        raise TookTooLong(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


async def check_database(conn, engine: Engine) -> None:
    """What must hold in the database between any two requests."""
    sessions: dict[tuple[str, str], Session] = {}
    for channel, user_id, state in await conn.execute_fetchall(
        "SELECT channel, user_id, state FROM sessions"
    ):
        session = Session.from_json(state)
        sessions[(channel, user_id)] = session
        nowhere = session.is_new and not session.flow and not session.node  # an opt-out only
        assert nowhere or engine.flows.get(session.flow, session.node) is not None, (
            f"the conversation of {channel}:{user_id} is at a missing node "
            f"{session.flow!r}/{session.node!r}"
        )
    found: dict[str, tuple[str, str, str]] = {}
    for code, status, channel, user_id in await conn.execute_fetchall(
        "SELECT code, status, channel, user_id FROM tickets"
    ):
        found[code] = (status, channel, user_id)
        if status not in ("open", "claimed"):
            continue
        session = sessions.get((channel, user_id))
        assert session is not None and session.ticket == code, (
            f"ticket {code} is {status} but the conversation of {channel}:{user_id} "
            + ("does not exist" if session is None else f"has ticket {session.ticket!r}")
        )
    for (channel, user_id), session in sessions.items():
        if not session.ticket:
            continue
        status, *owner = found.get(session.ticket, ("missing", "", ""))
        assert status in OPEN and owner == [channel, user_id], (
            f"the conversation of {channel}:{user_id} waits on ticket {session.ticket}, "
            f"which is {status}" + ("" if owner == [channel, user_id] else f" and is {owner}'s")
        )
    orphans = await conn.execute_fetchall(
        "SELECT id FROM ticket_messages WHERE ticket_id NOT IN (SELECT id FROM tickets)"
    )
    assert not orphans, f"ticket messages without a ticket: {orphans}"
    broken = await conn.execute_fetchall("PRAGMA foreign_key_check")
    assert not broken, f"rows pointing at missing rows: {broken}"


TABLES = ("sessions", "inbound", "tickets", "ticket_messages", "outbox", "telegram_posts")


async def snapshot(conn) -> dict[str, list]:
    return {
        t: list(await conn.execute_fetchall(f"SELECT * FROM {t} ORDER BY 1, 2")) for t in TABLES
    }


async def count(conn, sql: str, *params) -> int:
    rows = await conn.execute_fetchall(sql, params)
    return rows[0][0]


async def relais_with_places(db: Path, **kwargs):
    """Relais on a fresh SQLite file with the real France Services list, and an organisation
    that answers for Saint-Denis in a Telegram group."""
    relais = await start(Settings(db=str(db), log_level="WARNING", **kwargs))
    await load_france_services(relais.conversations)
    await set_organisation(
        relais.db, "France Services Saint-Denis", places=(SAINT_DENIS,), telegram_chat=GROUP
    )
    return relais


def asgi_client(app, base_url: str = "http://internal") -> httpx.AsyncClient:
    """Exceptions of the app become 500 answers (which the tests refuse), not client errors."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url=base_url)
