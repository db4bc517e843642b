"""`relais places import`, `near` and `gazetteer build`: what operators run, and how they check."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path

from bot.config import Settings
from bot.i18n import Catalogs, Translator
from bot.places.cards import card, fallback_text
from bot.places.gazetteer_build import OUTPUT, GazetteerSourceError, build
from bot.places.geo import Where
from bot.places.hours import local
from bot.places.importer import DEFAULT_URL, import_source
from bot.places.ranking import NEEDS
from bot.places.readers import FORMATS, PlacesSourceError
from bot.places.search import TOPICS, PlaceIndex, Ranked
from bot.store import open_database

EXAMPLES = "a postal code (93200), a commune (Saint-Denis, Paris 10) or a location (48.93,2.36)"


def register(subparsers: argparse._SubParsersAction) -> None:
    places = subparsers.add_parser("places", help="the places where a person helps")
    actions = places.add_subparsers(dest="places_command", required=True, metavar="ACTION")
    load = actions.add_parser("import", help="import places (national standard or France Services)")
    load.add_argument(
        "source", nargs="?", metavar="SOURCE", help="file or https URL (default: RELAIS_PLACES_URL)"
    )
    load.add_argument("--format", choices=FORMATS, default="auto")
    load.add_argument("--report", metavar="FILE", help="skipped rows: .csv, else JSON lines")
    near = actions.add_parser("near", help="the best places near a postal code or a commune")
    near.add_argument("query", metavar="QUERY", help=EXAMPLES)
    near.add_argument(
        "--need",
        choices=(*TOPICS, *NEEDS),
        help="the procedure the resident is stuck in, or apprendre (learn the smartphone or "
        "computer), internet (free access, a computer to use), materiel (low-cost equipment), "
        "langue (help in their language)",
    )
    near.add_argument(
        "--cannot-travel", action="store_true", help="the person cannot go far: mobile services"
    )
    near.add_argument("--lang", metavar="CODE", default="fr")
    near.add_argument("--now", metavar="ISO-8601", help="time of the question (default: now)")
    near.add_argument("--json", action="store_true", help="ranked places as JSON")
    for sub in (load, near):
        sub.add_argument(
            "--db", metavar="PATH|URL", help="SQLite file or postgresql://… (default: RELAIS_DB)"
        )
    gazetteer = actions.add_parser("gazetteer", help="the communes file shipped in the package")
    steps = gazetteer.add_subparsers(dest="gazetteer_command", required=True, metavar="STEP")
    build_step = steps.add_parser("build", help="rebuild it from communes-france-2024.csv")
    build_step.add_argument("source", metavar="SOURCE", help="the communes CSV (docs/places.md)")
    build_step.add_argument("--output", metavar="FILE", help=f"default: {OUTPUT}")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.places_command == "gazetteer":
        return build_gazetteer(args)
    try:
        return asyncio.run(_run(args, settings))
    except PlacesSourceError as exc:
        print(f"relais: {exc}", file=sys.stderr)
        return 1


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    now = _time(args.now) if args.places_command == "near" else None
    if args.places_command == "near" and now is None:
        print(f"relais: --now must be an ISO-8601 time, got {args.now!r}", file=sys.stderr)
        return 1
    db_path = getattr(args, "db", None) or settings.db
    db = await open_database(db_path, hash_key=settings.hash_key)
    try:
        if now is None:
            source = args.source or settings.places_url or DEFAULT_URL
            report = await import_source(db, source, args.format, args.report)
            print(report.summary())
            return 0
        return near(await PlaceIndex.load(db), args, now, settings.france_services_url)
    finally:
        await db.close()


def _time(raw: str | None) -> datetime | None:
    if raw is None:
        return local(datetime.now().astimezone())
    try:
        return local(datetime.fromisoformat(raw))
    except ValueError:
        return None


def build_gazetteer(args: argparse.Namespace) -> int:
    output = Path(args.output) if args.output else OUTPUT
    try:
        count, codes, size = build(Path(args.source), output)
    except GazetteerSourceError as exc:
        print(f"relais: {exc}", file=sys.stderr)
        return 1
    print(f"{output}: {count} communes, {codes} postal codes, {size / 1024:.0f} KB")
    return 0


UNDERSTOOD = {
    "empty": "the query is empty",
    "departement": "{x} is a département number, not a postal code",
    "cedex": "{x} is not the postal code of a commune (a CEDEX or special code?)",
    "unknown_code": "the postal code {x} does not exist",
    "at_sea": "{x} is not on French land",
    "unknown": "no commune is called {x!r}",
}


def near(index: PlaceIndex, args: argparse.Namespace, now: datetime, locator: str = "") -> int:
    """`locator`: the France Services locator for the fallback (Settings.france_services_url)."""
    translator = Translator(args.lang) if args.lang == "fr" else Catalogs().get(args.lang)
    located = index.locate(args.query)
    where = located.where
    if where is None:
        if located.options:
            names = ", ".join(c.label(departement=True) for c in located.options)
            print(f"relais: which one? {names}", file=sys.stderr)
        else:
            said = UNDERSTOOD[located.kind].format(x=located.understood or args.query)
            print(
                f"relais: {said}; give {EXAMPLES}, e.g. relais places near 93200",
                file=sys.stderr,
            )
        return 1
    if not len(index):
        print("relais: no places imported yet (run: relais places import)", file=sys.stderr)
        _show(args, where, [], fallback_text(args.need, translator, locator=locator), now)
        return 0
    travel = not args.cannot_travel
    ranked = index.nearest(where, args.need, args.lang, now, travel=travel)
    if not ranked:
        _show(args, where, [], fallback_text(args.need, translator, locator=locator), now)
        return 0
    if args.json:
        _show(args, where, ranked, "", now)
        return 0
    print(f"{where.label}{' (approximate)' if where.approximate else ''}")
    if where.others:
        print(f"(distances from {where.label}; the code also covers {', '.join(where.others)})")
    for number, item in enumerate(ranked, start=1):
        print(f"\n{number}. " + card(item, args.lang, now, translator=translator))
        print(f"key: {item.place.key}")
    return 0


def _show(
    args: argparse.Namespace,
    where: Where | None,
    ranked: list[Ranked],
    fallback: str,
    now: datetime,
) -> None:
    if args.json:
        out = {
            "where": where.as_json() if where else None,
            "now": now.isoformat(),
            "places": [item.as_json() for item in ranked],
        }
        if fallback:
            out["fallback"] = fallback
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(fallback)
