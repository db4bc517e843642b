"""`relais mediators …`, `relais tickets …` and `relais audit`: what operators run to set up
the hand-off; the commands themselves are in cli_mediators.py and cli_tickets.py."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from bot.config import Settings
from bot.handoff import mediators as store
from bot.handoff.cli_mediators import (
    CommandError,
    add,
    change_organisation,
    remove,
    show_organisations,
)
from bot.handoff.cli_tickets import show_audit, show_ticket, show_tickets
from bot.handoff.mediators import MIN_PASSWORD, MediatorError
from bot.store import open_database

CHAT_EXAMPLE = "-1001234567890"


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
        db_path = getattr(args, "db", None) or settings.db
        return asyncio.run(_run(args, db_path, password, settings.hash_key))
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


async def _run(
    args: argparse.Namespace, db_path: str, password: str | None, hash_key: str = ""
) -> int:
    db = await open_database(db_path, hash_key=hash_key)
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
