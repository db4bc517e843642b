"""What the operator sets for the conversations: the flows, the languages, the limits.

The turn and the dialogues read these; `Engine` (core.py) is made of them and adds the
step. Kept apart so that the dialogues can name the settings without importing the
engine that imports them (no import cycle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.flows.model import FlowSet
from bot.i18n import Catalogs

if TYPE_CHECKING:
    from bot.places.search import PlaceIndex
    from bot.reminders.deadlines import Deadlines


@dataclass(frozen=True)
class EngineSettings:
    flows: FlowSet
    catalogs: Catalogs = field(default_factory=Catalogs)
    idle_after: timedelta = timedelta(hours=24)
    places: PlaceIndex | None = None
    """Help places, loaded once at start-up: looking them up does no I/O."""
    rate_limit: int = 20
    """Messages a minute one person may send; beyond, one notice, then silence."""
    max_text: int = 1000
    """Characters of a message kept; a longer one is cut, and the person told."""
    session_days: int = 30
    ticket_days: int = 365
    """What the privacy notice says is kept (the operator's retention settings)."""
    deadlines: Deadlines | None = None
    """The deadlines residents can be reminded of (flows/deadlines.yaml); None: no reminders."""
    locator: str = ""
    """The page that finds a France Services, said when no place is near (the operator's
    setting; empty: not said)."""
