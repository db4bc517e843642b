"""Positions and distances: where the resident is (`Where`), and how names are compared.

The position comes from the embedded gazetteer of every commune (`communes`, `locate`),
never from the places themselves: distances are measured from the person's own commune.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.text import normalize

EARTH_RADIUS_KM = 6371.0088

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
    """The position is one commune of several that share the postal code (or a city taken
    as a whole): distances are said "environ"."""
    others: tuple[str, ...] = ()
    """The other communes of the postal code."""
    precise: bool = False
    """The person shared this location: distances are from where they stand."""

    def as_json(self) -> dict:
        out = {"lat": round(self.lat, 6), "lon": round(self.lon, 6), "label": self.label}
        out["kind"] = self.kind
        if self.postal_code:
            out["postal_code"] = self.postal_code
        if self.approximate:
            out["approximate"] = True
        if self.others:
            out["others"] = list(self.others)
        if self.precise:
            out["precise"] = True
        return out
