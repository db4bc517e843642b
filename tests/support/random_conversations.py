"""Random conversations with the pure engine: events of every kind, and what must hold after
each step (a reply to every resident message, a state at an existing node)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from bot.engine import (
    Button,
    Engine,
    Location,
    MediatorSaid,
    Session,
    Text,
    TicketClosed,
    TicketOpened,
    TicketRefused,
)
from bot.engine.commands import WORDS
from bot.flows import Input, Question
from tests.conftest import NOON


def vocabulary(engine: Engine) -> list[str]:
    words = [w for french in WORDS.values() for w in french.split("|")]
    for flow in engine.flows.flows.values():
        for node in flow.nodes.values():
            if isinstance(node, Question):
                for choice in node.choices:
                    words.append(choice.label)
                    words.extend(choice.words)
    return [*sorted(set(words)), "oui", "non", "93200", "2", "0", "99999"]


def waiting_nodes(engine: Engine) -> list[tuple[str, str]]:
    return [
        (flow.id, node.id)
        for flow in engine.flows.flows.values()
        for node in flow.nodes.values()
        if isinstance(node, Question | Input)
    ]


def events(engine: Engine):
    system = ["!erase", "!language", "!place", "!consent", "!note", "!leave", "!feedback", "junk"]
    keys = [f"{f}/{n}" for f, n in waiting_nodes(engine)] + system
    code = st.sampled_from(["R-7K3F", "R-AAAA"])
    return st.one_of(
        st.builds(TicketOpened, code),
        st.just(TicketRefused()),
        st.builds(MediatorSaid, code, st.just("Awa"), st.text(min_size=1, max_size=20)),
        st.builds(TicketClosed, code),
        st.builds(Text, st.sampled_from(vocabulary(engine))),
        st.builds(Text, st.integers(min_value=-1, max_value=12).map(str)),
        st.builds(Text, st.text(max_size=60)),
        st.builds(Button, st.sampled_from(keys), st.integers(min_value=-2, max_value=10)),
        st.builds(
            Location,
            st.floats(min_value=-90, max_value=90, allow_nan=False),
            st.floats(min_value=-180, max_value=180, allow_nan=False),
        ),
    )


_strategies: dict[int, tuple[Engine, SearchStrategy, SearchStrategy]] = {}


def strategies_of(engine: Engine) -> tuple[SearchStrategy, SearchStrategy]:
    """(starting nodes, events) of `engine`, built once: building them walks every flow, and
    Hypothesis validates a new strategy on each draw (that was most of the test's time). The
    same strategies, so the same examples."""
    if id(engine) not in _strategies:
        nodes = st.sampled_from(waiting_nodes(engine))
        _strategies[id(engine)] = (engine, nodes, events(engine))  # keeps the id taken
    _, nodes, any_event = _strategies[id(engine)]
    return nodes, any_event


def run_random_conversation(engine: Engine, data) -> None:
    nodes, any_event = strategies_of(engine)
    session = Session()
    if data.draw(st.booleans()):
        session.flow, session.node = data.draw(nodes)
        session.last_seen = NOON.timestamp()
    now = NOON
    for _ in range(data.draw(st.integers(min_value=1, max_value=25))):
        event = data.draw(any_event)
        now += timedelta(minutes=data.draw(st.sampled_from([0, 1, 30, 60 * 30])))
        outcome = engine.step(session, event, now, covered={"lieu:1"})
        resident = isinstance(event, Text | Button | Location)
        hushed = outcome.session.hushed  # past the rate limit: one notice, then silence
        relayed = any(effect.kind == "relay" for effect in outcome.effects)  # to a mediator
        assert outcome.replies or not resident or hushed or relayed, (
            f"no reply to {event!r} at {session.flow}/{session.node}"
        )
        assert all(reply.text.strip() for reply in outcome.replies)
        session = Session.from_json(outcome.session.to_json())
        if any(effect.kind == "erase" for effect in outcome.effects):
            assert session == Session()
            continue
        if session.is_new:  # only ticket events so far: nothing is kept (see Conversations)
            assert not resident
            continue
        assert engine.flows.get(session.flow, session.node) is not None, (
            f"state points at a missing node {session.flow}/{session.node}"
        )
