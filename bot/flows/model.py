"""The flow definition, as the engine sees it once a YAML file is loaded and checked.

A flow is a list of nodes. The engine walks "passing" nodes (message, link, jump, router)
at once and stops at "waiting" nodes (question, input) or "resting" nodes (end, handoff).
Where a node leads is said here once (`edges`, `Jump.target`): the engine, the checker and
the diagrams all read it from the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

SPEC_VERSION = 1
"""The newest flow format this program understands (`spec_version` in each YAML file)."""

VALIDATORS = ("postal_code", "yes_no", "number", "text")
CHANNELS = ("sms", "whatsapp", "telegram", "console")
"""The channels a router may test (`channel:` in a route)."""


@dataclass(frozen=True)
class Choice:
    label: str
    next: str | None
    words: tuple[str, ...] = ()
    line: int = 0
    topic: str | None = None
    command: str | None = None
    """A system action instead of a next node: "privacy" shows what Relais keeps."""


@dataclass(frozen=True)
class Edge:
    """One way out of a node, to another node of the same flow."""

    target: str | None
    """None: the way out is missing (a dead end the checker reports)."""
    via: Choice | Route | None = None
    """The choice or route that takes it; None: the node's one way on, or a router's default."""


@dataclass(frozen=True)
class NodeBase:
    id: str
    line: int

    passing: ClassVar[bool] = False
    """Walked at once, without waiting for the person (message, link, jump, router)."""

    def edges(self) -> tuple[Edge, ...]:
        """The ways out of this node inside its flow (a jump leaves the flow: `target`)."""
        return ()


@dataclass(frozen=True)
class Message(NodeBase):
    text: str
    next: str | None

    passing: ClassVar[bool] = True

    def edges(self) -> tuple[Edge, ...]:
        return (Edge(self.next),)


@dataclass(frozen=True)
class Question(NodeBase):
    text: str
    choices: tuple[Choice, ...]

    def edges(self) -> tuple[Edge, ...]:
        """A choice with a `command` runs it instead of leading to a node."""
        return tuple(Edge(c.next, c) for c in self.choices if c.command is None)


@dataclass(frozen=True)
class Input(NodeBase):
    text: str
    validate: str
    next: str | None
    save: str | None = None
    retry: str | None = None

    def edges(self) -> tuple[Edge, ...]:
        return (Edge(self.next),)


@dataclass(frozen=True)
class Link(NodeBase):
    text: str
    url: str
    label: str
    next: str | None

    passing: ClassVar[bool] = True

    def edges(self) -> tuple[Edge, ...]:
        return (Edge(self.next),)


@dataclass(frozen=True)
class Places(NodeBase):
    """Asks where the person is, shows the nearest help places, goes on to `next`."""

    text: str
    next: str | None
    need: str | None = None
    """Help beyond a procedure the places must offer (`apprendre`, `internet`, `materiel`,
    `langue`); None: the places fit the topic."""

    def edges(self) -> tuple[Edge, ...]:
        return (Edge(self.next),)


@dataclass(frozen=True)
class Jump(NodeBase):
    flow: str
    node: str | None = None

    passing: ClassVar[bool] = True

    def target(self, flows: Mapping[str, Flow]) -> tuple[str, str] | None:
        """(flow, node) it lands on: the node named, else the flow's start; None when the
        flow does not exist."""
        flow = flows.get(self.flow)
        return None if flow is None else (self.flow, self.node or flow.start)


@dataclass(frozen=True)
class Answered:
    """An earlier answer a route tests: the last answer given at `node` of the same flow (a
    question: the choice whose label is `is_`; an input: the value kept)."""

    node: str
    is_: str


@dataclass(frozen=True)
class Route:
    """One way out of a router: taken when every condition it names holds (each condition
    lists the values that match; an empty list means "not tested")."""

    next: str
    topics: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    answer: Answered | None = None
    line: int = 0


@dataclass(frozen=True)
class Router(NodeBase):
    """Chooses the next node, without saying anything, from what the session already knows
    (the topic of the procedure the person was in, the channel, the language, an earlier
    answer): the first route that matches, else `default`."""

    routes: tuple[Route, ...]
    default: str

    passing: ClassVar[bool] = True

    def edges(self) -> tuple[Edge, ...]:
        return (*(Edge(r.next, r) for r in self.routes), Edge(self.default))


@dataclass(frozen=True)
class Handoff(NodeBase):
    text: str | None = None


@dataclass(frozen=True)
class End(NodeBase):
    text: str | None = None


Node = Message | Question | Input | Link | Places | Jump | Router | Handoff | End

KIND_OF: dict[str, type[NodeBase]] = {
    "message": Message,
    "question": Question,
    "input": Input,
    "link": Link,
    "places": Places,
    "jump": Jump,
    "router": Router,
    "handoff": Handoff,
    "end": End,
}


@dataclass(frozen=True)
class Flow:
    id: str
    title: str
    spec_version: int
    sources: tuple[str, ...]
    last_reviewed: date
    start: str
    nodes: dict[str, Node]
    topic: str = "other"
    path: str = ""
    line: int = 1
    meta_lines: dict[str, int] = field(default_factory=dict)
    """Line of each top-level key, for reports about metadata."""

    def meta_line(self, key: str) -> int:
        return self.meta_lines.get(key, self.line)

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]


@dataclass(frozen=True)
class FlowSet:
    """All flows of a deployment, with the one that acts as the main menu."""

    flows: dict[str, Flow]
    main: str = "menu"
    handoff: str = "aide"
    files: tuple[str, ...] = field(default=())

    def get(self, flow_id: str, node_id: str) -> Node | None:
        flow = self.flows.get(flow_id)
        return flow.nodes.get(node_id) if flow else None
