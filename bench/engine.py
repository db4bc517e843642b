"""Benchmark of the conversation core: engine + durable sessions on a file-backed SQLite.

Prints messages per second, p50/p99 latency per message, peak memory, bytes stored per
session, the time to load and check the flows, and, in the same run, the machine's ceiling:
bare aiosqlite write transactions per second. Run: python bench/engine.py [--residents N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite

from bot.conversations import Conversations
from bot.engine import Engine, Text
from bot.flows import Input, Question, load_flows
from bot.i18n import Catalogs
from bot.store import open_database

TARGETS = "targets: >= 3000 msg/s on one core, p99 < 5 ms, <= 2048 B/session, flows < 300 ms"


def answer_for(engine: Engine, flow: str, node: str, rng: random.Random) -> str:
    current = engine.flows.get(flow, node)
    if isinstance(current, Question):
        return str(rng.randint(1, len(current.choices)))
    if isinstance(current, Input):
        return {"postal_code": "93200", "yes_no": "oui", "number": "2"}.get(current.validate, "ok")
    return rng.choice(["merci", "menu", "bonjour"])


async def resident(
    conversations: Conversations, engine: Engine, user: str, messages: int, latencies: list
) -> None:
    rng = random.Random(user)
    now = datetime(2026, 11, 21, 9, tzinfo=UTC)
    flow, node, text = "", "", "bonjour"
    for i in range(messages):
        start = time.perf_counter()
        handled = await conversations.handle(
            "sms", user, Text(text), external_id=f"{user}-{i}", now=now
        )
        latencies.append(time.perf_counter() - start)
        flow, node = handled.session.flow, handled.session.node
        text = "retour" if rng.random() < 0.05 else answer_for(engine, flow, node, rng)
        now += timedelta(seconds=20)


async def ceiling(path: Path, count: int) -> float:
    """Bare aiosqlite write transactions per second: the same settings and the same three
    round trips to the database thread as one processed message, with no work in them."""
    conn = await aiosqlite.connect(path, isolation_level=None)
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("PRAGMA synchronous=NORMAL")
    await conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)")
    start = time.perf_counter()
    for i in range(count):
        await conn.execute("BEGIN IMMEDIATE")
        await conn.execute("INSERT OR REPLACE INTO t VALUES (?, ?)", (str(i % 500), "x" * 300))
        await conn.commit()
    elapsed = time.perf_counter() - start
    await conn.close()
    return count / elapsed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def main(residents: int, messages: int, concurrency: int) -> None:
    start = time.perf_counter()
    flows = load_flows(
        os.environ.get("RELAIS_FLOWS", "").split(os.pathsep)
        if os.environ.get("RELAIS_FLOWS")
        else None
    )
    flows_ms = (time.perf_counter() - start) * 1000
    engine = Engine(flows, Catalogs())
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "bench.db"
        db = await open_database(db_path)
        conversations = Conversations(db, engine)
        users = [f"+3360{i:07d}" for i in range(residents)]
        loaded: list[float] = []
        start = time.perf_counter()
        for offset in range(0, residents, concurrency):
            batch = users[offset : offset + concurrency]
            await asyncio.gather(
                *(resident(conversations, engine, u, messages, loaded) for u in batch)
            )
        elapsed = time.perf_counter() - start
        alone: list[float] = []
        for user in ("+33700000001", "+33700000002"):
            await resident(conversations, engine, user, 1000, alone)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        await db.close()
        conn = sqlite3.connect(db_path)
        sessions, state_bytes = conn.execute(
            "SELECT count(*), sum(length(CAST(state AS BLOB)) + length(channel) + length(user_id))"
            " FROM sessions"
        ).fetchone()
        conn.close()
        bare = await ceiling(Path(folder) / "ceiling.db", 20_000)

    total = len(loaded)
    print(f"residents: {residents} x {messages} messages, {concurrency} at a time")
    print(f"machine: {os.cpu_count()} CPU cores; the service runs on one event loop")
    print(f"flows: {len(flows.flows)} loaded and checked in {flows_ms:.0f} ms")
    print(f"throughput: {total / elapsed:,.0f} messages/s ({total} messages in {elapsed:.2f} s)")
    for label, values in ((f"{concurrency} residents at once", loaded), ("one resident", alone)):
        print(
            f"latency per message, {label}: p50 {statistics.median(values) * 1000:.2f} ms, "
            f"p99 {percentile(values, 0.99) * 1000:.2f} ms"
        )
    print(f"peak memory (resident set of the process): {peak / 1e6:.1f} MB")
    print(
        f"stored per session: {state_bytes / sessions:.0f} bytes on average ({sessions} sessions)"
    )
    print(
        f"machine ceiling: {bare:,.0f} bare aiosqlite write transactions/s (one a message; "
        "Relais shares a transaction among the messages waiting together)"
    )
    print(TARGETS)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.residents, args.messages, args.concurrency))
