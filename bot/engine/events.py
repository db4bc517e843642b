"""What a resident can send, whatever the channel."""

from __future__ import annotations

from dataclasses import dataclass


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


Event = Text | Button | Location
