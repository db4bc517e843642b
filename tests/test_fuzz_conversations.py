"""Fuzzing the conversation service on a real SQLite file (hypothesis): random orders of
residents' messages, mediators' actions and redeliveries. Every resident message is
answered unless passed on to a mediator or rate-limited, redeliveries change nothing,
and the database stays consistent (no conversation at a missing node, no live ticket
without its conversation, no conversation pointing at a dead ticket, no orphan rows).

Hypothesis does not run async tests: each test runs an event loop of its own. The number of
examples and the CI profile: tests/support/fuzzing.py and tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.conversations import Conversations
from bot.engine import Button, Engine, Location, Media, Text, texts
from bot.engine.events import button_token
from bot.handoff import actions, tickets
from bot.store import open_database
from bot.text import clean
from tests.support.fuzzing import (
    HANDOFF_WALK,
    ErrorLog,
    check_database,
    count,
    error_log,
    fuzz,
    relais_with_places,
    snapshot,
)
from tests.support.random_conversations import vocabulary, waiting_nodes
from tests.support.strategies import long_texts, mostly, odd_text

# 4. The conversation service on a real database.

RESIDENTS = (
    ("sms", "+33600000001", None, False),
    ("telegram", "1001", "fr", True),
    ("whatsapp", "whatsapp:+33600000002", None, False),
)
"""(channel, user id, language the app reports, replies through the outbox)."""


def resident_events(engine: Engine):
    words = [
        *vocabulary(engine),
        *HANDOFF_WALK,
        *("humain", "autre", "oui", "non", "oubli", "langue", "stop", "retour", "donnees"),
    ]
    keys = [f"{f}/{n}" for f, n in waiting_nodes(engine)]
    keys += ["!erase", "!language", "!place", "!consent", "!note", "!leave", "!feedback"]
    keys += [button_token(k) for k in keys]
    saint_denis = st.tuples(st.floats(48.90, 48.96), st.floats(2.30, 2.40))
    return st.one_of(
        st.builds(Text, st.sampled_from(sorted(set(words)))),
        st.builds(Text, odd_text),
        st.builds(Text, long_texts()),
        st.builds(Button, st.sampled_from(keys) | odd_text, st.integers(-2, 12)),
        st.builds(Location, st.floats(-90, 90), st.floats(-180, 180)),
        saint_denis.map(lambda p: Location(*p)),
        st.builds(Media, st.sampled_from(["media", "photo", "voice", "sticker"])),
    )


reply_texts = st.one_of(odd_text, st.just("x" * 2001), st.just("  "), long_texts())


class Scenario:
    """Residents, mediators and redeliveries in a random order, checked after every step."""

    ACTIONS = ("say", "say", "say", "walk", "mediator", "mediator", "again", "together", "wait")
    RUSH = ("walk", "walk", "mediators_at_once", "mediators_at_once", "say", "wait")
    """With `rush`: mostly mediators' requests that overlap, on tickets opened at once."""

    def __init__(self, conversations: Conversations, data, errors: ErrorLog, rush: bool) -> None:
        self.conversations = conversations
        self.conn = conversations.db.conn
        self.engine = conversations.engine
        self.data = data
        self.errors = errors
        self.rush = rush
        """Mediators' requests also overlap (each reads the ticket, then acts)."""
        self.events = resident_events(self.engine)
        self.now = datetime.now(UTC)
        self.delivered: list[tuple[tuple, object, str]] = []
        self.plans: dict[tuple, list[str]] = {}
        self.sent = 0
        self.opened = 0

    async def run(self) -> None:
        actions = self.RUSH if self.rush else self.ACTIONS
        for _ in range(self.data.draw(st.integers(1, 25), label="steps")):
            await getattr(self, self.data.draw(st.sampled_from(actions), label="action"))()
            await check_database(self.conn, self.engine)
            self.errors.check()
        self.opened = await count(self.conn, "SELECT count(*) FROM tickets")

    # Residents.

    async def deliver(self, who: tuple, event, message_id: str | None = None):
        channel, user_id, lang, outbound = who
        if message_id is None:
            self.sent += 1
            message_id = f"m{self.sent}"
            self.delivered.append((who, event, message_id))
        return await self.conversations.handle(
            channel,
            user_id,
            event,
            external_id=message_id,
            now=self.now,
            lang=lang,
            outbound=outbound,
        )

    def answered(self, who: tuple, event, handled) -> None:
        assert not handled.duplicate, f"a new message was taken for a redelivery: {event!r}"
        failures = [r for r in handled.replies if r.text == texts.FAILURE]
        assert not failures, f"an apology for a failure, after {event!r} from {who[0]}"
        if handled.replies or handled.session.hushed:
            return
        relayed = isinstance(event, Text) and clean(event.text) and handled.session.ticket
        assert relayed, f"no reply to {event!r} from {who[0]} at {handled.session}"

    async def say(self) -> None:
        """A resident writes: the next words of their walk to a mediator, mostly, if they are
        on one; else anything."""
        walking = [who for who in RESIDENTS if self.plans.get(who)]
        who = self.data.draw(
            mostly(st.sampled_from(walking), st.sampled_from(RESIDENTS))
            if walking
            else st.sampled_from(RESIDENTS),
            label="resident",
        )
        plan = self.plans.get(who)
        if plan and self.data.draw(st.integers(0, 3), label="follow the walk"):
            event = Text(plan.pop(0))
        else:
            event = self.data.draw(self.events, label="event")
        await self.say_one(who, event)

    async def say_one(self, who: tuple, event) -> None:
        lines = "SELECT count(*) FROM ticket_messages WHERE author = 'resident'"
        before = await count(self.conn, lines)
        handled = await self.deliver(who, event)
        self.answered(who, event, handled)
        if not handled.replies and not handled.session.hushed:
            passed_on = await count(self.conn, lines) == before + 1
            assert passed_on, f"{event!r} was neither answered nor passed on"

    async def walk(self) -> None:
        """A resident sets out to reach a person: all the way at once, or step by step among
        the others' messages (see `say`)."""
        who = self.data.draw(st.sampled_from(RESIDENTS), label="walker")
        if self.rush or self.data.draw(st.booleans(), label="at once"):
            for text in HANDOFF_WALK:
                await self.say_one(who, Text(text))
                await check_database(self.conn, self.engine)
        else:
            self.plans[who] = list(HANDOFF_WALK)

    async def together(self) -> None:
        """Messages that arrive at once (one batch; one person's in their order)."""
        batch = self.data.draw(
            st.lists(st.tuples(st.sampled_from(RESIDENTS), self.events), min_size=2, max_size=4),
            label="batch",
        )
        results = await asyncio.gather(*(self.deliver(who, event) for who, event in batch))
        for (who, event), handled in zip(batch, results, strict=True):
            self.answered(who, event, handled)

    async def again(self) -> None:
        """A channel delivers a message again (same id): nothing changes, nothing is said."""
        if not self.delivered:
            return
        who, event, message_id = self.data.draw(st.sampled_from(self.delivered), label="again")
        if self.data.draw(st.booleans(), label="other content"):
            event = self.data.draw(self.events)
        before = await snapshot(self.conn)
        handled = await self.deliver(who, event, message_id)
        assert handled.duplicate and not handled.replies, f"redelivery of {message_id} answered"
        assert await snapshot(self.conn) == before, f"redelivery of {message_id} changed data"

    async def wait(self) -> None:
        seconds = self.data.draw(st.sampled_from([1, 30, 61, 3600, 25 * 3600]), label="wait")
        self.now += timedelta(seconds=seconds)

    # Mediators.

    def mediator_request(self, ticket_id: int, kind: str):
        """What a mediator sends (drawn before any request runs: draws made in coroutines
        that race would not replay)."""
        name = self.data.draw(st.sampled_from(["Awa", "Paul"]) | odd_text, label="name")
        text = self.data.draw(reply_texts, label="reply") if kind == "reply" else ""
        external = self.data.draw(st.none() | st.sampled_from(["t1", "t2"]), label="id")
        return ticket_id, kind, name, text, external

    async def mediator_action(
        self, ticket_id: int, kind: str, name: str, text: str, external: str | None
    ) -> None:
        """As the inbox does it: read the ticket, then act; refusals are fine."""
        ticket = await tickets.ticket_by_id(self.conn, ticket_id)
        try:
            if kind == "reply":
                seen = external is not None and await count(
                    self.conn,
                    "SELECT count(*) FROM inbound WHERE channel = ? AND external_id = ?",
                    ticket.channel,
                    self.conversations.db.keyed(f"mediator:{external}"),  # stored as hashes
                )
                before = await snapshot(self.conn) if seen and not self.rush else None
                await actions.reply(self.conversations, ticket, name, text, external_id=external)
                if before is not None:
                    assert await snapshot(self.conn) == before, "a redelivered reply changed data"
            elif kind == "claim":
                await actions.claim(self.conversations, ticket, name)
            else:
                await actions.close(self.conversations, ticket, name)
        except actions.TicketError as refused:
            assert str(refused).strip()

    async def pick_ticket(self) -> int | None:
        """A ticket, the newest mostly (drawn as a number, so that the draws do not depend on
        how many exist)."""
        which = self.data.draw(st.integers(0, 50), label="ticket (0: the newest)")
        rows = await self.conn.execute_fetchall("SELECT id FROM tickets ORDER BY id DESC")
        return rows[which % len(rows)][0] if rows else None

    async def mediator(self) -> None:
        ticket_id = await self.pick_ticket()
        kind = self.data.draw(st.sampled_from(["reply", "reply", "claim", "close"]), label="kind")
        request = self.mediator_request(ticket_id, kind)
        if ticket_id is not None:
            await self.mediator_action(*request)

    async def mediators_at_once(self) -> None:
        """Requests in flight together: two mediators' (the inbox, a Telegram group), each
        reading the ticket then acting, and a resident's message. A request drawn as `held`
        reaches its own write transaction only once the others are done: a slow request,
        made deterministic (a race between threads would not replay)."""
        first = await self.pick_ticket()
        second = await self.pick_ticket()
        if self.data.draw(st.booleans(), label="same ticket"):
            second = first
        kinds = self.data.draw(
            st.lists(st.sampled_from(["reply", "claim", "close"]), min_size=2, max_size=2),
            label="kinds",
        )
        requests = [self.mediator_request(first, kinds[0]), self.mediator_request(second, kinds[1])]
        held = self.data.draw(st.lists(st.booleans(), min_size=2, max_size=2), label="held")
        who = self.data.draw(st.sampled_from(RESIDENTS), label="resident")
        event = self.data.draw(self.events, label="event")
        if first is None:
            return
        tasks = [asyncio.create_task(self.mediator_action(*request)) for request in requests]
        resident = asyncio.create_task(self.deliver(who, event))
        others = [t for t, h in zip(tasks, held, strict=True) if not h] + [resident]
        door = HeldDoor(self.conversations.db)
        for task, hold in zip(tasks, held, strict=True):
            if hold:
                door.hold(task, asyncio.gather(*others))
        try:
            await asyncio.gather(*tasks, resident)
        finally:
            door.close()
        self.answered(who, event, resident.result())


class HeldDoor:
    """Holds chosen tasks at the door of the database's write transaction until a future is
    done (the other requests): what a slow request meets, without timing."""

    def __init__(self, db) -> None:
        self.db = db
        self.gates: dict[asyncio.Task, asyncio.Future] = {}
        self.real = db.transaction
        db.transaction = self.transaction

    def hold(self, task: asyncio.Task, until: asyncio.Future) -> None:
        self.gates[task] = until

    @contextlib.asynccontextmanager
    async def transaction(self, **kwargs):
        gate = self.gates.pop(asyncio.current_task(), None)
        if gate is not None:
            await asyncio.wait([gate])
        async with self.real(**kwargs) as conn:
            yield conn

    def close(self) -> None:
        del self.db.transaction  # the class's own method again


class Template:
    """A database with the real places and an organisation for Saint-Denis, copied for each
    example (an import for each would take most of the time)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "template.db"

        async def build() -> Engine:
            relais = await relais_with_places(self.path)
            await relais.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            engine = relais.engine
            await relais.close()
            return engine

        self.engine = asyncio.run(build())

    def copy(self) -> Path:
        path = self.folder / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(self.path, path)
        return path


async def play(template: Template, data, errors: ErrorLog, rush: bool) -> int:
    path = template.copy()
    db = await open_database(path)
    try:
        scenario = Scenario(Conversations(db, template.engine), data, errors, rush)
        await scenario.run()
        return scenario.opened
    finally:
        await db.close()
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()


def conversations_test(tmp_path: Path, examples: int, rush: bool) -> None:
    template = Template(tmp_path)
    opened = []
    with error_log() as errors:

        @fuzz(examples)
        @given(data=st.data())
        def one(data) -> None:
            errors.records.clear()
            opened.append(asyncio.run(play(template, data, errors, rush)))

        one()
    assert sum(opened), "no ticket was ever opened: HANDOFF_WALK no longer reaches a mediator"


def test_conversations_stay_consistent_whatever_the_order(tmp_path: Path) -> None:
    conversations_test(tmp_path, 60, rush=False)


def test_conversations_stay_consistent_when_mediators_act_at_once(tmp_path: Path) -> None:
    conversations_test(tmp_path, 60, rush=True)


# Inputs the property above found, kept as plain tests: each fails on every run until the
# bug is fixed (a random search may need many runs to meet a rare input again).


def test_a_claim_slower_than_a_close_found_by_fuzzing(tmp_path: Path) -> None:
    """A mediator claims a ticket while another closes it; the claim read the ticket (open)
    but reaches its write transaction after the close committed (HeldDoor makes it so). It
    used to leave a closed ticket "claimed", its conversation gone (fixed by 1d03c12)."""

    async def race() -> None:
        relais = await relais_with_places(tmp_path / "relais.db")
        door = HeldDoor(relais.db)
        try:
            for text in HANDOFF_WALK:
                await relais.conversations.handle("sms", RESIDENTS[0][1], Text(text))
            (ticket,) = await tickets.list_tickets(relais.db.conn)
            claim = asyncio.create_task(actions.claim(relais.conversations, ticket, "Awa"))
            close = asyncio.create_task(actions.close(relais.conversations, ticket, "Paul"))
            door.hold(claim, close)
            for outcome in await asyncio.gather(claim, close, return_exceptions=True):
                assert outcome is None or isinstance(outcome, actions.TicketError), outcome
            await check_database(relais.db.conn, relais.engine)
        finally:
            door.close()
            await relais.close()

    asyncio.run(race())
