"""The conversation engine: pure, (state, event, now) -> replies, new state, effects."""

from bot.engine.core import Engine
from bot.engine.effects import Effect
from bot.engine.events import (
    Button,
    Event,
    Location,
    Media,
    MediatorSaid,
    Text,
    TicketClosed,
    TicketOpened,
    TicketRefused,
)
from bot.engine.outcome import Outcome, PlaceView, Reply
from bot.engine.session import Session

__all__ = [
    "Button",
    "Effect",
    "Engine",
    "Event",
    "Location",
    "Media",
    "MediatorSaid",
    "Outcome",
    "PlaceView",
    "Reply",
    "Session",
    "Text",
    "TicketClosed",
    "TicketOpened",
    "TicketRefused",
]
