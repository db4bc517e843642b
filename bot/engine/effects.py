"""What the engine asks the service to carry out, one frozen dataclass per effect.

The engine only decides; the service (`bot/effects.py`) hands each effect to the module
that owns it, through one table that fails loudly on an effect it does not know. An effect
is carried out in the same transaction as the step that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True)
class Effect:
    """Base of every effect. `kind` names it in logs; `data` is its payload as a dict (the
    mediator's summary is written from it)."""

    kind: ClassVar[str] = ""

    @property
    def data(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# -- hand-off: tickets and what passes between the resident and the mediators ----------------


@dataclass(frozen=True)
class OpenTicket(Effect):
    """The resident agreed to be handed to the mediators of the place they picked."""

    kind: ClassVar[str] = "handoff"
    topic: str
    lang: str
    path: list
    """The steps taken: [flow, node, answer] each."""
    stuck: list | None
    """The last step left without an answer (where the person asked for help)."""
    place: list
    """[key, name] of the place picked."""
    note: str
    helping: bool
    """Someone writes for another person."""


@dataclass(frozen=True)
class RelayToMediator(Effect):
    """The resident's words while a ticket is open: kept on the ticket, shown to the desk."""

    kind: ClassVar[str] = "relay"
    code: str
    text: str


@dataclass(frozen=True)
class MediatorMessage(Effect):
    """A mediator's answer; `delivered`: the resident reads it (else it is kept as failed)."""

    kind: ClassVar[str] = "said"
    code: str
    delivered: bool
    name: str = ""
    text: str = ""


@dataclass(frozen=True)
class TicketWasClosed(Effect):
    """A mediator closed the ticket; `delivered`: the resident was told (and is asked for
    their opinion)."""

    kind: ClassVar[str] = "closed"
    code: str
    by: str = ""
    delivered: bool = True


@dataclass(frozen=True)
class LeaveTicket(Effect):
    """The resident went back to the bot's menu: the mediators' messages no longer reach them."""

    kind: ClassVar[str] = "leave"
    code: str


@dataclass(frozen=True)
class Feedback(Effect):
    """The resident's answer to "did this help you?" after a ticket was closed."""

    kind: ClassVar[str] = "feedback"
    code: str
    helped: bool


# -- the person's data and consent -----------------------------------------------------------


@dataclass(frozen=True)
class Erase(Effect):
    """OUBLI confirmed: everything about the person goes (the session, reminders, queued
    messages, what they said on tickets)."""

    kind: ClassVar[str] = "erase"


@dataclass(frozen=True)
class Stop(Effect):
    """STOP: nothing more is sent to the person; their reminders end."""

    kind: ClassVar[str] = "stop"


@dataclass(frozen=True)
class Start(Effect):
    """A person who had written STOP writes again: messages may be sent to them again."""

    kind: ClassVar[str] = "start"


# -- reminders -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Remind(Effect):
    """Keep a reminder the person asked for (flows/deadlines.yaml)."""

    kind: ClassVar[str] = "remind"
    purpose: str
    lang: str
    next_at: float
    """When it is next due (a Unix time)."""
    month: int | None = None
    """The month of the last declaration, for reminders every 3 months."""


@dataclass(frozen=True)
class Unremind(Effect):
    """Forget one reminder (`purpose`), or all of them (None)."""

    kind: ClassVar[str] = "unremind"
    purpose: str | None = None


EFFECTS: tuple[type[Effect], ...] = (
    OpenTicket,
    RelayToMediator,
    MediatorMessage,
    TicketWasClosed,
    LeaveTicket,
    Feedback,
    Erase,
    Stop,
    Start,
    Remind,
    Unremind,
)
"""Every effect the engine can produce (the service's table must handle each)."""
