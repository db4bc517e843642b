"""`relais stats`: the anonymous figures of a period, as text, JSON or CSV."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import date

from bot.config import Settings
from bot.flows.loader import load_flows
from bot.stats.idle import sweep
from bot.stats.report import csv_text, figures, hide_small
from bot.store import open_database


def _day(raw: str) -> str:
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"a date is written 2026-12-03, got {raw!r}") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(
        "stats", help="anonymous figures: drop-offs, outcomes, hand-offs (counts under 5 hidden)"
    )
    command.add_argument("--since", type=_day, metavar="DATE", help="first day, e.g. 2026-11-01")
    command.add_argument("--until", type=_day, metavar="DATE", help="last day (included)")
    command.add_argument("--flow", metavar="ID", help="one flow only, e.g. caf")
    shape = command.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true")
    shape.add_argument("--csv", action="store_true")
    command.add_argument(
        "--db", metavar="PATH|URL", help="SQLite file or postgresql://… (default: RELAIS_DB)"
    )


async def current_figures(db, flows, idle_seconds: float, **period) -> dict:
    """Count the conversations idle since the last look, then read the figures."""
    async with db.transaction() as conn:
        await sweep(conn, flows, idle_seconds, time.time())
    return await figures(db.conn, flows=flows, **period)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.since and args.until and args.since > args.until:
        print(f"relais: --since {args.since} is after --until {args.until}", file=sys.stderr)
        return 2
    flows = load_flows(list(settings.flows) or None)
    if args.flow and args.flow not in flows.flows:
        known = ", ".join(sorted(flows.flows))
        print(f"relais: no flow '{args.flow}' (known: {known})", file=sys.stderr)
        return 2
    public = hide_small(asyncio.run(_read(args, settings, flows)))
    if args.json:
        print(json.dumps(public, ensure_ascii=False, indent=2))
    elif args.csv:
        sys.stdout.write(csv_text(public))
    else:
        print(text_report(public))
    return 0


async def _read(args: argparse.Namespace, settings: Settings, flows) -> dict:
    db = await open_database(args.db or settings.db, hash_key=settings.hash_key)
    try:
        return await current_figures(
            db,
            flows,
            settings.idle_after.total_seconds(),
            since=args.since,
            until=args.until,
            flow=args.flow,
        )
    finally:
        await db.close()


def text_report(public: dict) -> str:
    """A short reading for the terminal; --json and --csv give everything."""
    period = public["period"]
    lines = [
        f"period: {period['since'] or 'start'} to {period['until'] or 'today'} "
        "(counts from 1 to 4 show as <5)",
        f"conversations: {public['conversations']}",
    ]
    for flow_id, flow in public["flows"].items():
        outcomes = flow["outcomes"]
        lines.append(
            f"\n{flow_id}: worked {outcomes['yes']}, did not {outcomes['no']}, "
            f"no answer {outcomes['none']}"
        )
        lines.append(
            f"  {'node':<28}{'reached':>9}{'answered':>9}{'left':>7}{'again':>7}{'person':>8}"
        )
        for node, n in flow["nodes"].items():
            lines.append(
                f"  {node[:27]:<28}{n['reached']!s:>9}{n['answered']!s:>9}{n['left_here']!s:>7}"
                f"{n['reprompted']!s:>7}{n['asked_for_a_person']!s:>8}"
            )
    handoffs = public["handoffs"]
    times = handoffs["first_answer_minutes"]
    lines.append(
        f"\nhand-offs: opened {handoffs['opened']}, claimed {handoffs['claimed']}, closed "
        f"{handoffs['closed']}, never answered {handoffs['never_answered']}; first answer "
        f"median {times['median'] or '-'} min, 90% within {times['p90'] or '-'} min"
    )
    for org, by_org in handoffs["organisations"].items():
        lines.append(f"  {org}: opened {by_org['opened']}, closed {by_org['closed']}")
    lines.append(
        "\nlanguages: "
        + ", ".join(
            f"{lang} {n['conversations']} ({n['handoffs']} hand-offs)"
            for lang, n in public["languages"].items()
        )
    )
    lines.append(
        "channels: "
        + ", ".join(f"{ch} {n['conversations']}" for ch, n in public["channels"].items())
    )
    if public["unmatched"]:
        lines.append("\nunmatched answers (5 times or more):")
        lines += [
            f"  {u['count']:>5}  {u['flow']}/{u['node']} [{u['lang']}] {u['phrase']}"
            for u in public["unmatched"]
        ]
    return "\n".join(lines)
