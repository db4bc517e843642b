"""The service around the engine: one write transaction per message, then its effects.

Each inbound message is handled inside one write transaction: record its id (a second
delivery stops here), load the session, run the engine, save the new state. A crash before
COMMIT leaves nothing half done; a crash after it leaves the conversation at its new step.
Write transactions queue on a first-in first-out lock (and on SQLite's own lock across
processes), so one person's messages are processed one at a time, in arrival order.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.engine import Engine, Event, Outcome, Reply, Session, texts
from bot.store import Database
from bot.store.sessions import delete_session, first_delivery, load_session, save_session

log = logging.getLogger(__name__)


class _EngineFailure(Exception):
    """A bug in the engine or the flows: the transaction is rolled back, the person told."""

    def __init__(self, session: Session) -> None:
        super().__init__("engine failure")
        self.session = session
        self.lang = session.lang or "fr"


@dataclass(frozen=True)
class Handled:
    replies: tuple[Reply, ...]
    session: Session
    duplicate: bool = False


class Conversations:
    def __init__(self, db: Database, engine: Engine) -> None:
        self.db = db
        self.engine = engine

    async def handle(
        self,
        channel: str,
        user_id: str,
        event: Event,
        *,
        external_id: str | None = None,
        now: datetime | None = None,
        lang: str | None = None,
    ) -> Handled:
        """Process one message from one person, after the ones that came before it."""
        now = now or datetime.now(UTC)
        stamp = now.timestamp()
        try:
            async with self.db.transaction(begin=False) as conn:
                message_id = external_id or uuid.uuid4().hex
                session = await first_delivery(conn, channel, user_id, message_id, stamp)
                if session is None:
                    return Handled((), await load_session(conn, channel, user_id), duplicate=True)
                if session.is_new:
                    session.lang = self.engine.start_language(lang)
                outcome = self._step(session, event, now)
                await self._apply(conn, channel, user_id, outcome, stamp)
        except _EngineFailure as failure:
            log.exception("the engine failed on a %s message; nothing was saved", channel)
            return Handled((Reply(texts.FAILURE, lang=failure.lang),), failure.session)
        return Handled(outcome.replies, outcome.session)

    def _step(self, session: Session, event: Event, now: datetime) -> Outcome:
        try:
            return self.engine.step(session, event, now)
        except Exception as exc:
            raise _EngineFailure(session) from exc

    async def set_stopped(self, channel: str, user_id: str, stopped: bool) -> None:
        """Record an opt-out (or its end) reported by the channel itself: Twilio's STOP,
        a Telegram user who blocked the bot. Nothing is sent to a stopped person."""
        async with self.db.transaction() as conn:
            session = await load_session(conn, channel, user_id)
            if session.stopped != stopped:
                session.stopped = stopped
                await save_session(conn, channel, user_id, session, datetime.now(UTC).timestamp())
        log.info("%s user %s messages", channel, "stopped" if stopped else "accepts")

    async def peek(self, channel: str, user_id: str) -> Session:
        """The saved state of a conversation, without changing it."""
        return await load_session(self.db.conn, channel, user_id)

    async def _apply(self, conn, channel: str, user_id: str, outcome: Outcome, now: float) -> None:
        kinds = {effect.kind for effect in outcome.effects}
        if "erase" in kinds:
            await delete_session(conn, channel, user_id)
            log.info("erased the data of a %s user on request", channel)
            return
        await save_session(conn, channel, user_id, outcome.session, now)
        for effect in outcome.effects:
            if effect.kind == "handoff":
                log.info("hand-off asked on %s, topic %s", channel, effect.data.get("topic"))
