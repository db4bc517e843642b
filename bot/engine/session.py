"""A resident's conversation state: small, JSON-serialisable, everything needed to resume."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

MAX_BACK = 10
MAX_PATH = 20
MAX_ANSWER = 200


@dataclass
class Session:
    lang: str = ""
    """The resident's language; empty until it is known (SMS asks for it first)."""
    channel: str = ""
    """The channel the person writes on (sms, whatsapp, telegram, console), for routers."""
    flow: str = ""
    node: str = ""
    back: list[list[str]] = field(default_factory=list)
    """Questions answered before, newest last, for RETOUR."""
    path: list[list] = field(default_factory=list)
    """[flow, node, answer] steps, for the hand-off summary (answer: choice number or value)."""
    vars: dict[str, str] = field(default_factory=dict)
    misses: int = 0
    pending: str | None = None
    """A system question awaiting its answer: "erase", "language", "first-language", "place",
    "commune", "spelling", "consent", "note", "leave" or "feedback" ("-again" when it was
    asked a second time)."""
    languages: list[str] = field(default_factory=list)
    """The languages the pending language question offers, in the order shown (empty: all)."""
    offered: list[list] = field(default_factory=list)
    """The help places last offered to pick from: [place key, name, distance in km]."""
    place: list = field(default_factory=list)
    """The help place picked: [place key, name, distance in km, how it was measured]."""
    where: list = field(default_factory=list)
    """Where the places were looked for: [lat, lon, label, approximate, precise]."""
    communes: list[list] = field(default_factory=list)
    """Communes offered to choose from (homonyms, close spellings): [label, lat, lon, code]."""
    home: bool = False
    """The person said they cannot travel: mobile and remote help come first."""
    ticket: str = ""
    """The code of the open ticket: while set, what the resident writes goes to a mediator."""
    relayed: bool = False
    """The resident was told their messages are passed on (said once, not on every message)."""
    closed: str = ""
    """The ticket just closed, whose "did this help?" awaits an answer."""
    stopped: bool = False
    window: float = 0.0
    """Start (seconds since the epoch) of the minute whose messages `count` counts."""
    count: int = 0
    hushed: bool = False
    """Told to slow down in this minute: the next messages get no answer until it ends."""
    reminders: dict[str, int | None] = field(default_factory=dict)
    """The reminders the person asked for: purpose -> month of their last declaration (for
    a quarterly one) or None (bot/engine/reminders.py)."""
    last_seen: float | None = None
    """Seconds since the epoch of the last processed message; None for a new session."""

    @property
    def is_new(self) -> bool:
        return self.last_seen is None

    def to_json(self) -> str:
        # vars(), not dataclasses.asdict(): no deep copy of the lists on every message.
        return json.dumps(vars(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Session:
        data = json.loads(raw)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def remember(self, flow: str, node: str, answer: int | str | None) -> None:
        if isinstance(answer, str):
            answer = answer[:MAX_ANSWER]
        self.path = [*self.path, [flow, node, answer]][-MAX_PATH:]

    def push_back(self, flow: str, node: str) -> None:
        if [flow, node] != (self.back[-1] if self.back else None):
            self.back = [*self.back, [flow, node]][-MAX_BACK:]
