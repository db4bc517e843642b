"""Where the resident is, offline, from the imported places themselves.

No geocoding service is called: a postal code is the centre of the places that carry it,
a commune name the centre of the places of that commune. A postal code with no place gets
the numerically nearest known code of the same département (93290 -> 93200, say): coarse,
but within the 30 km the search looks at, and the answer says it is approximate.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.places.model import Place
from bot.places.values import in_france
from bot.text import normalize

EARTH_RADIUS_KM = 6371.0088

ARRONDISSEMENTS = {"paris": ("75", 20), "marseille": ("13", 16), "lyon": ("69", 9)}
"""City -> (département, number of arrondissements): "Paris 10" is 75010."""

_COORDINATES = re.compile(r"^\s*(-?\d{1,3}[.,]\d+)\s*[,;/ ]\s*(-?\d{1,3}[.,]\d+)\s*$")
_POSTAL_CODE = re.compile(r"(?<!\d)(\d{2}) ?(\d{3})(?!\d)")
_ARRONDISSEMENT = re.compile(
    r"^(paris|marseille|lyon)\s*(\d{1,2})\s*(?:e|er|eme|ieme|em|ere)?(?:\s+arrondissement)?$"
)
_PUNCTUATION = re.compile(r"[-'’_.,/()]+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "s/": "sur"}
_ARTICLES = ("le", "la", "les", "l")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def name_key(text: str) -> str:
    """`St-Denis`, `SAINT DENIS`, `saint-denis` -> `saint denis`."""
    words = _PUNCTUATION.sub(" ", normalize(text).replace("s/", " sur ")).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def without_article(key: str) -> str:
    first, _, rest = key.partition(" ")
    return rest if first in _ARTICLES and rest else key


_PARTICLES = frozenset(
    {"de", "du", "des", "en", "sur", "sous", "la", "le", "les", "lès", "et", "aux", "au"}
)


def pretty(name: str) -> str:
    """`TREMBLAY-EN-FRANCE` -> `Tremblay-en-France`; names not all in capitals are kept."""
    if not name.isupper():
        return name
    words = re.split(r"([\s-]+)", name.lower())
    out = []
    for index, word in enumerate(words):
        if index and word in _PARTICLES:
            out.append(word)
        elif word.startswith(("d'", "l'")) and len(word) > 2:
            out.append(word[:2] + word[2:].capitalize())
        else:
            out.append(word.capitalize())
    return "".join(out)


def overseas(postal_code: str) -> bool:
    return postal_code.startswith("97") or postal_code.startswith("98")


def departement(postal_code: str) -> str:
    """The département a postal code belongs to (97xxx overseas: three digits)."""
    return postal_code[:3] if postal_code.startswith("97") else postal_code[:2]


@dataclass(frozen=True, slots=True)
class Where:
    """A resolved position and how it was found."""

    lat: float
    lon: float
    label: str
    kind: str  # "postal_code", "commune" or "location"
    postal_code: str = ""
    approximate: bool = False
    others: tuple[str, ...] = ()
    """Other communes with the same name (the bot may ask which one). Metropolitan France
    comes first, then the communes with most places: most residents live there."""

    def as_json(self) -> dict:
        out = {"lat": round(self.lat, 6), "lon": round(self.lon, 6), "label": self.label}
        out["kind"] = self.kind
        if self.postal_code:
            out["postal_code"] = self.postal_code
        if self.approximate:
            out["approximate"] = True
        if self.others:
            out["others"] = list(self.others)
        return out


@dataclass(frozen=True, slots=True)
class _Area:
    lat: float
    lon: float
    name: str
    postal_code: str
    count: int
    several_codes: bool = False


def _centre(points: list[tuple[float, float]]) -> tuple[float, float]:
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def _display_name(names: Counter[str]) -> str:
    """The most common spelling, preferring one not written all in capitals."""
    ranked = sorted(names.items(), key=lambda item: (item[0].isupper(), -item[1]))
    return pretty(ranked[0][0]) if ranked else ""


def _commune_label(area: _Area) -> str:
    """`Saint-Denis (93200)`; a city with several postal codes is named alone (dept kept)."""
    if not area.postal_code:
        return area.name
    if area.several_codes:
        return f"{area.name} ({departement(area.postal_code)})"
    return f"{area.name} ({area.postal_code})"


class Gazetteer:
    """Postal codes and commune names of the imported places, with their centres."""

    def __init__(self, places: Iterable[Place]) -> None:
        by_code: dict[str, list[tuple[float, float]]] = defaultdict(list)
        code_names: dict[str, Counter[str]] = defaultdict(Counter)
        by_name: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
        name_spelling: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        name_codes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for place in places:
            point = (place.lat, place.lon)
            code = place.postal_code
            if code:
                by_code[code].append(point)
                if place.commune:
                    code_names[code][place.commune] += 1
            key = name_key(place.commune)
            if key:
                group = (key, departement(code) if code else "")
                by_name[group].append(point)
                name_spelling[group][place.commune] += 1
                if code:
                    name_codes[group][code] += 1
        self.codes: dict[str, _Area] = {}
        for code, points in by_code.items():
            lat, lon = _centre(points)
            self.codes[code] = _Area(lat, lon, _display_name(code_names[code]), code, len(points))
        self._by_departement: dict[str, list[int]] = defaultdict(list)
        for code in self.codes:
            self._by_departement[departement(code)].append(int(code))
        for codes in self._by_departement.values():
            codes.sort()
        groups: dict[str, list[_Area]] = defaultdict(list)
        for group, points in by_name.items():
            lat, lon = _centre(points)
            codes = name_codes[group]
            main_code = codes.most_common(1)[0][0] if codes else ""
            name = _display_name(name_spelling[group])
            area = _Area(lat, lon, name, main_code, len(points), len(codes) > 1)
            key = group[0]
            for alias in {key, without_article(key)}:
                groups[alias].append(area)
        self.communes = {
            k: sorted(v, key=lambda a: (overseas(a.postal_code), -a.count))
            for k, v in groups.items()
        }

    def resolve(self, text: str) -> Where | None:
        """A postal code, a commune name or `lat, lon`; None when nothing matches."""
        text = text.strip()
        if not text:
            return None
        match = _COORDINATES.match(text)
        if match:
            lat, lon = (float(g.replace(",", ".")) for g in match.groups())
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                return self.location(lat, lon)
            return None
        match = _POSTAL_CODE.search(text)
        if match:
            found = self.postal_code(match.group(1) + match.group(2))
            if found:
                return found
        key = name_key(text)
        match = _ARRONDISSEMENT.match(key)
        if match:
            dept, count = ARRONDISSEMENTS[match.group(1)]
            number = int(match.group(2))
            if 1 <= number <= count:
                found = self.postal_code(f"{dept}{number:03d}")
                if found:
                    suffix = "er" if number == 1 else "e"
                    city = match.group(1).capitalize()
                    label = f"{city} {number}{suffix} ({found.postal_code})"
                    return replace(found, label=label)
        return self.commune(key)

    def location(self, lat: float, lon: float) -> Where:
        label = f"{lat:.5f}, {lon:.5f}"
        return Where(lat, lon, label, "location", approximate=not in_france(lat, lon))

    def postal_code(self, code: str) -> Where | None:
        area = self.codes.get(code)
        if area is not None:
            return Where(area.lat, area.lon, f"{code} {area.name}".strip(), "postal_code", code)
        known = self._by_departement.get(departement(code))
        if not known:
            return None
        target = int(code)
        nearest = min(known, key=lambda c: (abs(c - target), c))
        area = self.codes[f"{nearest:05d}"]
        return Where(area.lat, area.lon, code, "postal_code", code, approximate=True)

    def commune(self, key: str) -> Where | None:
        areas = self.communes.get(key) or self.communes.get(without_article(key))
        if not areas:
            return None
        best = areas[0]
        others = tuple(_commune_label(a) for a in areas[1:])
        return Where(best.lat, best.lon, _commune_label(best), "commune", others=others)
