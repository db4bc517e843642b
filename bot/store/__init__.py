"""Persistence in SQLite (aiosqlite) or PostgreSQL (psycopg): one write transaction per batch."""

from bot.store.db import Database
from bot.store.opening import open_database

__all__ = ["Database", "open_database"]
