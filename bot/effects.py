"""The service's side of the engine's effects: each effect type goes to the module that
owns it, through one explicit table. An effect with no handler is a bug and fails loudly
(the transaction of its message rolls back), never silently ignored."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.engine.effects import (
    Effect,
    Erase,
    Feedback,
    LeaveTicket,
    MediatorMessage,
    OpenTicket,
    RelayToMediator,
    Remind,
    Start,
    Stop,
    TicketWasClosed,
    Unremind,
)
from bot.handoff.relay import Applied, Relay
from bot.privacy.erasure import erase_person
from bot.reminders import effects as reminders
from bot.store.connection import Connection

log = logging.getLogger(__name__)

Handler = Callable[[Connection, str, str, Any, float], Awaitable[Applied | None]]
"""(connection, channel, user id, effect, now) → what came of it (None: nothing to tell)."""


class UnknownEffect(TypeError):
    """The engine produced an effect the service has no handler for."""


async def _resumed(conn: Connection, channel: str, user_id: str, effect: Start, now: float) -> None:
    """Messages may go to the person again: the session saved with the step says so; no
    other table holds an opt-out (the reminders STOP ended stay ended)."""
    log.info("a %s user who had written STOP writes again", channel)


async def _erase(conn: Connection, channel: str, user_id: str, effect: Erase, now: float) -> None:
    """Everything of the person goes (bot/privacy/erasure.py)."""
    await erase_person(conn, channel, user_id, now)


class Effects:
    def __init__(self, relay: Relay) -> None:
        self.table: dict[type[Effect], Handler] = {
            OpenTicket: relay.open,
            RelayToMediator: relay.relay,
            MediatorMessage: relay.mediator_said,
            TicketWasClosed: relay.closed,
            LeaveTicket: relay.left,
            Feedback: relay.feedback,
            Erase: _erase,
            Stop: reminders.stop,
            Start: _resumed,
            Remind: reminders.remember,
            Unremind: reminders.forget,
        }

    async def apply(
        self, conn: Connection, channel: str, user_id: str, effect: Effect, now: float
    ) -> Applied:
        handler = self.table.get(type(effect))
        if handler is None:
            raise UnknownEffect(
                f"no handler for the effect {type(effect).__name__}: add it to the table in "
                "bot/effects.py"
            )
        return await handler(conn, channel, user_id, effect, now) or Applied()
