"""Older files' words mapped onto the current national vocabulary (standard v1.0.2).

Regional hubs published before v1 with other words (`Prendre en main un ordinateur`,
`CNFS`) and other separators (`;`, `, `): the import folds them onto v1 so that ranking
only ever sees one vocabulary. A value nobody knows is kept as written.
"""

from __future__ import annotations

import re

from bot.places import model
from bot.text import fold_word, normalize

_COMMA_PHRASES = ("Envoyer, recevoir, gérer ses courriels",)
"""Legacy values that contain the legacy separator itself."""

SERVICES: dict[str, str] = {
    normalize(value): value
    for value in (
        model.DEMARCHES,
        model.PARENTALITE,
        model.OUTILS,
        model.INSERTION,
        model.SECURITE,
        model.LOISIRS,
        model.COMPREHENSION,
        model.ACCES,
        model.MATERIEL,
    )
}
SERVICES.update(
    {
        normalize(legacy): current
        for legacy, current in {
            "Prendre en main un smartphone ou une tablette": model.OUTILS,
            "Prendre en main un ordinateur": model.OUTILS,
            "Utiliser le numérique au quotidien": model.OUTILS,
            "Naviguer sur internet": model.OUTILS,
            "Envoyer, recevoir, gérer ses courriels": model.OUTILS,
            "Approfondir ma culture numérique": model.COMPREHENSION,
            "Promouvoir la citoyenneté numérique": model.COMPREHENSION,
            "Favoriser mon insertion professionnelle": model.INSERTION,
            "Accéder à une connexion internet": model.ACCES,
            "Accéder à du matériel": model.ACCES,
            "S'équiper en matériel informatique": model.MATERIEL,
            "Créer avec le numérique": model.LOISIRS,
            "Accompagner son enfant dans ses usages numériques": model.PARENTALITE,
            "Soutien à la parentalité et à l'éducation avec le numérique": model.PARENTALITE,
            "Réaliser des démarches administratives avec un accompagnement": model.DEMARCHES,
            "Devenir autonome dans les démarches administratives": model.DEMARCHES,
            "Accompagner les démarches de santé": model.DEMARCHES,
        }.items()
    }
)

PROGRAMMES: dict[str, str] = {
    normalize(legacy): current
    for legacy, current in {
        "Aidants Connect": model.AIDANTS_CONNECT,
        "Conseillers numériques": model.CONSEILLERS_NUMERIQUES,
        "Conseiller numérique": model.CONSEILLERS_NUMERIQUES,
        "CNFS": model.CONSEILLERS_NUMERIQUES,
        "France Services": model.FRANCE_SERVICES,
        "France Service": model.FRANCE_SERVICES,
        "RFS": model.FRANCE_SERVICES,
        "MSAP": model.FRANCE_SERVICES,
        "PIX": "Certification PIX",
        "Certification PIX": "Certification PIX",
        "Point d'accès numérique CAF": "Point d'accès numérique CAF",
    }.items()
}

FREE = {"gratuit": True, "gratuit sous condition": True, "accepte le pass numerique": True}
PAID = {"payant", "adhesion", "contribution par prestation"}

_SPLIT_PIPE = re.compile(r"\s*\|\s*")
_SPLIT_SEMICOLON = re.compile(r"\s*;\s*")


def split(value: object) -> list[str]:
    """Split a multi-valued field, whichever separator its file used (`|`, `;`, `, `)."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if not text:
        return []
    if "|" in text:
        parts = _SPLIT_PIPE.split(text)
    elif ";" in text:
        parts = _SPLIT_SEMICOLON.split(text)
    else:
        protected = text
        for index, phrase in enumerate(_COMMA_PHRASES):
            protected = protected.replace(phrase, f"\x00{index}\x00")
        parts = [
            re.sub(r"\x00(\d+)\x00", lambda m: _COMMA_PHRASES[int(m.group(1))], part)
            for part in protected.split(", ")
        ]
    return [p.strip() for p in parts if p.strip()]


def _mapped(values: list[str], table: dict[str, str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(table.get(fold_word(value), value), None)
    return tuple(seen)


def services(value: object) -> tuple[str, ...]:
    return _mapped(split(value), SERVICES)


def programmes(*values: object) -> tuple[str, ...]:
    return _mapped([v for value in values for v in split(value)], PROGRAMMES)


def typologie_programmes(value: object) -> tuple[str, ...]:
    """The `typologie` code `RFS` (réseau France Services) also says "France Services"."""
    return (model.FRANCE_SERVICES,) if "RFS" in split(value) else ()


def free(*values: object) -> bool | None:
    """True when any condition says free, False when only paid ones, None when unsaid."""
    words = {fold_word(v) for value in values for v in split(value)}
    if words & FREE.keys():
        return True
    if words & PAID:
        return False
    return None


def languages(*values: object) -> tuple[str, ...]:
    """`anglais` and/or `autres` from `Langues étrangères (anglais)` / `(autres)`."""
    found: dict[str, None] = {}
    for value in values:
        for item in split(value):
            folded = fold_word(item)
            if "langue" not in folded:
                continue
            found.setdefault("anglais" if "anglais" in folded else "autres", None)
    return tuple(found)


def mobile(value: object) -> bool:
    return any(fold_word(v) in ("itinerant", "oui") for v in split(value))


# Who may come: `modalites_acces` (v1.0.2) and the older files' restrictions.
NO_PUBLIC_VALUE = "ce lieu n'accueille pas de public"
REFERRAL_VALUE = "envoyer un mail avec une fiche de prescription"
_RESTRICTED = re.compile(
    r"\b(reserve|reservee|reserves|uniquement|exclusivement|seulement)\b.{0,40}"
    r"\b(residents?|heberges?|hebergees?|adherents?|beneficiaires|usagers|salaries)\b"
    r"|\b(pas|plus) d'?\s?(accueil du )?public\b|\bn'accueille pas de public\b"
)
_LODGING = re.compile(
    r"\b(huda|cada|chrs|chu|prahda|cph|ehpad|foyer|residence sociale|pension de famille"
    r"|centre d'hebergement|hebergement d'urgence)\b"
)
"""Places that lodge people (asylum seekers' shelters, emergency housing, care homes): in
older files, their digital help is most often for their own residents."""


def access(name: object, modalites: object, *restrictions: object) -> str:
    """model.NO_PUBLIC, model.REFERRAL, model.RESIDENTS or "" (open to the public)."""
    ways = {fold_word(v) for v in split(modalites)}
    if NO_PUBLIC_VALUE in ways:
        return model.NO_PUBLIC
    if REFERRAL_VALUE in ways and len(ways) == 1:
        return model.REFERRAL
    written = " ".join(fold_word(v) for value in restrictions for v in split(value))
    if written and _RESTRICTED.search(written):
        return model.NO_PUBLIC
    if not ways and _LODGING.search(normalize(str(name or ""))):
        return model.RESIDENTS
    return ""


def values(value: object) -> tuple[str, ...]:
    """A multi-valued field of the standard, as written (`Jeunes|Seniors`)."""
    return tuple(dict.fromkeys(split(value)))
