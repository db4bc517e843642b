"""`relais db migrate` and `relais db copy`: the operator's hands on the database itself."""

from __future__ import annotations

import argparse
import asyncio

from bot.config import Settings
from bot.store.address import parse_address
from bot.store.migrate import newest
from bot.store.opening import open_database


def register(commands: argparse._SubParsersAction, db_option) -> None:
    parser = commands.add_parser("db", help="the database: migrate, copy to PostgreSQL")
    sub = parser.add_subparsers(dest="db_command", required=True)
    migrate = sub.add_parser(
        "migrate", help="bring the schema up to date (relais serve does it too) and say its version"
    )
    db_option(migrate)
    copy = sub.add_parser(
        "copy", help="copy a SQLite deployment into an empty PostgreSQL database, all or nothing"
    )
    copy.add_argument("--from", dest="source", required=True, metavar="sqlite:///PATH")
    copy.add_argument("--to", dest="target", required=True, metavar="postgresql://…")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.db_command == "migrate":
        return asyncio.run(_migrate(settings.db, settings.hash_key))
    return asyncio.run(_copy(args.source, args.target, settings.hash_key))


async def _migrate(target: str, hash_key: str) -> int:
    db = await open_database(target, hash_key=hash_key)
    try:
        version = await db.schema_version()
    finally:
        await db.close()
    shown = parse_address(target).shown
    print(
        f"{shown}: schema version {version} ({db.dialect}; this Relais knows up to "
        f"{newest(db.dialect)})"
    )
    return 0


async def _copy(source: str, target: str, hash_key: str) -> int:
    from bot.store.copy import copy_database

    report = await copy_database(source, target, hash_key)
    width = max((len(t) for t in report.counts), default=0)
    for table, count in report.counts.items():
        print(f"{table:<{width}}  {count:>9,} rows")
    total = sum(report.counts.values())
    print(
        f"copied {total:,} rows in {len(report.counts)} tables into {parse_address(target).shown}"
    )
    for warning in report.warnings:
        print(f"warning: {warning}")
    return 0
