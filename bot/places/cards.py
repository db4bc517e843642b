"""A place as a short text in the resident's language, and what to say when none is near.

Texts are French source strings marked with `N_` and translated by the resident's
`Translator`; days, times and distances are formatted by Babel in the resident's language.
On SMS a card must cost at most two segments (`compact=True`): it drops what matters least
until it fits.
"""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_day_names
from babel.lists import format_list
from babel.units import format_unit

from bot.display.segments import sms_cost
from bot.i18n import N_, Translator
from bot.places.hours import Opening, Schedule, Status, local
from bot.places.model import REFERRAL, RESIDENTS, Place
from bot.places.search import Ranked

SMS_SEGMENTS = 2

_BABEL = {"prs": "fa_AF"}
_GSM_FRIENDLY = str.maketrans(
    {
        "â": "a",
        "ê": "e",
        "î": "i",
        "ô": "o",
        "û": "u",
        "ë": "e",
        "ï": "i",
        "ç": "c",
        "œ": "oe",
        "Œ": "OE",
        "’": "'",
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "\u00a0": " ",
        "\u202f": " ",
    }
)
"""Letters outside GSM-7 in place names, replaced on SMS so that a card stays GSM-7."""


def locale(lang: str) -> Locale:
    try:
        return Locale.parse(_BABEL.get(lang, lang))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("fr")


def distance_text(km: float, lang: str) -> str:
    """`180 m`, `180 м`, `1,9 km`, `2.5 كم`: the number and the unit as the language writes
    them (CLDR's short units)."""
    if km < 1:
        metres = max(10, round(km * 1000, -1))
        text = format_unit(metres, "length-meter", "short", "#,##0", locale=locale(lang))
    else:
        text = format_unit(km, "length-kilometer", "short", "#,##0.#", locale=locale(lang))
    return text.translate(_GSM_FRIENDLY)  # CLDR's no-break spaces would cost a French SMS


def how_far(ranked: Ranked, lang: str, t: Translator) -> str:
    """`à 350 m` only from a shared location; from a commune's centre, never under 1 km;
    from one commune of several (a shared postal code), `à environ 4 km`."""
    km = ranked.distance_km
    if ranked.near == "location":
        return t.text(N_("à {distance}")).format(distance=distance_text(km, lang))
    if ranked.near == "approximate":
        rounded = distance_text(max(1.0, float(round(km))), lang)
        return t.text(N_("à environ {distance}")).format(distance=rounded)
    if km < 1:
        return t.text(N_("à moins de {distance}")).format(distance=distance_text(1.0, lang))
    return t.text(N_("à {distance}")).format(distance=distance_text(km, lang))


def time_text(moment: datetime, lang: str) -> str:
    return format_time(moment, format="short", locale=locale(lang))


def opening_text(opening: Opening, now: datetime, raw_hours: str, t: Translator) -> str:
    lang = t.lang
    if opening.status is Status.OPEN:
        if opening.until is None:
            return t.text(N_("Ouvert maintenant"))
        return t.text(N_("Ouvert maintenant, jusqu'à {time}")).format(
            time=time_text(opening.until, lang)
        )
    if opening.status is Status.CLOSED:
        prefix = t.text(N_("Fermé (jour férié)")) if opening.holiday else t.text(N_("Fermé"))
        if opening.opens is None:
            return prefix
        days = (opening.opens.date() - local(now).date()).days
        at = time_text(opening.opens, lang)
        if days == 0:
            when = t.text(N_("ouvre aujourd'hui à {time}")).format(time=at)
        elif days == 1:
            when = t.text(N_("ouvre demain à {time}")).format(time=at)
        else:
            day = get_day_names("wide", locale=locale(lang))[opening.opens.weekday()]
            when = t.text(N_("ouvre {day} à {time}")).format(day=day, time=at)
        return t.text(N_("{state}, {when}")).format(state=prefix, when=when)
    if raw_hours:
        return t.text(N_("Horaires : {hours}")).format(hours=raw_hours)
    return t.text(N_("Horaires non connus : appelez avant d'y aller"))


def today_text(opening_hours: str, now: datetime, t: Translator) -> str:
    """`Aujourd'hui : 09:00-12:00 et 13:30-17:00`; "" when closed all day or unknown."""
    schedule = Schedule.parse(opening_hours) if opening_hours else None
    spans = schedule.day(local(now).date()) if schedule else []
    if not spans:
        return ""
    text = format_list(
        [f"{time_text(a, t.lang)}-{time_text(b, t.lang)}" for a, b in spans], locale=locale(t.lang)
    )
    return t.text(N_("Aujourd'hui : {hours}")).format(hours=text)


def card(
    ranked: Ranked,
    lang: str,
    now: datetime,
    *,
    translator: Translator | None = None,
    compact: bool = False,
) -> str:
    """The place in a few lines: name, address, distance, phone, hours, booking link."""
    t = translator or Translator(lang)
    place = ranked.place
    address = ", ".join(part for part in (place.address, place.commune_line) if part)
    distance = how_far(ranked, lang, t)
    note = notes(place, now, lang, t)
    state = opening_text(ranked.opening, now, place.raw_hours, t)
    booking = (
        t.text(N_("Rendez-vous : {url}")).format(url=place.booking_url) if place.booking_url else ""
    )
    if not compact:
        phone = t.text(N_("Tél. {phone}")).format(phone=place.phone) if place.phone else ""
        lines = [
            place.name,
            address,
            place.address_more,
            distance,
            note,
            phone,
            today_text(place.opening_hours, now, t),
            state,
            booking,
        ]
        return "\n".join(line for line in lines if line)
    return _fit(place.name, address, distance, place.phone, state, booking, note)


REFERRAL_NOTE = N_("Sur orientation d'un travailleur social (fiche de prescription)")
RESIDENTS_NOTE = N_("Peut-être réservé à ses résidents : appelez avant")
MOBILE_NOTE = N_("Service itinérant : appelez pour savoir où il passe")
OLD_DATA_NOTE = N_("Infos de {date} : appelez avant d'y aller")
OLD_DATA_DAYS = 365
OLDEST_REAL_DATE = "2015-01-01"


def notes(place: Place, now: datetime, lang: str, t: Translator) -> str:
    """What to know before going: who may come, a mobile service, data over a year old."""
    lines = []
    if place.access == REFERRAL:
        lines.append(t.text(REFERRAL_NOTE))
    elif place.access == RESIDENTS:
        lines.append(t.text(RESIDENTS_NOTE))
    if place.mobile:
        lines.append(t.text(MOBILE_NOTE))
    if place.updated > OLDEST_REAL_DATE:  # 1970-01-01 and the like are placeholders
        updated = date.fromisoformat(place.updated)
        if (now.date() - updated).days > OLD_DATA_DAYS:
            when = format_date(updated, "MMMM y", locale=locale(lang))
            lines.append(t.text(OLD_DATA_NOTE).format(date=when))
    return "\n".join(lines)


def _fit(
    name: str, address: str, distance: str, phone: str, state: str, booking: str, note: str = ""
) -> str:
    """The SMS card, shortened step by step until it costs at most two segments."""
    name, address = name.translate(_GSM_FRIENDLY), address.translate(_GSM_FRIENDLY)
    state, note = state.translate(_GSM_FRIENDLY), note.translate(_GSM_FRIENDLY)
    first = note.split("\n")[0]
    attempts = [
        (name, address, distance, phone, state, booking, note),
        (name, address, distance, phone, state, "", note),
        (name, address, distance, phone, state, "", first),
        (name[:50], address[:50], distance, phone, state[:60], "", first[:60]),
        (name[:40], address[:40], "", phone, state[:40], "", first[:40]),
    ]
    for parts in attempts:
        name_, address_, distance_, phone_, state_, booking_, note_ = parts
        where = " - ".join(p for p in (distance_, phone_) if p)
        text = "\n".join(p for p in (name_, address_, where, note_, state_, booking_) if p)
        if sms_cost(text).segments <= SMS_SEGMENTS:
            return text
    cut = text
    while sms_cost(cut).segments > SMS_SEGMENTS:
        cut = cut[:-5]
    return cut


def venue(ranked: Ranked) -> dict:
    """What Telegram's sendVenue needs: a pin with a title and an address."""
    place = ranked.place
    address = ", ".join(part for part in (place.address, place.commune_line) if part)
    return {"latitude": place.lat, "longitude": place.lon, "title": place.name, "address": address}


PHONE_LINES = {
    "caf": N_(
        "Appelez la CAF au 3230. Le service est gratuit. Vous payez seulement le prix de l'appel."
    ),
    "ameli": N_(
        "Appelez l'Assurance Maladie au 3646. Le service est gratuit. "
        "Vous payez seulement le prix de l'appel."
    ),
    "france_travail": N_(
        "Appelez France Travail au 3949. Le service est gratuit. "
        "Vous payez seulement le prix d'un appel local."
    ),
    "pronote": N_("Pour Pronote, le secrétariat de l'école peut aussi vous aider."),
}
NONE_NEAR = N_("Je ne connais pas de lieu d'aide près de chez vous.")
AIDANTS_CONNECT = N_(
    "Aidants Connect : dans un lieu habilité, un professionnel peut faire la démarche "
    "à votre place, si vous lui donnez un mandat. C'est gratuit."
)
LOCATOR = N_("Trouver une France Services : {url}")


def fallback_text(topic: str | None, translator: Translator, *, locator: str = "") -> str:
    """What to say when no place is within reach (or none is imported yet). `locator`: the
    official France Services locator once an operator has checked it (docs/places.md;
    Settings.france_services_url), else not shown."""
    t = translator
    url = locator
    lines = [t.text(NONE_NEAR)]
    if topic in PHONE_LINES:
        lines.append(t.text(PHONE_LINES[topic]))
    if url:
        lines.append(t.text(LOCATOR).format(url=url))
    lines.append(t.text(AIDANTS_CONNECT))
    return "\n".join(lines)
