"""`relais purge`: apply the retention periods (run it daily, e.g. from cron)."""

from __future__ import annotations

import argparse
import asyncio
import time

from bot.config import Settings
from bot.privacy.erasure import purge
from bot.store import open_database


def register(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(
        "purge", help="delete or anonymise what is past its retention period (run daily)"
    )
    command.add_argument(
        "--db", metavar="PATH|URL", help="SQLite file or postgresql://… (default: RELAIS_DB)"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(args.db or settings.db, settings))


async def _run(db_path: str, settings: Settings) -> int:
    from bot.flows.loader import load_flows
    from bot.stats.days import day_of
    from bot.stats.idle import forget_rare_phrases, sweep

    flows = load_flows(list(settings.flows) or None)
    db = await open_database(db_path, hash_key=settings.hash_key)
    try:
        # Conversations about to go are counted as drop-offs first (the counters stay).
        async with db.transaction() as conn:
            now = time.time()
            left = await sweep(conn, flows, settings.idle_after.total_seconds(), now)
            cutoff = day_of(now - settings.retention.sessions_days * 86400)
            rare = await forget_rare_phrases(conn, cutoff)
        done = await purge(db, settings.retention)
        done = {
            "idle conversations counted as left (statistics)": left,
            "rare unmatched phrases deleted (statistics)": rare,
            **done,
        }
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
