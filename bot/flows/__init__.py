"""Decision flows: their definition, loading from YAML and checking."""

from bot.flows.loader import load_flows
from bot.flows.model import (
    Choice,
    End,
    Flow,
    FlowSet,
    Handoff,
    Input,
    Jump,
    Link,
    Message,
    Node,
    Places,
    Question,
    Route,
    Router,
)
from bot.flows.problems import FlowError

__all__ = [
    "Choice",
    "End",
    "Flow",
    "FlowError",
    "FlowSet",
    "Handoff",
    "Input",
    "Jump",
    "Link",
    "Message",
    "Node",
    "Places",
    "Question",
    "Route",
    "Router",
    "load_flows",
]
