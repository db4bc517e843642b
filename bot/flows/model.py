"""The flow definition, as the engine sees it once a YAML file is loaded and checked.

A flow is a list of nodes. The engine walks "passing" nodes (message, link, jump, router)
at once and stops at "waiting" nodes (question, input) or "resting" nodes (end, handoff).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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
class NodeBase:
    id: str
    line: int


@dataclass(frozen=True)
class Message(NodeBase):
    text: str
    next: str | None


@dataclass(frozen=True)
class Question(NodeBase):
    text: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Input(NodeBase):
    text: str
    validate: str
    next: str | None
    save: str | None = None
    retry: str | None = None


@dataclass(frozen=True)
class Link(NodeBase):
    text: str
    url: str
    label: str
    next: str | None


@dataclass(frozen=True)
class Places(NodeBase):
    """Asks where the person is, shows the nearest help places, goes on to `next`."""

    text: str
    next: str | None
    need: str | None = None
    """Help beyond a procedure the places must offer (`apprendre`, `internet`, `materiel`,
    `langue`); None: the places fit the topic."""


@dataclass(frozen=True)
class Jump(NodeBase):
    flow: str
    node: str | None = None


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
