"""Persistence in SQLite through aiosqlite: one write transaction per processed message."""

from bot.store.db import Database, open_database

__all__ = ["Database", "open_database"]
