"""The France Services list (one column of hours per weekday) turned into places.

Hours are written like `09:00 - 12:00 / 13:30 - 17:00`, sometimes `09:00-12:00,13:30-17:00`,
`08 :30-12:00` or `-` (closed). They become one OpenStreetMap expression, days with the
same hours grouped: `Mo-Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00,13:30-16:00`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

from bot.places import model, values
from bot.places.values import BadValue

DAYS = (
    ("h_lundi", "Mo", "lundi"),
    ("h_mardi", "Tu", "mardi"),
    ("h_mercredi", "We", "mercredi"),
    ("h_jeudi", "Th", "jeudi"),
    ("h_vendredi", "Fr", "vendredi"),
    ("h_samedi", "Sa", "samedi"),
    ("h_dimanche", "Su", "dimanche"),
)
COLUMNS = frozenset({"id_fs", "lib_fs", "latitude", "longitude", "h_lundi"})
"""Columns that identify the France Services list."""

_TIME = re.compile(r"(\d{1,2})\s*[:hH]\s*(\d{2})")
_SEPARATORS = re.compile(r"^[\s\-/,;àa et]*$")
_CLOSED = {"", "-", "fermé", "ferme", "closed"}


class UnreadableHours(ValueError):
    """A weekday's hours cannot be read; the place is kept with its hours as written."""


Interval = tuple[int, int]


def day_intervals(raw: str) -> list[Interval]:
    """Minutes since midnight, [(540, 720), (810, 1020)]; [] when closed.

    The list repeats or overlaps intervals (`08:30 - 11:30 / 08:30 - 11:30`) and writes
    `00:00 - 00:00` for nothing: those are merged or dropped. Intervals out of order
    (`09:00-13:00-/3:00-16:00`) are a typo nobody can fix: UnreadableHours.
    """
    text = raw.strip()
    if text.casefold() in _CLOSED:
        return []
    leftover = _TIME.sub("", text)
    times = [(int(h), int(m)) for h, m in _TIME.findall(text)]
    if not times or len(times) % 2 or not _SEPARATORS.match(leftover):
        raise UnreadableHours(raw)
    if any(h > 24 or m > 59 or (h == 24 and m) for h, m in times):
        raise UnreadableHours(raw)
    minutes = [h * 60 + m for h, m in times]
    pairs = [(a, b) for a, b in zip(minutes[::2], minutes[1::2], strict=True) if (a, b) != (0, 0)]
    if any(b <= a for a, b in pairs):
        raise UnreadableHours(raw)
    if any(later[0] < earlier[0] for earlier, later in pairwise(pairs)):
        raise UnreadableHours(raw)
    merged: list[Interval] = []
    for start, end in pairs:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _days(indexes: list[int]) -> str:
    """[0, 1, 2, 3] -> Mo-Th; [0, 2] -> Mo,We; runs of two are written Mo,Tu."""
    parts, start = [], 0
    while start < len(indexes):
        end = start
        while end + 1 < len(indexes) and indexes[end + 1] == indexes[end] + 1:
            end += 1
        first, last = DAYS[indexes[start]][1], DAYS[indexes[end]][1]
        if end - start >= 2:
            parts.append(f"{first}-{last}")
        else:
            parts.extend(DAYS[i][1] for i in indexes[start : end + 1])
        start = end + 1
    return ",".join(parts)


@lru_cache(maxsize=4096)
def _day(raw: str) -> tuple[Interval, ...]:
    """`day_intervals`, once per distinct text: a national list repeats the same few hours."""
    return tuple(day_intervals(raw))


def week_to_osm(week: dict[str, str]) -> str:
    """The weekday columns as one `opening_hours` expression; "" when no day has hours.

    Raises UnreadableHours when one day cannot be read: half a week would mislead.
    """
    return _week(tuple(week.get(column) or "" for column, _, _ in DAYS))


@lru_cache(maxsize=4096)
def _week(days: tuple[str, ...]) -> str:
    """`week_to_osm` once per distinct week: many places keep the same hours."""
    week = {column: text for (column, _, _), text in zip(DAYS, days, strict=True)}
    by_hours: dict[tuple[Interval, ...], list[int]] = {}
    for index, (column, _, _) in enumerate(DAYS):
        intervals = _day(week.get(column) or "")
        if intervals:
            by_hours.setdefault(intervals, []).append(index)
    rules = sorted(by_hours.items(), key=lambda item: item[1][0])
    return "; ".join(
        f"{_days(days)} {','.join(f'{_clock(a)}-{_clock(b)}' for a, b in hours)}"
        for hours, days in rules
    )


def raw_week(week: dict[str, str]) -> str:
    """The hours as the file wrote them, for a place whose hours cannot be read."""
    return "; ".join(
        f"{name} {text}"
        for column, _, name in DAYS
        if (text := values.text(week.get(column))) and text != "-"
    )


def to_place(source: str, row: dict[str, str]) -> tuple[model.Place, str | None]:
    """The place and, when its hours could not be read, that warning. Raises BadValue."""
    source_id = values.text(row.get("id_fs"))
    name = values.text(row.get("lib_fs"))
    if not source_id:
        raise BadValue("missing id")
    if not name:
        raise BadValue("missing name")
    lat, lon = values.coordinates(row.get("latitude"), row.get("longitude"))
    warning = None
    try:
        opening_hours, raw_hours = week_to_osm(row), ""
    except UnreadableHours:
        opening_hours, raw_hours = "", raw_week(row)
        warning = "hours not understood (kept as written)"
    place = model.Place(
        source=source,
        source_id=source_id,
        name=name,
        lat=lat,
        lon=lon,
        address=values.text(row.get("adresse")),
        address_more=values.text(row.get("complement_adresse")),
        postal_code=values.postal_code(row.get("code_postal")),
        commune=values.text(row.get("lib_com")),
        phone=values.phone(row.get("telephone")),
        opening_hours=opening_hours,
        raw_hours=raw_hours,
        notes=values.text(row.get("commentaire")),
        services=(model.DEMARCHES,),
        programmes=(model.FRANCE_SERVICES,),
        mobile=values.text(row.get("itinerance")).casefold() == "oui",
        origin="france-services",
    )
    return place, warning
