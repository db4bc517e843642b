"""A place where a person helps, as stored and ranked; the national vocabulary it speaks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from operator import attrgetter

SEPARATOR = "|"
"""Multi-valued fields are stored joined by `|`, as in version 1 of the national standard."""

# Services (national standard v1.0.2, field `services`).
DEMARCHES = "Aide aux démarches administratives"
PARENTALITE = "Parentalité et éducation avec le numérique"
OUTILS = "Maîtrise des outils numériques du quotidien"
INSERTION = "Insertion professionnelle via le numérique"
SECURITE = "Utilisation sécurisée du numérique"
LOISIRS = "Loisirs et créations numériques"
COMPREHENSION = "Compréhension du monde numérique"
ACCES = "Accès internet et matériel informatique"
MATERIEL = "Acquisition de matériel informatique à prix solidaire"

# Who may come (field `modalites_acces`, and older files' restrictions), as `Place.access`.
REFERRAL = "referral"
NO_PUBLIC = "closed"
RESIDENTS = "residents"

# How people are helped (field `modalites_accompagnement`).
AUTONOMIE = "En autonomie"
INDIVIDUEL = "Accompagnement individuel"
ATELIER = "Dans un atelier collectif"
DISTANCE = "À distance"

# National programmes (field `dispositif_programmes_nationaux`).
FRANCE_SERVICES = "France Services"
AIDANTS_CONNECT = "Aidants Connect"
CONSEILLERS_NUMERIQUES = "Conseillers numériques"


@dataclass(frozen=True, slots=True)
class Place:
    """One place, in the shape both the database row and the cards use."""

    source: str
    source_id: str
    name: str
    lat: float
    lon: float
    address: str = ""
    address_more: str = ""
    postal_code: str = ""
    commune: str = ""
    phone: str = ""
    opening_hours: str = ""
    raw_hours: str = ""
    notes: str = ""
    services: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    free: bool | None = None
    mobile: bool = False
    booking_url: str = ""
    website: str = ""
    origin: str = ""
    updated: str = ""
    access: str = ""
    """"" open to all, REFERRAL, NO_PUBLIC or RESIDENTS (see `vocabulary.access`)."""
    publics: tuple[str, ...] = ()
    """`publics_specifiquement_adresses`: Jeunes, Étudiants, Familles et/ou enfants…"""
    support: tuple[str, ...] = ()
    """`prise_en_charge_specifique`: Surdité, Illettrisme, Langues étrangères (autres)…"""
    modes: tuple[str, ...] = ()
    """`modalites_accompagnement`: En autonomie, Accompagnement individuel…"""

    @property
    def key(self) -> str:
        """Names the place across imports and list versions (`france-services:668`): what
        organisations list as the places they cover."""
        return f"{self.origin or 'lieu'}:{self.source_id}"

    def fingerprint(self, row: tuple | None = None) -> str:
        """Digest of everything but the source key: equal digests mean nothing changed."""
        content = repr((row or self.row())[2:])
        return hashlib.blake2b(content.encode(), digest_size=12).hexdigest()

    def row(self) -> tuple:
        """The values of the `places` columns, in `COLUMNS` order (fingerprint excluded).
        (Not `dataclasses.astuple`: it deep-copies every value, a third of an import's time.)"""
        return tuple(
            SEPARATOR.join(v) if type(v) is tuple else int(v) if type(v) is bool else v
            for v in _VALUES(self)
        )

    @classmethod
    def from_row(cls, row) -> Place:
        values = {}
        for field, value in zip(fields(cls), row, strict=False):
            if field.name in MULTI_VALUED:
                value = tuple(v for v in (value or "").split(SEPARATOR) if v)
            elif field.name == "free":
                value = None if value is None else bool(value)
            elif field.name == "mobile":
                value = bool(value)
            values[field.name] = value
        return cls(**values)

    @property
    def commune_line(self) -> str:
        return " ".join(part for part in (self.postal_code, self.commune) if part)


COLUMNS = tuple(f.name for f in fields(Place))
_VALUES = attrgetter(*COLUMNS)
MULTI_VALUED = frozenset({"services", "programmes", "languages", "publics", "support", "modes"})
