"""What the engine hands back: abstract replies for the channels, effects for the service."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.effects import Effect
from bot.engine.session import Session
from bot.engine.trail import Mark


@dataclass(frozen=True)
class PlaceView:
    """A help place in a reply: the short SMS card and the pin Telegram can show."""

    compact: str
    latitude: float
    longitude: float
    title: str
    address: str


@dataclass(frozen=True)
class Reply:
    """One message to the resident. Channels decide how choices and links look."""

    text: str
    choices: tuple[str, ...] = ()
    key: str | None = None
    """The question the choices answer (`flow/node`), carried by Telegram buttons."""
    link: tuple[str, str] | None = None
    """(label, https URL) of an official page."""
    lang: str = "fr"
    ask_location: bool = False
    """The reply asks where the person is: Telegram offers a "share my location" button."""
    place: PlaceView | None = None


@dataclass(frozen=True)
class Outcome:
    replies: tuple[Reply, ...]
    session: Session
    effects: tuple[Effect, ...] = ()
    marks: tuple[Mark, ...] = ()
    """What happened at which node, for the anonymous statistics (bot/engine/trail.py)."""
