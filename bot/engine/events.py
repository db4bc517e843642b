"""What a resident can send, whatever the channel."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


def button_token(key: str) -> str:
    """A short opaque name for a question, for channels that limit button data (Telegram: 64
    bytes). The engine accepts it in place of the question's key."""
    return hashlib.sha1(key.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Button:
    """A press on a button. `key` names the question it belonged to, so an old one is spotted."""

    key: str
    choice: int


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class Media:
    """A photo, a voice message, a sticker, a file: nothing the engine can read."""

    kind: str = "media"


# What the service tells a conversation about its ticket (never typed by the resident).


@dataclass(frozen=True)
class TicketOpened:
    """The ticket the resident consented to is open, under this code."""

    code: str


@dataclass(frozen=True)
class TicketRefused:
    """No organisation could take the ticket (the place stopped answering meanwhile)."""


@dataclass(frozen=True)
class MediatorSaid:
    code: str
    name: str
    text: str


@dataclass(frozen=True)
class TicketClosed:
    code: str
    by: str = ""
    """The mediator who closed it."""


ResidentEvent = Text | Button | Location | Media
TicketEvent = TicketOpened | TicketRefused | MediatorSaid | TicketClosed
Event = ResidentEvent | TicketEvent
