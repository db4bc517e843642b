"""One serving process per SQLite file (PostgreSQL serves any number: no lock there).

Two `relais serve` on one file would both run the outbox and the Telegram rate limit, so every
reply queued for later would be sent twice. An advisory lock beside the file refuses the
second; the system releases it when the process ends, even by SIGKILL.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from bot.store.errors import DatabaseError


class AlreadyServed(DatabaseError):
    """Another process already serves this database file."""


def hold_serving_lock(db: Path) -> int:
    """Take the lock for the life of the process; returns the file descriptor holding it."""
    path = Path(f"{db}.serve-lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
        os.close(fd)
        raise AlreadyServed(
            f"{db} is already served by process {other}: SQLite serves one `relais serve` at a "
            "time. Stop the other one, or give this one another --db."
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd
