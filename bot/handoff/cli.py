"""`relais mediators …` and `relais tickets …`: what operators run to set up the hand-off."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
import time
from datetime import datetime

from bot.config import Settings
from bot.handoff import audit
from bot.handoff import mediators as store
from bot.handoff.codes import normalise
from bot.handoff.mediators import MIN_PASSWORD, MediatorError, Organisation
from bot.handoff.tickets import OPEN, STATUS_FR, Ticket, list_tickets, messages, ticket_by_code
from bot.places.hours import PARIS
from bot.places.search import PlaceIndex
from bot.store import Database, open_database

FIND_KEYS = "find a place's key with: relais places near QUERY"
CHAT_EXAMPLE = "-1001234567890"


class CommandError(ValueError):
    """The command cannot do what was asked; the message says why and what to do."""


def _chat_id(raw: str) -> int:
    try:
        chat = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a Telegram chat id is a whole number, e.g. {CHAT_EXAMPLE}, got {raw!r}"
        ) from None
    if chat >= 0:
        raise argparse.ArgumentTypeError(
            f"{chat} is not a group: a Telegram group's chat id is negative, e.g. {CHAT_EXAMPLE}"
        )
    return chat


def register(subparsers: argparse._SubParsersAction) -> None:
    mediators = subparsers.add_parser(
        "mediators", help="organisations, their places and Telegram chat, their mediators"
    )
    actions = mediators.add_subparsers(dest="mediators_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", help="add a mediator, or change their name, organisation or password"
    )
    add.add_argument("login", metavar="LOGIN", help="what they sign in with, e.g. an e-mail")
    add.add_argument("--org", required=True, metavar="NAME", help="their organisation")
    add.add_argument(
        "--name", metavar="TEXT", help="name shown with their messages (default: kept, or LOGIN)"
    )
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument(
        "--role",
        choices=store.ROLES,
        help="operator: also sees every organisation's figures at /operateurs (default: kept, "
        "or mediator)",
    )
    org = actions.add_parser("org", help="create or change an organisation (no mediator)")
    org.add_argument("org", metavar="NAME")
    org.add_argument(
        "--remove-place", action="append", default=[], metavar="KEY", help="stop covering a place"
    )
    for sub in (add, org):
        sub.add_argument(
            "--place",
            action="append",
            default=[],
            metavar="KEY",
            help="a place the organisation answers for (repeat for several)",
        )
        sub.add_argument(
            "--telegram-chat",
            type=_chat_id,
            metavar="CHAT_ID",
            help=f"the organisation's Telegram group, e.g. {CHAT_EXAMPLE}",
        )
    listing = actions.add_parser("list", help="organisations, places, chats and mediators")
    listing.add_argument("--json", action="store_true")
    remove = actions.add_parser("remove", help="remove a mediator (they can no longer sign in)")
    remove.add_argument("login", metavar="LOGIN")

    tickets = subparsers.add_parser("tickets", help="the residents' requests to mediators")
    ticket_actions = tickets.add_subparsers(dest="tickets_command", required=True, metavar="ACTION")
    tickets_list = ticket_actions.add_parser("list", help="open tickets, newest first")
    tickets_list.add_argument("--all", action="store_true", help="closed tickets too")
    tickets_list.add_argument("--json", action="store_true")
    show = ticket_actions.add_parser("show", help="one ticket: summary and conversation")
    show.add_argument("code", metavar="CODE", help="e.g. R-7K3F (r7k3f works too)")

    trail = subparsers.add_parser("audit", help="who saw or acted on which ticket, and when")
    trail.add_argument("--ticket", metavar="CODE", help="one ticket only")
    trail.add_argument("--days", type=float, default=30, help="how far back (default: 30)")
    trail.add_argument("--json", action="store_true")

    for sub in (add, org, listing, remove, tickets_list, show, trail):
        sub.add_argument(
            "--db", metavar="PATH|URL", help="SQLite file or postgresql://… (default: RELAIS_DB)"
        )


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        password = _password(args) if args.command == "mediators" else None
        return asyncio.run(_run(args, getattr(args, "db", None) or settings.db, password))
    except (CommandError, MediatorError) as exc:
        print(f"relais: {exc}", file=sys.stderr)
        return 1


def _password(args: argparse.Namespace) -> str | None:
    """The new mediator's password, checked before anything is changed."""
    if args.mediators_command != "add":
        return None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("no password on standard input; nothing was changed")
    else:
        try:
            password = getpass.getpass(f"Password for {args.login.strip().lower()}: ")
            again = getpass.getpass("The same password again: ")
        except EOFError:
            raise CommandError("no password typed; nothing was changed") from None
        if password != again:
            raise CommandError("the two passwords differ; nothing was changed")
    if len(password) < MIN_PASSWORD:
        raise CommandError(
            f"the password has {len(password)} characters, it needs at least {MIN_PASSWORD}; "
            "nothing was changed"
        )
    return password


async def _run(args: argparse.Namespace, db_path: str, password: str | None) -> int:
    db = await open_database(db_path)
    try:
        if args.command == "audit":
            return await show_audit(db, args)
        if args.command == "tickets":
            if args.tickets_command == "show":
                return await show_ticket(db, args.code)
            return await show_tickets(db, args.all, args.json)
        action = args.mediators_command
        if action == "add":
            assert password is not None
            return await add(db, args, password)
        if action == "org":
            return await change_organisation(db, args)
        if action == "list":
            return await show_organisations(db, args.json)
        return await remove(db, args.login)
    finally:
        await db.close()


# Organisations and mediators.


async def _places(db: Database, keys: list[str]) -> PlaceIndex:
    """The imported places; a warning for every key among `keys` that is not one of them."""
    index = await PlaceIndex.load(db)
    for key in keys:
        if index.get(key) is None:
            print(
                f"relais: warning: {key} is not among the imported places; added anyway, "
                f"but no resident will be sent there ({FIND_KEYS})",
                file=sys.stderr,
            )
    return index


def _describe(index: PlaceIndex, key: str) -> str:
    place = index.get(key)
    if place is None:
        return "(not among the imported places)"
    return ", ".join(part for part in (place.name, place.commune_line) if part)


async def _receiver(db: Database, key: str) -> Organisation | None:
    return await store.organisation_for_place(db.conn, key)


async def _coverage(db: Database, org: Organisation, index: PlaceIndex) -> list[str]:
    """Plain lines: the places an organisation covers and where their tickets go."""
    if not org.places:
        return [
            f"{org.name} covers no place yet, so no ticket reaches it; add one with: "
            f'relais mediators org "{org.name}" --place KEY ({FIND_KEYS})'
        ]
    count = f"{len(org.places)} place{'s' if len(org.places) > 1 else ''}"
    lines = [f"{org.name} covers {count}; tickets for them go to its mediators:"]
    for key in org.places:
        lines.append(f"  {key}  {_describe(index, key)}")
        receiver = await _receiver(db, key)
        if receiver is not None and receiver.id != org.id:
            lines.append(
                f"    but its tickets go to {receiver.name!r}, which covers it too and was "
                "created first"
            )
    return lines


async def _warn_if_unread(db: Database, org: Organisation) -> None:
    """Places covered by nobody who reads: residents there would wait for nothing."""
    if not org.places or org.telegram_chat is not None:
        return
    if any(m.organisation_id == org.id for m in await store.mediators(db.conn)):
        return
    print(
        f"relais: warning: {org.name} has places but no mediator and no Telegram chat: "
        "residents there are offered a person, and nobody reads their tickets; add one with: "
        f'relais mediators add LOGIN --org "{org.name}"',
        file=sys.stderr,
    )


def _chat_line(org: Organisation) -> str:
    if org.telegram_chat is None:
        return "Telegram chat: none (mediators answer in the web inbox)"
    return f"Telegram chat: {org.telegram_chat} (new tickets are posted there)"


async def add(db: Database, args: argparse.Namespace, password: str) -> int:
    login = args.login.strip().lower()
    if not login:
        raise CommandError("LOGIN is empty; give the mediator's e-mail address, for example")
    index = await _places(db, args.place)
    before = await store.find_mediator(db.conn, login)
    name = args.name if args.name is not None else (before[0].name if before else login)
    org = await store.set_organisation(
        db, args.org, places=tuple(args.place), telegram_chat=args.telegram_chat
    )
    mediator = await store.add_mediator(db, login, name, org.name, password, args.role)
    if before is None:
        print(f"Added {mediator.role} {mediator.login} ({mediator.name}) to {org.name}.")
    else:
        print(
            f"Updated mediator {mediator.login} ({mediator.name}), now in {org.name}: "
            "new password, signed out of the web inbox everywhere."
        )
    print("\n".join(await _coverage(db, org, index)))
    print(_chat_line(org))
    return 0


async def change_organisation(db: Database, args: argparse.Namespace) -> int:
    name = args.org.strip()
    existing = {org.name: org for org in await store.organisations(db.conn)}
    if args.remove_place and name not in existing:
        raise CommandError(f"no organisation named {name!r} (see: relais mediators list)")
    index = await _places(db, args.place)
    org = await store.set_organisation(
        db, name, places=tuple(args.place), telegram_chat=args.telegram_chat
    )
    removed = [key for key in args.remove_place if key in org.places]
    for key in args.remove_place:
        if key not in org.places:
            print(f"relais: warning: {org.name} did not cover {key}", file=sys.stderr)
    if removed:
        await store.remove_places(db, org.name, tuple(removed))
        org = await store.organisation(db.conn, org.id)
        print(f"{org.name} no longer covers: {', '.join(removed)}.")
    if name not in existing:
        print(f"Created organisation {org.name}.")
    print("\n".join(await _coverage(db, org, index)))
    print(_chat_line(org))
    await _warn_if_unread(db, org)
    return 0


async def show_organisations(db: Database, as_json: bool) -> int:
    orgs = await store.organisations(db.conn)
    people = await store.mediators(db.conn)
    index = await PlaceIndex.load(db)
    out = []
    for org in orgs:
        places = []
        for key in org.places:
            place = index.get(key)
            receiver = await _receiver(db, key)
            places.append(
                {
                    "key": key,
                    "name": place.name if place else None,
                    "commune": place.commune_line if place else None,
                    "receives_tickets": receiver is not None and receiver.id == org.id,
                }
            )
        members = [
            {"login": m.login, "name": m.name, "role": m.role}
            for m in people
            if m.organisation_id == org.id
        ]
        out.append(
            {
                "name": org.name,
                "telegram_chat": org.telegram_chat,
                "places": places,
                "mediators": members,
            }
        )
    if as_json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    if not orgs:
        print("No organisation yet; add one with: relais mediators add LOGIN --org NAME")
        return 0
    for number, (org, entry) in enumerate(zip(orgs, out, strict=True)):
        if number:
            print()
        print(org.name)
        print("  " + _chat_line(org))
        for line in await _coverage(db, org, index):
            print("  " + line)
        if entry["mediators"]:
            print("  mediators:")
            for member in entry["mediators"]:
                role = "  (operator)" if member["role"] == "operator" else ""
                print(f"    {member['login']}  {member['name']}{role}")
        else:
            print(f'  no mediator yet: relais mediators add LOGIN --org "{org.name}"')
        await _warn_if_unread(db, org)
    return 0


async def remove(db: Database, login: str) -> int:
    found = await store.find_mediator(db.conn, login)
    if found is None or not await store.remove_mediator(db, login):
        raise CommandError(
            f"no mediator with the login {login.strip().lower()!r} (see: relais mediators list)"
        )
    print(f"Removed mediator {found[0].login}: they can no longer sign in.")
    await _warn_if_unread(db, await store.organisation(db.conn, found[0].organisation_id))
    return 0


# Tickets.


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
