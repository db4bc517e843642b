"""How much a place fits a person: a weight from what the place says about itself.

Each place's facts are packed into bits once (`flags`); a query then looks its weight up
in a small table per (need, language, can travel). The weight starts at 1 and:

- grows with what the need requires (up to +2: for a CAF problem, a France Services is
  worth going three times as far as a place that only teaches computers; to learn the
  smartphone, a place that teaches it, in a workshop or one to one);
- grows when the place is free (+0.2), speaks the resident's language when it is not
  French (+0.5), and, for a person who cannot travel, comes to them (itinérant, +1.5) or
  helps at a distance (+1);
- shrinks when it is paid (-0.3), serves mainly a specific public (young people, seniors…:
  -0.25), takes people only on a professional's referral (-0.5), or seems, in an older
  file, to help only its own residents (halved: below an open place at the same distance).

For the needs that are not a procedure (learning, internet access, equipment, language),
a place that does not offer the thing at all is not offered (`fits` is False).
"""

from __future__ import annotations

from functools import lru_cache

from bot.places import model
from bot.places.model import Place

NEEDS = ("apprendre", "internet", "materiel", "langue")
"""Help beyond a procedure: learn the smartphone or computer, a free internet access or a
computer to use, low-cost equipment, help in one's own language."""
PROCEDURES = ("caf", "ameli", "france_travail", "titres", "impots", "retraite")
NEED_WEIGHT = 2.0
MAX_FIT = 1.0 + NEED_WEIGHT + 0.5 + 0.2
"""The highest weight of a place for a person who can travel (need, language, free)."""

(
    FS,
    DEMARCHES,
    PARENTALITE,
    AIDANTS,
    FREE,
    ENGLISH,
    OTHER_LANGUAGES,
    OUTILS,
    ACCES,
    MATERIEL,
    CONSEILLERS,
    TEACHING,
    AUTONOMY,
    MOBILE,
    DISTANCE,
    SPECIFIC,
    PAID,
    REFERRAL,
    RESIDENTS,
    LITERACY,
) = (1 << i for i in range(20))

COMES_TO_YOU = MOBILE | DISTANCE
"""A mobile service, or help at a distance: for a person who cannot travel, distance does
not count (`search.PlaceIndex.nearest`)."""

_SERVICES = {
    model.DEMARCHES: DEMARCHES,
    model.PARENTALITE: PARENTALITE,
    model.OUTILS: OUTILS,
    model.ACCES: ACCES,
    model.MATERIEL: MATERIEL,
}
_PROGRAMMES = {
    model.FRANCE_SERVICES: FS,
    model.AIDANTS_CONNECT: AIDANTS,
    model.CONSEILLERS_NUMERIQUES: CONSEILLERS,
}
_MODES = {
    model.INDIVIDUEL: TEACHING,
    model.ATELIER: TEACHING,
    model.AUTONOMIE: AUTONOMY,
    model.DISTANCE: DISTANCE,
}
_ACCESS = {model.REFERRAL: REFERRAL, model.RESIDENTS: RESIDENTS}


def flags(place: Place) -> int:
    bits = 0
    for value in place.services:
        bits |= _SERVICES.get(value, 0)
    for value in place.programmes:
        bits |= _PROGRAMMES.get(value, 0)
    for value in place.modes:
        bits |= _MODES.get(value, 0)
    if place.free:
        bits |= FREE
    elif place.free is False:
        bits |= PAID
    if "anglais" in place.languages:
        bits |= ENGLISH
    if "autres" in place.languages:
        bits |= OTHER_LANGUAGES
    if "Illettrisme" in place.support:
        bits |= LITERACY
    if place.mobile:
        bits |= MOBILE
    if place.publics:
        bits |= SPECIFIC
    return bits | _ACCESS.get(place.access, 0)


def need_match(bits: int, need: str | None) -> float:
    """0 to 1: how well the place fits the need (a procedure, or help beyond one)."""
    if need in PROCEDURES:
        score = 1.0 if bits & FS else 0.7 if bits & DEMARCHES else 0.0
        return min(1.0, score + (0.2 if bits & AIDANTS else 0.0))
    if need == "pronote":
        return 1.0 if bits & PARENTALITE else 0.6 if bits & (DEMARCHES | FS) else 0.0
    if need == "apprendre":
        score = 0.8 if bits & OUTILS else 0.5 if bits & CONSEILLERS else 0.0
        return score + (0.2 if score and bits & TEACHING else 0.0)
    if need == "internet":
        return (0.8 + (0.2 if bits & AUTONOMY else 0.0)) if bits & ACCES else 0.0
    if need == "materiel":
        return 1.0 if bits & MATERIEL else 0.0
    if need == "langue":
        return 1.0 if bits & OTHER_LANGUAGES else 0.6 if bits & (ENGLISH | LITERACY) else 0.0
    if need in ("sejour", "other"):
        return 0.8 if bits & (FS | DEMARCHES) else 0.0
    return 0.5 if bits & (FS | DEMARCHES) else 0.0


def language_match(bits: int, lang: str) -> float:
    if lang == "fr":
        return 0.0
    wanted, second = (ENGLISH, OTHER_LANGUAGES) if lang == "en" else (OTHER_LANGUAGES, ENGLISH)
    return 0.5 if bits & wanted else 0.25 if bits & second else 0.0


def fits(bits: int, need: str | None) -> bool:
    """A need beyond procedures is only served by places that offer it."""
    return need not in NEEDS or need_match(bits, need) > 0


def weight(bits: int, need: str | None, lang: str, travel: bool = True) -> float:
    value = 1.0 + NEED_WEIGHT * need_match(bits, need) + language_match(bits, lang)
    value += 0.2 if bits & FREE else -0.3 if bits & PAID else 0.0
    if bits & SPECIFIC:
        value -= 0.25
    if not travel:
        value += (1.5 if bits & MOBILE else 0.0) + (1.0 if bits & DISTANCE else 0.0)
    if bits & REFERRAL:
        value -= 0.5
    value = max(value, 0.2)
    return value / 2 if bits & RESIDENTS else value


@lru_cache(maxsize=65536)
def weight_of(bits: int, need: str | None, lang: str, travel: bool = True) -> float:
    """The weight of a place with these flags; 0 when it does not fit the need at all."""
    return weight(bits, need, lang, travel) if fits(bits, need) else 0.0
