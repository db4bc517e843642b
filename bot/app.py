"""Start-up shared by the commands: settings, flows, catalogs and the database, loaded once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from bot.config import Settings
from bot.conversations import Conversations
from bot.engine import Engine
from bot.flows.loader import load_flows
from bot.handoff import deliveries
from bot.i18n import Catalogs
from bot.outbox import Outbox, Sender
from bot.places.reload import load_index
from bot.places.search import PlaceIndex
from bot.reminders.deadlines import (
    DeadlineError,
    check_against_flows,
    deadlines_path,
    read_deadlines,
)
from bot.store import Database, open_database
from bot.window import Window

SHUTDOWN_GRACE = 10.0
"""Seconds a stopping process gives the messages being sent."""


@dataclass
class Relais:
    settings: Settings
    db: Database
    conversations: Conversations

    @property
    def engine(self) -> Engine:
        return self.conversations.engine

    async def close(self) -> None:
        await self.db.close()

    @contextlib.asynccontextmanager
    async def reminders(self) -> AsyncIterator[None]:
        """Queue the reminders that fall due while the block runs (bot/reminders)."""
        from bot.reminders.scheduler import Scheduler

        scheduler = Scheduler(self.conversations, lease=self.settings.lease_seconds)
        worker = asyncio.create_task(scheduler.run())
        try:
            yield
        finally:
            scheduler.stop()
            await asyncio.gather(worker, return_exceptions=True)

    @contextlib.asynccontextmanager
    async def outbox(
        self, senders: dict[str, Sender], windows: dict[str, Window] | None = None
    ) -> AsyncIterator[Outbox]:
        """Send what is queued for these channels while the block runs."""
        outbox = Outbox(
            self.db,
            senders,
            windows=windows,
            clock=self.conversations.clock,
            delivered=deliveries.record,
            lease=self.settings.lease_seconds,
        )
        self.conversations.queued = outbox.wake
        worker = asyncio.create_task(outbox.run())
        try:
            yield outbox
        finally:
            self.conversations.queued = lambda: None
            await outbox.stop(worker, SHUTDOWN_GRACE)


def build_engine(settings: Settings, places: PlaceIndex | None = None) -> Engine:
    flows = load_flows(list(settings.flows) or None)
    path = deadlines_path(settings.flows)
    deadlines = read_deadlines(path) if path else None
    problems = check_against_flows(deadlines, flows) if deadlines else []
    if problems:
        raise DeadlineError(f"{path}: " + "; ".join(problems))
    return Engine(
        flows,
        Catalogs(),
        deadlines=deadlines,
        idle_after=settings.idle_after,
        places=places,
        rate_limit=settings.rate_limit,
        session_days=round(settings.retention.sessions_days),
        ticket_days=round(settings.retention.delete_tickets_days),
        locator=settings.france_services_url,
    )


async def start(settings: Settings) -> Relais:
    """Load everything once: flows, catalogs, the database and the help places in it."""
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    db = await open_database(settings.db, hash_key=settings.hash_key)
    try:
        places, version = await load_index(db)
        engine = build_engine(settings, places)
    except BaseException:
        await db.close()
        raise
    return Relais(settings, db, Conversations(db, engine, version))
