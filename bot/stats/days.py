"""The day a counter belongs to: the date in Paris, where the residents and desks are."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def day_of(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, PARIS).date().isoformat()


def week_of(day: str) -> str:
    """ISO week of a day, as `2026-W49`."""
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"
