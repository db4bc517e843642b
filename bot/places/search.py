"""The nearest places that fit the resident's need, from memory: a query does no I/O.

`PlaceIndex` is built once at start-up from the database and never changes (a new import
is picked up by building a new index). Places sit in cells of a latitude/longitude grid,
so a query only looks at the few cells its radius touches.

Ranking: each place gets an effective distance `(km + 1) / weight`. The weight starts at 1
and grows when the place offers what the need requires (up to +2: for a CAF problem, a
France Services is worth going three times as far as a place that only teaches computers),
is free (+0.2), speaks the resident's language when it is not French (+0.5), and is open
now (+0.3) or opens within 12 hours (+0.15). The 1 km added to every distance makes 200 m
and 900 m about as near: in a town, what the place offers matters more than a few streets.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from bot.places import model
from bot.places.geo import EARTH_RADIUS_KM, Gazetteer, Where, haversine_km, name_key
from bot.places.hours import UNKNOWN, Opening, Schedule, Status
from bot.places.model import COLUMNS, Place
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
CELL_DEGREES = 0.2
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180
FLOOR_KM = 1.0
"""Added to every distance, so that a few streets more or less do not decide."""
NEED_WEIGHT = 2.0
OPEN_BONUS, SOON_BONUS, SOON = 0.3, 0.15, timedelta(hours=12)

# Facts about a place that ranking uses, as bits.
FS, DEMARCHES, PARENTALITE, AIDANTS, FREE, ENGLISH, OTHER_LANGUAGES = (1 << i for i in range(7))


def flags(place: Place) -> int:
    bits = 0
    if model.FRANCE_SERVICES in place.programmes:
        bits |= FS
    if model.AIDANTS_CONNECT in place.programmes:
        bits |= AIDANTS
    if model.DEMARCHES in place.services:
        bits |= DEMARCHES
    if model.PARENTALITE in place.services:
        bits |= PARENTALITE
    if place.free:
        bits |= FREE
    if "anglais" in place.languages:
        bits |= ENGLISH
    if "autres" in place.languages:
        bits |= OTHER_LANGUAGES
    return bits


def need_match(bits: int, need: str | None) -> float:
    """0 to 1: how well the place fits the need (the procedure the resident is stuck in)."""
    if need in ("caf", "ameli", "france_travail", "titres", "impots", "retraite"):
        score = 1.0 if bits & FS else 0.7 if bits & DEMARCHES else 0.0
        return min(1.0, score + (0.2 if bits & AIDANTS else 0.0))
    if need == "pronote":
        return 1.0 if bits & PARENTALITE else 0.6 if bits & (DEMARCHES | FS) else 0.0
    if need in ("sejour", "other"):
        return 0.8 if bits & (FS | DEMARCHES) else 0.0
    return 0.5 if bits & (FS | DEMARCHES) else 0.0


def language_match(bits: int, lang: str) -> float:
    if lang == "fr":
        return 0.0
    wanted, second = (ENGLISH, OTHER_LANGUAGES) if lang == "en" else (OTHER_LANGUAGES, ENGLISH)
    return 0.5 if bits & wanted else 0.25 if bits & second else 0.0


@lru_cache(maxsize=64)
def weights(need: str | None, lang: str) -> tuple[float, ...]:
    """The static weight of every combination of flags, for one need and language."""
    return tuple(
        1.0
        + NEED_WEIGHT * need_match(bits, need)
        + (0.2 if bits & FREE else 0.0)
        + language_match(bits, lang)
        for bits in range(1 << 7)
    )


@dataclass(frozen=True, slots=True)
class Ranked:
    place: Place
    distance_km: float
    opening: Opening
    score: float

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
        self.places: tuple[Place, ...] = tuple(places)
        self.gazetteer = Gazetteer(self.places)
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

    def resolve(self, text: str) -> Where | None:
        return self.gazetteer.resolve(text)

    def at(self, lat: float, lon: float) -> Where:
        """A location the resident shared."""
        return self.gazetteer.location(lat, lon)

    def get(self, key: str) -> Place | None:
        index = self._by_key.get(key)
        return None if index is None else self.places[index]

    def ranked(self, key: str, distance_km: float, now: datetime) -> Ranked | None:
        """A place picked earlier, to show its card again (None once it is no longer listed)."""
        index = self._by_key.get(key)
        if index is None:
            return None
        return Ranked(self.places[index], distance_km, self.opening(index, now), 0.0)

    def opening(self, index: int, now: datetime) -> Opening:
        schedule = self.schedules[index]
        return schedule.at(now) if schedule is not None else UNKNOWN

    def _within(self, where: Where, radius_km: float) -> list[tuple[float, int, int]]:
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
        radius_km: float = RADIUS_KM,
    ) -> list[Ranked]:
        """The `limit` best places within `radius_km`, best first (see the module docstring)."""
        table = weights(need, lang)
        candidates = []
        for distance, index, bits in self._within(where, radius_km):
            weight = table[bits]
            optimistic = (distance + FLOOR_KM) / (weight + OPEN_BONUS)
            candidates.append((optimistic, distance, weight, index))
        heapq.heapify(candidates)
        best: list[tuple[float, int, Ranked]] = []  # max-heap by score, via negation
        while candidates:
            optimistic, distance, weight, index = heapq.heappop(candidates)
            if len(best) == limit and optimistic >= -best[0][0]:
                break
            opening = self.opening(index, now)
            if opening.status is Status.OPEN:
                weight += OPEN_BONUS
            elif opening.opens_within(SOON, now):
                weight += SOON_BONUS
            score = (distance + FLOOR_KM) / weight
            ranked = Ranked(self.places[index], distance, opening, score)
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
