"""Locks that keep several workers apart on PostgreSQL. SQLite has one writer at a time, and
its write transaction already orders everything: there these are no-ops.

All are transaction-scoped advisory locks, released by COMMIT or ROLLBACK (or by the server
when a worker dies), keyed by a hash of a name:
- a person (`channel:user_id`): taken first thing by every transaction that reads and writes
  their conversation or queues, sends or deletes their outbox messages, so one person's
  messages are processed one at a time in the order the locks are granted, and their outbox
  rows get ids in that order. Several are taken in the order of their keys, so two batches
  never wait for each other in a circle.
- a job (`job:name`): for work that must not run twice at once (the statistics' idle sweep,
  the purge); the second waits, then finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Iterable

POSTGRESQL = "postgresql"
TRANSIENT = {"40P01", "40001"}
"""PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back
and may simply be run again."""


def _postgres(conn) -> bool:
    return getattr(conn, "dialect", "sqlite") == POSTGRESQL


async def lock_people(conn, keys: Iterable[tuple[str, str]]) -> None:
    """Wait for, then hold until the end of the transaction, each person's lock."""
    if not _postgres(conn):
        return
    names = sorted({f"{channel}:{user_id}" for channel, user_id in keys})
    if names:
        await conn.execute_fetchall(
            "SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h "
            "FROM unnest(CAST(? AS TEXT[])) AS k ORDER BY h) AS ordered",
            (names,),
        )


async def one_at_a_time(conn, job: str) -> None:
    """Wait until no other transaction runs `job`, and keep it to this one until its end."""
    if _postgres(conn):
        await conn.execute_fetchall(
            "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (f"job:{job}",)
        )


def transient(exc: BaseException) -> bool:
    """A deadlock or serialization failure, which PostgreSQL resolves by rolling one back."""
    return getattr(exc, "sqlstate", None) in TRANSIENT
