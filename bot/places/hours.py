"""Is a place open, from its OpenStreetMap `opening_hours`, in Paris time, holidays included.

Evaluation is done by `opening_hours_py` (a Rust implementation of the OSM specification
that knows French public holidays). Open data rarely writes `PH off`; French public desks
are closed on public holidays, so a schedule that says nothing about them gets `PH off`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours, State, validate

PARIS = ZoneInfo("Europe/Paris")
LOOK_AHEAD = timedelta(days=8)
"""How far `opens` looks: beyond a week, "closed" says enough."""


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Opening:
    """The state at one moment: open until, or closed and opening when, or unknown."""

    status: Status
    until: datetime | None = None
    opens: datetime | None = None
    holiday: bool = False
    comment: str = ""

    def opens_within(self, delay: timedelta, now: datetime) -> bool:
        return self.opens is not None and self.opens - local(now) <= delay

    def as_json(self) -> dict:
        out: dict = {"state": self.status.value}
        if self.until:
            out["until"] = self.until.isoformat()
        if self.opens:
            out["opens"] = self.opens.isoformat()
        if self.holiday:
            out["holiday"] = True
        if self.comment:
            out["comment"] = self.comment
        return out


UNKNOWN = Opening(Status.UNKNOWN)


def local(moment: datetime) -> datetime:
    """Aware time in Paris; a naive time is taken as Paris wall-clock time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=PARIS)
    return moment.astimezone(PARIS)


@lru_cache(maxsize=4096)
def readable(expression: str) -> bool:
    """Whether `expression` is valid OpenStreetMap `opening_hours` syntax."""
    return bool(expression.strip()) and validate(expression)


_FRENCH_TIME = re.compile(r"(?<![\d:])(\d{1,2})\s*[hH:]\s*(\d{2})?(?![\d:])")


def repaired(expression: str) -> str | None:
    """`Mo-Fr 9h-12h30` (French habit) rewritten `Mo-Fr 09:00-12:30`, if that makes it valid."""
    fixed = _FRENCH_TIME.sub(
        lambda m: f"{int(m.group(1)):02d}:{m.group(2) or '00'}", expression.strip()
    )
    return fixed if fixed != expression and readable(fixed) else None


class Schedule:
    """A parsed `opening_hours` expression; parse once, evaluate many times."""

    __slots__ = ("_base", "_holidays_added", "_hours", "expression")

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self._holidays_added = "PH" not in expression
        with_holidays = f"{expression}; PH off" if self._holidays_added else expression
        self._hours = OpeningHours(with_holidays, timezone=PARIS, country="FR")
        self._base: OpeningHours | None = None

    @classmethod
    def parse(cls, expression: str) -> Schedule | None:
        """None when the expression is empty or not valid syntax."""
        if not readable(expression):
            return None
        try:
            return cls(expression)
        except (SyntaxError, ValueError):
            return None

    def at(self, now: datetime) -> Opening:
        now = local(now)
        state, comment = self._hours.state(now)
        if state == State.OPEN:
            until = self._hours.next_change(now)
            return Opening(Status.OPEN, until=_paris(until), comment=comment)
        if state == State.UNKNOWN:
            return Opening(Status.UNKNOWN, comment=comment)
        return Opening(Status.CLOSED, opens=self._next_opening(now), holiday=self._holiday(now))

    def _holiday(self, now: datetime) -> bool:
        """Closed only because of the `PH off` we added: the place would be open today."""
        if not self._holidays_added:
            return False
        if self._base is None:
            self._base = OpeningHours(self.expression, timezone=PARIS, country="FR")
        return self._base.state(now)[0] == State.OPEN

    def _next_opening(self, now: datetime) -> datetime | None:
        moment, limit = now, now + LOOK_AHEAD
        while moment < limit:
            change = self._hours.next_change(moment)
            if change is None or change >= limit:
                return None
            if self._hours.state(change)[0] == State.OPEN:
                return _paris(change)
            moment = change
        return None

    def day(self, day: date) -> list[tuple[time, time]]:
        """The open intervals of one day (for "today: 9:00-12:00, 13:30-17:00")."""
        start = datetime.combine(day, time(), PARIS)
        end = start + timedelta(days=1)
        found = []
        for begin, finish, state, _ in self._hours.intervals(start, end):
            if state == State.OPEN:
                found.append((_paris(begin).time(), _paris(finish).time()))
        return found


def _paris(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return local(moment)
