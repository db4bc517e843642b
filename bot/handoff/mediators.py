"""Organisations, the places they answer for, their mediators and their passwords."""

from __future__ import annotations

import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.store import Database
from bot.store.connection import Connection

_hasher = PasswordHasher()
MIN_PASSWORD = 10
ROLES = ("mediator", "operator")


class MediatorError(ValueError):
    """A mediator or organisation cannot be changed as asked; the message says why."""


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str
    telegram_chat: int | None
    places: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mediator:
    id: int
    login: str
    name: str
    organisation_id: int
    organisation: str
    role: str = "mediator"
    """"mediator", or "operator": also sees every organisation's figures (/operateurs)."""

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise MediatorError(f"the password must have at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def _organisation_id(conn: Connection, name: str) -> int:
    await conn.execute(
        "INSERT INTO organisations (name) VALUES (?) ON CONFLICT DO NOTHING", (name,)
    )
    rows = await conn.execute_fetchall("SELECT id FROM organisations WHERE name = ?", (name,))
    return rows[0][0]


async def set_organisation(
    db: Database,
    name: str,
    *,
    places: tuple[str, ...] = (),
    telegram_chat: int | None = None,
) -> Organisation:
    """Create the organisation if needed, add places to it, set its Telegram chat."""
    name = name.strip()
    if not name:
        raise MediatorError("an organisation needs a name")
    async with db.transaction() as conn:
        org_id = await _organisation_id(conn, name)
        if telegram_chat is not None:
            taken = await conn.execute_fetchall(
                "SELECT name FROM organisations WHERE telegram_chat = ? AND id != ?",
                (telegram_chat, org_id),
            )
            if taken:
                raise MediatorError(
                    f"the Telegram chat {telegram_chat} already belongs to {taken[0][0]!r}"
                )
            await conn.execute(
                "UPDATE organisations SET telegram_chat = ? WHERE id = ?", (telegram_chat, org_id)
            )
        await conn.executemany(
            "INSERT INTO organisation_places (organisation_id, place) VALUES (?, ?) "
            "ON CONFLICT DO NOTHING",
            [(org_id, place) for place in places],
        )
    return await organisation(db.conn, org_id)


async def add_mediator(
    db: Database,
    login: str,
    name: str,
    organisation_name: str,
    password: str,
    role: str | None = None,
) -> Mediator:
    """Add a mediator, or change the name, organisation and password of an existing one;
    `role` None keeps theirs (a new one is a mediator)."""
    login = login.strip().lower()
    if not login:
        raise MediatorError("a mediator needs a login (an e-mail address, for example)")
    if role is not None and role not in ROLES:
        raise MediatorError(f"the role is one of {', '.join(ROLES)}, not {role!r}")
    password_hash = hash_password(password)
    org = await set_organisation(db, organisation_name)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO mediators (login, name, organisation_id, password_hash, created_at, "
            "role) VALUES (?, ?, ?, ?, ?, COALESCE(?, 'mediator')) ON CONFLICT (login) "
            "DO UPDATE SET name = excluded.name, organisation_id = excluded.organisation_id, "
            "password_hash = excluded.password_hash, role = COALESCE(?, mediators.role)",
            (login, name.strip() or login, org.id, password_hash, time.time(), role, role),
        )
        # A changed password or organisation signs the mediator out everywhere.
        await conn.execute(
            "DELETE FROM web_sessions WHERE mediator_id = "
            "(SELECT id FROM mediators WHERE login = ?)",
            (login,),
        )
    found = await find_mediator(db.conn, login)
    assert found is not None
    return found[0]


async def remove_mediator(db: Database, login: str) -> bool:
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM mediators WHERE login = ?", (login.strip().lower(),)
        )
        return cursor.rowcount > 0


async def remove_places(db: Database, organisation_name: str, places: tuple[str, ...]) -> None:
    async with db.transaction() as conn:
        await conn.executemany(
            "DELETE FROM organisation_places WHERE place = ? AND organisation_id = "
            "(SELECT id FROM organisations WHERE name = ?)",
            [(place, organisation_name.strip()) for place in places],
        )


_MEDIATOR = (
    "SELECT m.id, m.login, m.name, m.organisation_id, o.name, m.role, m.password_hash "
    "FROM mediators m JOIN organisations o ON o.id = m.organisation_id "
)


async def find_mediator(conn: Connection, login: str) -> tuple[Mediator, str] | None:
    """The mediator with this login and their password hash."""
    rows = await conn.execute_fetchall(_MEDIATOR + "WHERE m.login = ?", (login.strip().lower(),))
    return (Mediator(*rows[0][:6]), rows[0][6]) if rows else None


async def get_mediator(conn: Connection, mediator_id: int) -> Mediator | None:
    rows = await conn.execute_fetchall(_MEDIATOR + "WHERE m.id = ?", (mediator_id,))
    return Mediator(*rows[0][:6]) if rows else None


async def mediators(conn: Connection) -> list[Mediator]:
    rows = await conn.execute_fetchall(_MEDIATOR + "ORDER BY o.name, m.login")
    return [Mediator(*row[:6]) for row in rows]


async def organisation(conn: Connection, org_id: int) -> Organisation:
    rows = await conn.execute_fetchall(
        "SELECT id, name, telegram_chat FROM organisations WHERE id = ?", (org_id,)
    )
    places = await conn.execute_fetchall(
        "SELECT place FROM organisation_places WHERE organisation_id = ? ORDER BY place",
        (org_id,),
    )
    return Organisation(*rows[0], tuple(p for (p,) in places))


async def organisations(conn: Connection) -> list[Organisation]:
    rows = await conn.execute_fetchall("SELECT id FROM organisations ORDER BY name")
    return [await organisation(conn, org_id) for (org_id,) in rows]


async def organisation_by_chat(conn: Connection, chat_id: int) -> Organisation | None:
    rows = await conn.execute_fetchall(
        "SELECT id FROM organisations WHERE telegram_chat = ?", (chat_id,)
    )
    return await organisation(conn, rows[0][0]) if rows else None


_READ = (
    "(o.telegram_chat IS NOT NULL OR EXISTS "
    "(SELECT 1 FROM mediators m WHERE m.organisation_id = o.id))"
)
"""An organisation somebody reads: a mediator who can sign in, or a Telegram group."""


async def organisation_for_place(conn: Connection, place: str) -> Organisation | None:
    """The organisation that receives tickets for a place: of those somebody reads, the one
    created first."""
    rows = await conn.execute_fetchall(
        "SELECT o.id FROM organisation_places p JOIN organisations o ON o.id = p.organisation_id "
        f"WHERE p.place = ? AND {_READ} ORDER BY o.id LIMIT 1",
        (place,),
    )
    return await organisation(conn, rows[0][0]) if rows else None


async def covered_places(conn: Connection) -> frozenset[str]:
    """The places where somebody receives and reads tickets: only those get the consent
    question (a ticket nobody reads would be a broken promise)."""
    rows = await conn.execute_fetchall(
        "SELECT DISTINCT p.place FROM organisation_places p "
        f"JOIN organisations o ON o.id = p.organisation_id WHERE {_READ}"
    )
    return frozenset(place for (place,) in rows)
