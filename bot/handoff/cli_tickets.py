"""`relais tickets …` and `relais audit`: the residents' requests and who saw or acted on
them, for operators (without the resident's number)."""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime

from bot.handoff import audit
from bot.handoff import mediators as store
from bot.handoff.cli_mediators import CommandError
from bot.handoff.codes import normalise
from bot.handoff.tickets import OPEN, STATUS_FR, Ticket, list_tickets, messages, ticket_by_code
from bot.places.hours import PARIS
from bot.store import Database


def _time(at: float | None) -> str | None:
    return None if at is None else datetime.fromtimestamp(at, PARIS).isoformat(timespec="seconds")


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, PARIS).strftime("%Y-%m-%d %H:%M")


def age(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "<1 min"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def _ticket_json(ticket: Ticket, org_name: str) -> dict:
    """A ticket without the resident's phone number or user id."""
    return {
        "code": ticket.code,
        "status": ticket.status,
        "status_fr": STATUS_FR.get(ticket.status, ticket.status),
        "organisation": org_name,
        "place": ticket.place,
        "place_name": ticket.place_name,
        "topic": ticket.topic,
        "lang": ticket.lang,
        "channel": ticket.channel,
        "claimed_by": ticket.claimed_by,
        "helped": ticket.helped,
        "created_at": _time(ticket.created_at),
        "updated_at": _time(ticket.updated_at),
        "closed_at": _time(ticket.closed_at),
    }


def _cut(text: str, width: int = 32) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


async def _org_names(db: Database) -> dict[int, str]:
    return {org.id: org.name for org in await store.organisations(db.conn)}


async def show_tickets(db: Database, include_closed: bool, as_json: bool) -> int:
    statuses = (*OPEN, "closed") if include_closed else OPEN
    found = await list_tickets(db.conn, statuses=statuses)
    names = await _org_names(db)
    if as_json:
        out = [_ticket_json(t, names.get(t.organisation_id, "")) for t in found]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    if not found:
        print("No tickets." if include_closed else "No open tickets (closed ones: --all).")
        return 0
    now = time.time()
    rows = [("code", "status", "organisation", "place", "topic", "lang", "channel", "age")]
    for t in found:
        rows.append(
            (
                t.code,
                STATUS_FR.get(t.status, t.status),
                _cut(names.get(t.organisation_id, "?")),
                _cut(t.place_name),
                t.topic,
                t.lang,
                t.channel,
                age(now - t.created_at),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


_DELIVERY = {
    "queued": "waiting to be sent",
    "retrying": "to be tried again",
    "sent": "sent",
    "waiting": "held: WhatsApp window closed, waiting for the person to answer the template",
    "delivered": "delivered",
    "read": "read",
    "failed": "NOT delivered",
    "undelivered": "NOT delivered (reported by Twilio)",
}


async def show_ticket(db: Database, typed: str) -> int:
    code = normalise(typed)
    ticket = await ticket_by_code(db.conn, code)
    if ticket is None:
        raise CommandError(
            f"no ticket {code} (typed {typed!r}); codes look like R-7K3F, "
            "see: relais tickets list --all"
        )
    names = await _org_names(db)
    now = time.time()
    print(f"{ticket.code}  {STATUS_FR.get(ticket.status, ticket.status)}")
    print(f"organisation: {names.get(ticket.organisation_id, '?')}")
    print(f"place: {ticket.place_name} ({ticket.place})")
    print(f"topic: {ticket.topic}, language: {ticket.lang}, channel: {ticket.channel}")
    print(f"opened: {_clock(ticket.created_at)} ({age(now - ticket.created_at)} ago)")
    if ticket.closed_at is not None:
        print(f"closed: {_clock(ticket.closed_at)}")
    if ticket.claimed_by:
        print(f"claimed by: {ticket.claimed_by}")
    if ticket.helped is not None:
        print(f"the person says it helped: {'yes' if ticket.helped else 'no'}")
    print("\nSummary:")
    print("\n".join("  " + line for line in ticket.summary.splitlines()))
    said = await messages(db.conn, ticket.id)
    print("\nConversation:" if said else "\nNo message yet.")
    for message in said:
        author = f"{message.name} ({message.author})" if message.name else message.author
        state = ""
        if message.author == "mediator" and message.delivery:
            state = f"  [{_DELIVERY.get(message.delivery, message.delivery)}"
            state += f": {message.error}]" if message.error else "]"
        lines = message.text.splitlines() or [""]
        print(f"  {_clock(message.at)}  {author}: {lines[0]}{state if len(lines) == 1 else ''}")
        for line in lines[1:]:
            print(f"      {line}")
        if len(lines) > 1 and state:
            print(f"     {state}")
    return 0


async def show_audit(db: Database, args: argparse.Namespace) -> int:
    """The audit log, oldest first: for a data-protection officer's questions."""
    ticket = normalise(args.ticket) if args.ticket else None
    since = time.time() - args.days * 86400
    lines = await audit.entries(db.conn, ticket=ticket, since=since)
    if args.json:
        rows = [
            {"at": _time(e.at), "actor": e.actor, "action": e.action, "ticket": e.ticket}
            for e in lines
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not lines:
        print(f"nothing in the audit log for the last {args.days:g} days")
        return 0
    for e in lines:
        print(f"{_clock(e.at)}  {e.actor} {audit.ACTIONS_FR.get(e.action, e.action)} {e.ticket}")
    return 0
