"""Decision flows: their definition, loading from YAML and checking.

The package exports the model only: loading and checking (`bot.flows.loader`,
`bot.flows.check`) are imported where they are used, so the engine does not load the
YAML reader, the JSON Schema validator or the checker.
"""

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
]
