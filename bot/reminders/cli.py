"""`relais reminders list|stats`: what is scheduled, for operators (never a phone number)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime

from bot.config import Settings
from bot.reminders import store
from bot.reminders.deadlines import PARIS
from bot.store import open_database


def register(commands: argparse._SubParsersAction, db_option) -> None:
    parser = commands.add_parser("reminders", help="the deadline reminders residents asked for")
    sub = parser.add_subparsers(dest="reminders_command", required=True)
    listing = sub.add_parser("list", help="each reminder: purpose, language, channel, next date")
    db_option(listing)
    stats = sub.add_parser("stats", help="counts per purpose, language and channel")
    db_option(stats)


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(args.reminders_command, settings))


async def _run(command: str, settings: Settings) -> int:
    db = await open_database(settings.db, hash_key=settings.hash_key)
    try:
        if command == "list":
            rows = await db.conn.execute_fetchall(
                "SELECT id, purpose, lang, channel, month, next_at FROM reminders "
                "ORDER BY next_at, id"
            )
            print(f"{'id':>6}  {'purpose':<16} {'lang':<4} {'channel':<9} next (Paris)")
            for rid, purpose, lang, channel, month, next_at in rows:
                when = datetime.fromtimestamp(next_at, PARIS).strftime("%Y-%m-%d %H:%M")
                extra = f"  (last declaration: month {month})" if month else ""
                print(f"{rid:>6}  {purpose:<16} {lang:<4} {channel:<9} {when}{extra}")
            print(f"{len(rows)} reminders")
        else:
            held, outcomes = await store.stats(db.conn)
            print("Held reminders (purpose, language, channel: count)")
            for purpose, lang, channel, count in held:
                print(f"  {purpose:<16} {lang:<4} {channel:<9} {count}")
            print(f"  total: {sum(row[3] for row in held)}")
            print("Due reminders so far (purpose, outcome: count)")
            for purpose, outcome, count in outcomes:
                print(f"  {purpose:<16} {outcome:<8} {count}")
    finally:
        await db.close()
    return 0
