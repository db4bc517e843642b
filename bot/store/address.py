"""Where the database is: `RELAIS_DB` / `--db` names a SQLite file or a PostgreSQL server.

A file path or `sqlite:///path` means SQLite (the embedded default, one process); a
`postgresql://` (or `postgres://`) URL means PostgreSQL (several workers).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from bot.store.errors import DatabaseError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


@dataclass(frozen=True)
class Address:
    dialect: str
    location: str
    """The file path (SQLite) or the connection URL (PostgreSQL)."""

    @property
    def shown(self) -> str:
        """What messages and logs name: the URL without its password."""
        if self.dialect == SQLITE:
            return self.location
        parts = urlsplit(self.location)
        if parts.password is None:
            return self.location
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))


def parse_address(db: str) -> Address:
    """`relais.db`, `/var/lib/relais/relais.db`, `sqlite:///relais.db` (relative),
    `sqlite:////var/lib/relais.db` (absolute), `postgresql://user:pw@host/name`."""
    text = str(db).strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        return Address(SQLITE, text)
    scheme = scheme.lower()
    if scheme == "sqlite":
        if not rest.startswith("/"):
            raise DatabaseError(
                f"cannot read the database address {text}: write sqlite:///relais.db "
                "(three slashes, then the file's path)"
            )
        return Address(SQLITE, rest[1:] or ":memory:")
    if scheme in ("postgresql", "postgres"):
        return Address(POSTGRESQL, f"postgresql://{rest}")
    raise DatabaseError(
        f"cannot read the database address {text}: give a SQLite file path, "
        "sqlite:///path or postgresql://user:password@host/name"
    )
