"""A row of the national standard (v1, or the older v0 of regional hubs) turned into a place."""

from __future__ import annotations

from bot.places import hours, model, values, vocabulary
from bot.places.values import BadValue

COLUMNS = frozenset({"id", "nom"})
"""Columns every version of the standard has; with coordinates, they identify it."""

HOURS_WARNING = "hours not understood (kept as written)"


def to_place(source: str, row: dict) -> tuple[model.Place, str | None]:
    """The place and, when its hours could not be read, that warning. Raises BadValue."""
    source_id = values.text(row.get("id"))
    name = values.text(row.get("nom"))
    if not source_id:
        raise BadValue("missing id")
    if not name:
        raise BadValue("missing name")
    lat, lon = values.coordinates(row.get("latitude"), row.get("longitude"))
    written = values.text(row.get("horaires"))
    warning = None
    if written and not hours.readable(written):
        fixed = hours.repaired(written)
        if fixed:
            written = fixed
        else:
            warning = HOURS_WARNING
    place = model.Place(
        source=source,
        source_id=source_id,
        name=name,
        lat=lat,
        lon=lon,
        address=values.text(row.get("adresse")),
        address_more=values.text(row.get("complement_adresse")),
        postal_code=values.postal_code(row.get("code_postal")),
        commune=values.text(row.get("commune")),
        phone=values.phone(row.get("telephone")),
        opening_hours="" if warning else written,
        raw_hours=written if warning else "",
        notes=values.text(row.get("presentation_resume")),
        services=vocabulary.services(row.get("services")),
        programmes=_programmes(row),
        languages=vocabulary.languages(
            row.get("prise_en_charge_specifique"),
            row.get("publics_accueillis"),
            row.get("accompagnement_specifique"),
        ),
        free=vocabulary.free(
            row.get("frais_a_charge"), row.get("conditions_access"), row.get("conditions_acces")
        ),
        mobile=vocabulary.mobile(row.get("itinerance")),
        booking_url=values.url(row.get("prise_rdv")),
        website=values.url(row.get("site_web")),
        origin=values.text(row.get("source")),
        updated=values.iso_date(row.get("date_maj")),
        access=vocabulary.access(
            name,
            row.get("modalites_acces"),
            row.get("conditions_access"),
            row.get("conditions_acces"),
            row.get("publics_accueillis"),
            row.get("modalites_access"),
        ),
        publics=vocabulary.values(row.get("publics_specifiquement_adresses")),
        support=vocabulary.values(row.get("prise_en_charge_specifique")),
        modes=vocabulary.values(row.get("modalites_accompagnement")),
    )
    return place, warning


def _programmes(row: dict) -> tuple[str, ...]:
    """v1 `dispositif_programmes_nationaux`, v0 `labels_nationaux`, and `typologie` RFS."""
    named = vocabulary.programmes(
        row.get("dispositif_programmes_nationaux"), row.get("labels_nationaux")
    )
    return named + tuple(
        p for p in vocabulary.typologie_programmes(row.get("typologie")) if p not in named
    )
