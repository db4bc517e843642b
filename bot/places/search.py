"""The nearest places that fit the resident's need, from memory: a query does no I/O.

`PlaceIndex` is built once at start-up from the database and never changes (a new import
is picked up by building a new index). Places sit in cells of a latitude/longitude grid,
so a query only looks at the few cells its radius touches.

Ranking: each place gets an effective distance `(km + 1) / weight`, the weight saying how
well the place fits the person (`ranking`), plus 0.3 when it is open now (0.15 when it opens
within 12 hours). The 1 km added to every distance makes 200 m and 900 m about as near: in
a town, what the place offers matters more than a few streets. A place that takes no public
is never in the index.

Distances are measured from the person's position (`locate`: their commune, or the location
they shared), never from other places.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.places import model
from bot.places.geo import EARTH_RADIUS_KM, Where, haversine_km, name_key
from bot.places.hours import UNKNOWN, Opening, Schedule, Status
from bot.places.locate import Located, at, locate
from bot.places.model import COLUMNS, Place
from bot.places.ranking import COMES_TO_YOU, MAX_FIT, flags, weight_of

if TYPE_CHECKING:
    from bot.store import Database

TOPICS = (
    "caf",
    "ameli",
    "france_travail",
    "pronote",
    "titres",
    "sejour",
    "impots",
    "retraite",
    "other",
)
LIMIT = 3
RADIUS_KM = 30.0
HOME_RADIUS_KM = 50.0
"""For a person who cannot travel: mobile services come from farther away."""
CELL_DEGREES = 0.05
STAGES_KM = (2.0, 6.0, 15.0)
"""Radii tried first: in a city, the best places are found within a few kilometres."""
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180
FLOOR_KM = 1.0
"""Added to every distance, so that a few streets more or less do not decide."""
OPEN_BONUS, SOON_BONUS, SOON = 0.3, 0.15, timedelta(hours=12)
MAX_WEIGHT = MAX_FIT + OPEN_BONUS
"""No place weighs more: what bounds the search by stages."""


@dataclass(frozen=True, slots=True)
class Ranked:
    place: Place
    distance_km: float
    opening: Opening
    score: float
    near: str = "commune"
    """How the distance was measured: "location" (from a shared location), "commune" (from
    the centre of the person's commune) or "approximate" (one commune of several)."""

    def as_json(self) -> dict:
        p = self.place
        out = {
            "name": p.name,
            "address": p.address,
            "postal_code": p.postal_code,
            "commune": p.commune,
            "lat": p.lat,
            "lon": p.lon,
            "distance_km": round(self.distance_km, 2),
            "opening": self.opening.as_json(),
            "phone": p.phone,
            "opening_hours": p.opening_hours,
            "services": list(p.services),
            "programmes": list(p.programmes),
            "free": p.free,
            "booking_url": p.booking_url,
            "id": p.source_id,
            "key": p.key,
            "score": round(self.score, 3),
            "measured_from": self.near,
            "access": p.access or "open",
            "mobile": p.mobile,
            "updated": p.updated,
        }
        if p.raw_hours:
            out["raw_hours"] = p.raw_hours
        return out


SAME_PLACE_KM = 0.15


def same_place(a: Place, b: Place) -> bool:
    """The same desk listed by two sources (a hub's file and the France Services list)."""
    if haversine_km(a.lat, a.lon, b.lat, b.lon) > SAME_PLACE_KM:
        return False
    if name_key(a.name) == name_key(b.name) or (a.phone and a.phone == b.phone):
        return True
    return model.FRANCE_SERVICES in a.programmes and model.FRANCE_SERVICES in b.programmes


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)


class PlaceIndex:
    """Every imported place, by grid cell, with schedules parsed once."""

    def __init__(self, places: Iterable[Place]) -> None:
        self.places: tuple[Place, ...] = tuple(p for p in places if p.access != model.NO_PUBLIC)
        parsed: dict[str, Schedule | None] = {}
        schedules = []
        for place in self.places:
            expression = place.opening_hours
            if expression and expression not in parsed:
                parsed[expression] = Schedule.parse(expression)
            schedules.append(parsed.get(expression) if expression else None)
        self.schedules: tuple[Schedule | None, ...] = tuple(schedules)
        cells: dict[tuple[int, int], list[tuple[float, float, int, int]]] = defaultdict(list)
        for index, place in enumerate(self.places):
            cells[_cell(place.lat, place.lon)].append((place.lat, place.lon, index, flags(place)))
        self._cells = {key: tuple(entries) for key, entries in cells.items()}
        self._by_key = {place.key: index for index, place in enumerate(self.places)}

    @classmethod
    async def load(cls, db: Database) -> PlaceIndex:
        async with db.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM places") as cursor:
            rows = await cursor.fetchall()
        return cls(Place.from_row(row) for row in rows)

    def __len__(self) -> int:
        return len(self.places)

    @staticmethod
    def resolve(text: str) -> Where | None:
        """The position a message names (postal code, commune, location), if it is clear."""
        return locate(text).where

    @staticmethod
    def locate(text: str) -> Located:
        return locate(text)

    @staticmethod
    def at(lat: float, lon: float) -> Where:
        """A location the resident shared."""
        return at(lat, lon)

    def get(self, key: str) -> Place | None:
        index = self._by_key.get(key)
        return None if index is None else self.places[index]

    def ranked(
        self, key: str, distance_km: float, now: datetime, near: str = "commune"
    ) -> Ranked | None:
        """A place picked earlier, to show its card again (None once it is no longer listed)."""
        index = self._by_key.get(key)
        if index is None:
            return None
        return Ranked(self.places[index], distance_km, self.opening(index, now), 0.0, near)

    def opening(self, index: int, now: datetime) -> Opening:
        schedule = self.schedules[index]
        return schedule.at(now) if schedule is not None else UNKNOWN

    def within(self, where: Where, radius_km: float) -> list[tuple[float, int, int]]:
        """(distance, index, flags) of the places within the radius."""
        lat0, lon0 = where.lat, where.lon
        cos0 = max(math.cos(math.radians(lat0)), 0.01)
        dlat = radius_km / KM_PER_DEGREE
        dlon = min(radius_km / (KM_PER_DEGREE * cos0), 180.0)
        south, west = _cell(lat0 - dlat, lon0 - dlon)
        north, east = _cell(lat0 + dlat, lon0 + dlon)
        # Equirectangular prefilter (cheap), with a margin; exact haversine after.
        limit = (radius_km * 1.01) ** 2
        kx, ky = KM_PER_DEGREE * cos0, KM_PER_DEGREE
        found = []
        cells = self._cells
        for i in range(south, north + 1):
            for j in range(west, east + 1):
                for lat, lon, index, bits in cells.get((i, j), ()):
                    dx, dy = (lon - lon0) * kx, (lat - lat0) * ky
                    if dx * dx + dy * dy <= limit:
                        distance = haversine_km(lat0, lon0, lat, lon)
                        if distance <= radius_km:
                            found.append((distance, index, bits))
        return found

    def nearest(
        self,
        where: Where,
        need: str | None,
        lang: str,
        now: datetime,
        limit: int = LIMIT,
        radius_km: float | None = None,
        *,
        travel: bool = True,
    ) -> list[Ranked]:
        """The `limit` best places within `radius_km`, best first (see the module docstring).
        `need`: a procedure (TOPICS) or a need beyond one (ranking.NEEDS); `travel`: False
        for a person who cannot go far."""
        if radius_km is None:
            radius_km = RADIUS_KM if travel else HOME_RADIUS_KM
        # Look near first: once `limit` places are found whose scores no farther place could
        # beat (a place beyond r scores at least (r + 1) / the highest weight), stop there.
        # A service that comes to the person is as near from anywhere: no shortcut then.
        stages = [r for r in STAGES_KM if r < radius_km] if travel else []
        for reach_km in (*stages, radius_km):
            found = self._ranked(where, need, lang, now, limit, reach_km, travel)
            if len(found) == limit and found[-1].score <= (reach_km + FLOOR_KM) / MAX_WEIGHT:
                break
        return found

    def _ranked(
        self,
        where: Where,
        need: str | None,
        lang: str,
        now: datetime,
        limit: int,
        radius_km: float,
        travel: bool,
    ) -> list[Ranked]:
        near = "location" if where.precise else "approximate" if where.approximate else "commune"
        candidates = []
        for distance, index, bits in self.within(where, radius_km):
            weight = weight_of(bits, need, lang, travel)
            if not weight:
                continue
            # For a person who cannot travel, a service that comes to them is as near as can be.
            reach = 0.0 if not travel and bits & COMES_TO_YOU else distance
            optimistic = (reach + FLOOR_KM) / (weight + OPEN_BONUS)
            candidates.append((optimistic, distance, reach, weight, index))
        heapq.heapify(candidates)
        best: list[tuple[float, int, Ranked]] = []  # max-heap by score, via negation
        while candidates:
            optimistic, distance, reach, weight, index = heapq.heappop(candidates)
            if len(best) == limit and optimistic >= -best[0][0]:
                break
            opening = self.opening(index, now)
            if opening.status is Status.OPEN:
                weight += OPEN_BONUS
            elif opening.opens_within(SOON, now):
                weight += SOON_BONUS
            score = (reach + FLOOR_KM) / weight
            ranked = Ranked(self.places[index], distance, opening, score, near)
            entry = (-score, -index, ranked)
            twin = next((e for e in best if same_place(e[2].place, ranked.place)), None)
            if twin is not None:
                if score < -twin[0]:
                    best.remove(twin)
                    heapq.heapify(best)
                    heapq.heappush(best, entry)
                continue
            if len(best) < limit:
                heapq.heappush(best, entry)
            elif score < -best[0][0]:
                heapq.heapreplace(best, entry)
        return [entry[2] for entry in sorted(best, key=lambda e: (-e[0], -e[1]))]
