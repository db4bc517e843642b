"""The deadlines residents can be reminded of (flows/deadlines.yaml), and when a reminder is
due: a humane hour in Paris, never on a Sunday or a French public holiday."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import jsonschema
import yaml

from bot.config import ConfigError
from bot.paths import SHIPPED_FLOWS

PARIS = ZoneInfo("Europe/Paris")
DEADLINES_FILE = "deadlines.yaml"
SCHEMA = SHIPPED_FLOWS / "deadlines.schema.json"
MAX_LATE = 3 * 3600.0
"""A reminder more than this late (the service was down) is dropped, not sent in the evening."""


class DeadlineError(ConfigError):
    """flows/deadlines.yaml is wrong; the message says where and what."""


@dataclass(frozen=True)
class Deadline:
    id: str
    title: str
    every: str  # "month" or "quarter"
    opens: int
    help: str
    """flow/node that "Aidez-moi" opens."""
    opens_in_february: int | None = None
    closes: int | None = None
    offer_after: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def asks_month(self) -> bool:
        """The person's own calendar: the month of their last declaration is asked once."""
        return self.every == "quarter"

    def day_in(self, month: int) -> int:
        return self.opens_in_february if month == 2 and self.opens_in_february else self.opens


@dataclass(frozen=True)
class Deadlines:
    hour: int
    last_reviewed: str
    items: tuple[Deadline, ...]

    def get(self, purpose: str) -> Deadline | None:
        return next((d for d in self.items if d.id == purpose), None)

    def offered_after(self, flow: str, node: str) -> Deadline | None:
        return next((d for d in self.items if f"{flow}/{node}" in d.offer_after), None)

    def next_due(self, purpose: str, after: float, month: int | None = None) -> float:
        return next_due(self.get(purpose), self.hour, after, month)


def working_day(day: date) -> bool:
    """Not a Sunday, not a public holiday in France (metropolitan list)."""
    return day.weekday() != 6 and day not in _holidays(day.year)


@lru_cache(maxsize=8)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("FR", years=year)


def _months(start: date, step: int, first: int | None):
    """(year, month) from start's month on; every `step` months from month `first`."""
    year, month = start.year, start.month
    for _ in range(40):
        if first is None or (month - first) % step == 0:
            yield year, month
        month += 1
        if month > 12:
            year, month = year + 1, 1


def next_due(deadline: Deadline, hour: int, after: float, month: int | None = None) -> float:
    """The first moment after `after` a reminder is due, at `hour` in Paris on a working day.

    Monthly: the deadline's day, moved to the next working day. Quarterly: the months 3, 6, 9
    and 12 months after the person's last declaration (taken as the latest such month), from
    the deadline's day; a declaration due this very month is reminded from today on.
    """
    start = datetime.fromtimestamp(after, PARIS).date()
    if deadline.asks_month:
        if month is None:
            raise ValueError(f"{deadline.id}: the month of the last declaration is needed")
        step, first = 3, month
    else:
        step, first = 1, None
    for year, m in _months(start.replace(day=1), step, first):
        if deadline.asks_month and (year, m) == (start.year, month):
            continue  # the declaration this month is the last one, already made
        day = date(year, m, deadline.day_in(m))
        if deadline.asks_month and (year, m) == (start.year, start.month):
            day = max(day, start)
        late = deadline.asks_month  # quarterly: any later working day of the month will do
        while not working_day(day) or (late and _at(day, hour) <= after):
            day += timedelta(days=1)
        if _at(day, hour) > after and (not late or day.month == m):
            return _at(day, hour)
    raise AssertionError("no due date in 40 months")


def _at(day: date, hour: int) -> float:
    return datetime.combine(day, time(hour), PARIS).timestamp()


def deadlines_path(flow_paths: tuple[str, ...] | list[str] = ()) -> Path | None:
    """deadlines.yaml beside the flows in use (the shipped ones by default); None when
    other flows have none (no reminders then)."""
    for raw in flow_paths:
        path = Path(raw)
        folder = path if path.is_dir() else path.parent
        if (folder / DEADLINES_FILE).is_file():
            return folder / DEADLINES_FILE
    return None if flow_paths else SHIPPED_FLOWS / DEADLINES_FILE


def read_deadlines(path: Path) -> Deadlines:
    """Read and check the file; DeadlineError names the file and the problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DeadlineError(f"{path}: cannot be read: {exc}") from None
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=str)
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "top"
        raise DeadlineError(f"{path}: {where}: {errors[0].message}")
    try:
        reviewed = date.fromisoformat(data["last_reviewed"])
    except ValueError:
        raise DeadlineError(f"{path}: last_reviewed is not a date (YYYY-MM-DD)") from None
    if reviewed > date.today():
        raise DeadlineError(f"{path}: last_reviewed {reviewed} is in the future")
    items = []
    for raw in data["deadlines"]:
        if raw["every"] == "month" and not raw.get("closes"):
            raise DeadlineError(f"{path}: {raw['id']}: a monthly deadline needs `closes`")
        items.append(
            Deadline(
                id=raw["id"],
                title=raw["title"],
                every=raw["every"],
                opens=raw["opens"],
                help=raw["help"],
                opens_in_february=raw.get("opens_in_february"),
                closes=raw.get("closes"),
                offer_after=tuple(raw.get("offer_after") or ()),
                sources=tuple(raw["sources"]),
            )
        )
    ids = [d.id for d in items]
    if len(set(ids)) != len(ids):
        raise DeadlineError(f"{path}: a deadline id is given twice")
    return Deadlines(data["hour"], data["last_reviewed"], tuple(items))


def check_against_flows(deadlines: Deadlines, flows) -> list[str]:
    """Problems with the flow nodes the deadlines name (they must exist)."""
    problems = []
    for deadline in deadlines.items:
        for ref in (*deadline.offer_after, deadline.help):
            flow, _, node = ref.partition("/")
            if flows.get(flow, node) is None:
                problems.append(f"{deadline.id}: the node {ref} does not exist in the flows")
    return problems
