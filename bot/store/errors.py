"""What the store raises when the database cannot be used."""

import sqlite3

import psycopg


class DatabaseError(RuntimeError):
    """The database cannot be used; the message names the file and the fix."""


DRIVER_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error)
"""What the drivers raise when the database does not answer (SQLite's or PostgreSQL's)."""
