"""What the store raises when the database cannot be used."""

import sqlite3
import sys


class DatabaseError(RuntimeError):
    """The database cannot be used; the message names the file and the fix."""


def driver_errors() -> tuple[type[Exception], ...]:
    """What the drivers raise when the database does not answer: sqlite3's, and psycopg's
    once the PostgreSQL backend is loaded (never imported for SQLite: start-up time)."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error, psycopg.Error) if psycopg is not None else (sqlite3.Error,)
