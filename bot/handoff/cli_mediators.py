"""`relais mediators …`: organisations, the places they answer for, their Telegram chat and
their mediators, with warnings when residents somewhere would wait for nobody."""

from __future__ import annotations

import argparse
import json
import sys

from bot.handoff import mediators as store
from bot.handoff.mediators import Organisation
from bot.places.search import PlaceIndex
from bot.store import Database

FIND_KEYS = "find a place's key with: relais places near QUERY"


class CommandError(ValueError):
    """The command cannot do what was asked; the message says why and what to do."""


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
