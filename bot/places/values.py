"""Single field values as open data writes them, cleaned or refused with a reason."""

from __future__ import annotations

import math
import re
from datetime import date

from bot.text import clean

FRANCE: tuple[tuple[str, float, float, float, float], ...] = (
    # (territory, south, north, west, east): generous boxes, to catch gross errors only.
    ("metropole", 41.2, 51.2, -5.3, 9.7),
    ("guadeloupe-saint-martin", 15.8, 18.2, -63.2, -60.9),
    ("martinique", 14.3, 14.95, -61.3, -60.75),
    ("guyane", 2.0, 5.9, -54.7, -51.5),
    ("reunion", -21.45, -20.8, 55.15, 55.9),
    ("mayotte", -13.1, -12.55, 44.9, 45.35),
    ("saint-pierre-et-miquelon", 46.7, 47.2, -56.5, -56.0),
    ("wallis-et-futuna", -14.5, -13.1, -178.3, -176.0),
    ("polynesie", -28.0, -7.0, -155.0, -134.0),
    ("nouvelle-caledonie", -23.0, -19.0, 163.0, 169.0),
)

OVERSEAS_CODES = ("590", "594", "262", "596", "269")
"""Overseas country codes whose national numbers start with 0 (0590…, 0262…)."""

_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]")
_DIGITS = re.compile(r"\D")
_POSTAL = re.compile(r"^\d{5}$")


class BadValue(ValueError):
    """The value cannot be used; the message is the reason shown in the import report."""


def text(value: object) -> str:
    """One line of text; UTF-8 that was read as Latin-1 somewhere upstream is repaired."""
    if value is None:
        return ""
    result = clean(str(value))
    if _MOJIBAKE.search(result):
        for codec in ("cp1252", "latin-1"):
            try:
                result = result.encode(codec).decode("utf-8")
                break
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
    return result


def number(value: object) -> float | None:
    """A coordinate written as a number or as text (`48.85`, `48,85`); None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadValue("invalid coordinates")
    if isinstance(value, int | float):
        result = float(value)
    else:
        try:
            result = float(str(value).strip().replace(",", "."))
        except ValueError:
            raise BadValue("invalid coordinates") from None
    if not math.isfinite(result):
        raise BadValue("invalid coordinates")
    return result


def in_france(lat: float, lon: float) -> bool:
    return any(s <= lat <= n and w <= lon <= e for _, s, n, w, e in FRANCE)


def coordinates(lat_value: object, lon_value: object) -> tuple[float, float]:
    lat, lon = number(lat_value), number(lon_value)
    if lat is None or lon is None:
        raise BadValue("missing coordinates")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        raise BadValue("invalid coordinates")
    if not in_france(lat, lon):
        if in_france(lon, lat):
            raise BadValue("latitude and longitude swapped")
        raise BadValue("coordinates outside France")
    return lat, lon


def postal_code(value: object) -> str:
    """Five digits; `1200` (a number that lost its leading zero) becomes `01200`."""
    if value is None:
        return ""
    if isinstance(value, int) and 1000 <= value <= 99999:
        return f"{value:05d}"
    raw = text(value).replace(" ", "")
    if raw.isdigit() and len(raw) == 4:
        raw = "0" + raw
    return raw if _POSTAL.match(raw) else ""


def phone(value: object) -> str:
    """The first number, written as the French read it (`01 44 32 07 60`)."""
    first = text(value).split("|")[0].split(";")[0].strip()
    if not first:
        return ""
    digits = _DIGITS.sub("", first)
    if first.startswith("+"):
        if digits.startswith("33") and len(digits) in (11, 12):
            national = digits[2:].lstrip("0")
            digits = "0" + national if len(national) == 9 else ""
        elif digits[:3] in OVERSEAS_CODES and len(digits) == 12:
            digits = "0" + digits[3:]
        else:
            return first
    if len(digits) == 10 and digits.startswith("0"):
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    if len(digits) == 4 and digits[0] == "3":
        return digits
    return first


def url(value: object) -> str:
    first = text(value).split("|")[0].strip()
    return first if first.startswith(("https://", "http://")) else ""


def iso_date(value: object) -> str:
    raw = text(value)[:10]
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        return ""
