"""Places where a real person helps with a procedure, and which ones are near the resident.

Import open data (`importer`), find where the resident is (`geo`), rank the nearest places
that fit the need (`search`), say whether they are open (`hours`) and show them (`cards`).
The package exports what the conversation needs; the importer (network, database) is
imported from `bot.places.importer` where it is used.
"""

from bot.places.cards import card, fallback_text, venue
from bot.places.geo import Where, haversine_km
from bot.places.hours import Opening, Status
from bot.places.model import Place
from bot.places.search import TOPICS, PlaceIndex, Ranked

__all__ = [
    "TOPICS",
    "Opening",
    "Place",
    "PlaceIndex",
    "Ranked",
    "Status",
    "Where",
    "card",
    "fallback_text",
    "haversine_km",
    "venue",
]
