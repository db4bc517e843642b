"""Leases: one worker at a time runs a job, and another takes over when it stops renewing.

Several `relais serve` workers may share one database (PostgreSQL). A job that must run once
(the reminders' scheduler, the one Telegram sender) is run by whoever holds its row in
`leases`; the holder renews it well before it runs out, and a worker that dies simply stops
renewing, so another takes the job once `until` has passed. The same statement works on
SQLite, where the one serving process always wins.
"""

from __future__ import annotations

import os
import secrets
import socket

from bot.store import Database

DEFAULT_SECONDS = 30.0
"""How long a claim lasts without renewal (RELAIS_LEASE_SECONDS)."""


def worker_name() -> str:
    """Who holds a lease or a claim: the machine, the process and a random part (a pid is
    reused after a restart, which must not inherit the dead process's claims)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


async def hold(db: Database, name: str, holder: str, seconds: float, now: float) -> bool:
    """Take or renew the lease `name` for `seconds`; False while another worker holds it."""
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "INSERT INTO leases (name, holder, until) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until "
            "WHERE leases.holder = excluded.holder OR leases.until < ? RETURNING holder",
            (name, holder, now + seconds, now),
        )
    return bool(rows)


async def release(db: Database, name: str, holder: str) -> None:
    """Give the lease up (a clean stop): another worker takes the job at once."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))


async def release_all(db: Database) -> None:
    """Forget every lease and every outbox claim: for a process that knows it is the only
    one (SQLite's serving lock), so that what a killed process held goes at once."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM leases")
        await conn.execute(
            "UPDATE outbox SET claimed_by = NULL, lease_until = NULL WHERE claimed_by IS NOT NULL"
        )
