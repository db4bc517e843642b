"""Keyed hashes for identifiers that are only ever compared (message ids, sign-in names).

The database keeps HMAC-SHA256(key, value): equal values still match, but a copy of the
database alone does not give them back. The key comes from RELAIS_HASH_KEY, or from a file
created beside the database (`relais.db.key`, readable by its owner only); back it up with
the database. Losing it only forgets which messages were already processed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from bot.store.errors import DatabaseError


def load_key(db_path: str, configured: str = "") -> bytes:
    """`configured`: RELAIS_HASH_KEY (Settings.hash_key), used when set."""
    configured = configured.strip()
    if configured:
        return configured.encode()
    if db_path == ":memory:":
        return secrets.token_bytes(32)
    path = Path(f"{db_path}.key")
    try:
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        return path.read_text().strip().encode()
    except FileExistsError:
        return path.read_text().strip().encode()
    except OSError as exc:
        raise DatabaseError(
            f"cannot read or create the hashing key {path}: {exc.strerror} "
            "(make the folder writable, or set RELAIS_HASH_KEY)"
        ) from None


def load_server_key(shown: str, configured: str) -> bytes:
    """PostgreSQL has no file to keep the key beside, and every worker must hash alike."""
    configured = configured.strip()
    if not configured:
        raise DatabaseError(
            f"RELAIS_HASH_KEY is required with the PostgreSQL database {shown}: every worker "
            "hashes message ids with it. Set it to a long random secret (openssl rand -hex 32), "
            "the same for all workers; after `relais db copy`, to the content of the SQLite "
            "database's .key file"
        )
    return configured.encode()


def keyed_hash(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]
