"""Ticket codes a person can read aloud at a desk and type on a phone: `R-7K3F`."""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""No 0/O, 1/I/L: letters and digits nobody confuses when reading or hearing them."""
PREFIX = "R-"
LENGTH = 4


def new_code(length: int = LENGTH) -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise(typed: str) -> str:
    """What someone typed (`r7k3f`, `R 7K3F`, `r-7k3f`) as the stored form (`R-7K3F`)."""
    raw = "".join(ch for ch in typed.upper() if ch.isalnum())
    raw = raw.removeprefix("R") if len(raw) > LENGTH else raw
    return PREFIX + raw
