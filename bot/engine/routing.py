"""Router nodes: the next node chosen from what the session already knows, asking nothing.

Pure: the facts are read from the session by the engine and passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.session import Session
from bot.flows import FlowSet, Input, Question, Router
from bot.flows.model import Route
from bot.languages import SOURCE_LANGUAGE
from bot.text import normalize


@dataclass(frozen=True)
class Known:
    """What a router may test."""

    topic: str
    """The administration of the procedure the person was in ("other" when none yet)."""
    channel: str
    lang: str
    answers: dict[str, str]
    """The last answer given at each question (its French label) or input (its value) of
    the router's flow, by node id."""


def route(router: Router, known: Known) -> str:
    """The id of the node to go to: the first route that matches, else the default."""
    return next((r.next for r in router.routes if matches(r, known)), router.default)


def matches(route: Route, known: Known) -> bool:
    if route.topics and known.topic not in route.topics:
        return False
    if route.channels and known.channel not in route.channels:
        return False
    if route.langs and known.lang not in route.langs:
        return False
    if route.answer is not None:
        given = known.answers.get(route.answer.node)
        return given is not None and normalize(given) == normalize(route.answer.is_)
    return True


def known(session: Session, flows: FlowSet, flow_id: str, topic: str) -> Known:
    """The facts a router of `flow_id` may test, from the session."""
    answers: dict[str, str] = {}
    for step_flow, node_id, answer in session.path:
        node = flows.get(step_flow, node_id) if step_flow == flow_id else None
        if node is None or answer is None:
            continue
        if isinstance(node, Question) and isinstance(answer, int):
            if answer < len(node.choices):
                answers[node_id] = node.choices[answer].label
        elif isinstance(node, Input):
            answers[node_id] = str(answer)
    return Known(topic, session.channel, session.lang or SOURCE_LANGUAGE, answers)
