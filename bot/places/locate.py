"""What the person wrote to say where they are, read against every commune of France.

`locate` never guesses a place: it answers with a position (`Where`), a short list to
choose from (homonyms, or close spellings: "Vouliez-vous dire … ?"), or the reason the
text cannot be a place (a département number alone, a CEDEX or unknown code, a location
at sea), so that the bot can say what it understood and what to write.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.places.communes import Commune, communes
from bot.places.geo import Where, departement, name_key, without_article

MAX_TEXT = 80
"""Longer than any commune name with its postal code: not a place."""
CHOICES = 4
SPELLING = 0.85
"""How alike a name must be to be suggested (difflib ratio): `bobigni` is 0.86 of `bobigny`."""
SMALL_TOWN = 2000
"""An exact name this small, beside a far bigger `name-…` commune, is asked about."""

ARRONDISSEMENTS = {"paris": ("75", 20), "marseille": ("13", 16), "lyon": ("69", 9)}
"""City -> (département, number of arrondissements): "Paris 10" is 75010."""

_COORDINATES = re.compile(r"^\s*(-?\d{1,3}[.,]\d+)\s*[,;/ ]\s*(-?\d{1,3}[.,]\d+)\s*$")
_POSTAL_CODE = re.compile(r"(?<!\d)(\d{2}) ?(\d{3})(?!\d)")
_DEPARTEMENT = re.compile(r"^\s*(\d{2,3}|2[abAB])\s*$")
_NAME_DEPARTEMENT = re.compile(r"^(.*?\D)[\s(,]+(\d{2,3}|2[ab])\)?$")
_ARRONDISSEMENT = re.compile(
    r"^(paris|marseille|lyon)\s*(\d{1,2})\s*(?:e|er|eme|ieme|em|ere)?(?:\s+arrondissement)?$"
)
_CEDEX = re.compile(r"\bcedex\b", re.IGNORECASE)


@dataclass(frozen=True)
class Located:
    """The reading of one message. `kind`:

    - "where": `where` is the position;
    - "choose": several communes have this name, `options` (with their département);
    - "suggest": no commune has this name, `options` are close spellings;
    - "empty", "departement", "cedex", "unknown_code", "at_sea", "unknown": nothing
      usable; `understood` is what was read (the number, the code), for the answer.
    """

    kind: str
    where: Where | None = None
    options: tuple[Commune, ...] = ()
    understood: str = ""


def at(lat: float, lon: float) -> Where:
    """A shared location, named after the nearest commune (when on French land)."""
    nearest = communes().nearest(lat, lon)
    label = nearest[0].label() if nearest else f"{lat:.5f}, {lon:.5f}"
    return Where(lat, lon, label, "location", precise=True, approximate=nearest is None)


def of_commune(commune: Commune) -> Where:
    """The commune's own position; approximate for a city taken as a whole (Paris)."""
    city = commune.kind == "V"
    code = "" if city else commune.postal_code
    label = commune.name if city else commune.label()
    return Where(commune.lat, commune.lon, label, "commune", code, approximate=city)


def of_postal_code(code: str) -> Where | None:
    """The commune of the code; when several share it, the most populous, said approximate."""
    found = [c for c in communes().by_postal_code(code) if c.kind != "V"]
    if not found:
        return None
    main = [c for c in found if c.kind != "D"] or found
    best = main[0]
    others = tuple(c.name for c in main[1:6])
    label = f"{code} {_short(best)}"
    return Where(
        best.lat, best.lon, label, "postal_code", code, approximate=len(main) > 1, others=others
    )


def _short(commune: Commune) -> str:
    """`Paris 11e Arrondissement` -> `Paris 11e`; other names as they are."""
    return commune.name.removesuffix(" Arrondissement")


def locate(text: str) -> Located:
    text = text.strip()
    if not text:
        return Located("empty")
    if len(text) > MAX_TEXT:
        return Located("unknown")
    match = _COORDINATES.match(text)
    if match:
        lat, lon = (float(g.replace(",", ".")) for g in match.groups())
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return Located("at_sea", understood=text)
        return location(lat, lon)
    match = _DEPARTEMENT.match(text)
    if match:
        number = match.group(1).upper()
        if number in communes().departements or number in ("2A", "2B"):
            return Located("departement", understood=number)
        return Located("unknown", understood=number)
    match = _POSTAL_CODE.search(text)
    if match:
        return _postal(match.group(1) + match.group(2), bool(_CEDEX.search(text)))
    return _name(name_key(text))


def location(lat: float, lon: float) -> Located:
    if communes().nearest(lat, lon) is None:
        return Located("at_sea", understood=f"{lat:.4f}, {lon:.4f}")
    return Located("where", at(lat, lon))


def _postal(code: str, cedex: bool) -> Located:
    if cedex:
        return Located("cedex", understood=code)
    where = of_postal_code(code)
    if where is not None:
        return Located("where", where)
    if departement(code) in communes().departements:
        return Located("cedex", understood=code)  # a real département: a CEDEX or special code
    return Located("unknown_code", understood=code)


def _name(key: str) -> Located:
    if not key:
        return Located("unknown")
    match = _ARRONDISSEMENT.match(key)
    if match:
        dept, count = ARRONDISSEMENTS[match.group(1)]
        number = int(match.group(2))
        if 1 <= number <= count:
            return _postal(f"{dept}{number:03d}", False)
    wanted_departement = ""
    match = _NAME_DEPARTEMENT.match(key)
    if match and not communes().by_key(key):
        key, wanted_departement = match.group(1).strip(), match.group(2).upper()
    exact = communes().by_key(key)
    if wanted_departement:
        exact = [c for c in exact if c.departement == wanted_departement]
    longer = [] if wanted_departement else communes().starting_with(key, CHOICES)
    if len(exact) == 1:
        bigger = [c for c in longer if c.population > 5 * max(exact[0].population, 1)]
        if not bigger or exact[0].population >= SMALL_TOWN:
            return Located("where", of_commune(exact[0]))
        return Located("choose", options=_ranked([*exact, *bigger]))
    if exact:
        return Located("choose", options=_ranked([*exact, *longer]))
    if longer:
        return Located("suggest", options=tuple(longer))
    close = _close(key)
    if close:
        return Located("suggest", options=close)
    return Located("unknown", understood=key)


def _ranked(found: list[Commune]) -> tuple[Commune, ...]:
    unique = {c.index: c for c in found}
    return tuple(sorted(unique.values(), key=lambda c: -c.population)[:CHOICES])


def _close(key: str) -> tuple[Commune, ...]:
    """Communes whose name is a close spelling of `key` (a letter or two off), best first."""
    key = without_article(key)
    if len(key) < 4:
        return ()
    candidates = [k for k in communes().keys if k[:1] == key[:1] and abs(len(k) - len(key)) <= 2]
    matches = difflib.get_close_matches(key, candidates, n=CHOICES, cutoff=SPELLING)
    found = {c.index: c for k in matches for c in communes().by_key(k)}
    return tuple(found.values())[:CHOICES]
