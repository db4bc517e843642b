"""`relais purge`: apply the retention periods (run it daily, e.g. from cron)."""

from __future__ import annotations

import argparse
import asyncio
import time

from bot.config import Settings
from bot.privacy.retention import purge
from bot.store import open_database


def register(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(
        "purge", help="delete or anonymise what is past its retention period (run daily)"
    )
    command.add_argument(
        "--db", metavar="PATH", help="SQLite database file (default: RELAIS_DB or relais.db)"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(args.db or settings.db, settings))


async def _run(db_path: str, settings: Settings) -> int:
    from bot.flows import load_flows
    from bot.stats.idle import sweep

    flows = load_flows(list(settings.flows) or None)
    db = await open_database(db_path)
    try:
        # Conversations about to go are counted as drop-offs first (the counters stay).
        async with db.transaction() as conn:
            left = await sweep(conn, flows, settings.idle_after.total_seconds(), time.time())
        done = await purge(db, settings.retention)
        done = {"idle conversations counted as left (statistics)": left, **done}
    finally:
        await db.close()
    r = settings.retention
    print(
        f"retention: conversations {r.sessions_days:g} days, tickets anonymised after "
        f"{r.anonymise_tickets_days:g} days and deleted after {r.delete_tickets_days:g} days, "
        f"message ids {r.message_ids_hours:g} hours"
    )
    for what, count in done.items():
        print(f"{count:6d} {what}")
    return 0
