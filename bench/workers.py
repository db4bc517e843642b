"""Benchmark of several `relais serve` workers on one PostgreSQL: throughput with 1, 2 and 4
workers, beside the ceiling of the same number of bare endpoints, in the same run.

Starts a throwaway PostgreSQL cluster (tests/support/postgres.py: initdb and pg_ctl of
Debian's postgresql package; fsync turned back on, synchronous_commit off as SQLite's
synchronous=NORMAL: a power cut may lose the last commits, never half of one), a fake
Telegram Bot API in its own process, then for each number of workers N:
- N bare Starlette endpoints (bench/bare.py), SMS-shaped requests: the ceiling of this client
  and this machine with N processes;
- N `relais serve` on a fresh migrated database: signed SMS webhooks (answered after the
  commit, TwiML), then Telegram updates (replies queued for the one elected sender).
Each resident's messages go to the workers in turn (message i to worker n + i), as a load
balancer without affinity would send them, so one person's messages cross workers. Also
printed: one `relais serve` on SQLite in the same run, the single-process figure.
Run: python bench/workers.py [--residents 200] [--messages 10] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench")]
sys.path.append(str(ROOT))

from webhooks import (  # noqa: E402
    MAKERS,
    Results,
    channel_env,
    cpu_seconds,
    free_port,
    start_serve,
    start_telegram_api,
    stop,
    twilio_request,
    wait_until_up,
)

from tests.support import postgres  # noqa: E402

PHASES: list[str] = []
"""The phases run so far: each has its own message ids."""


def request(channel: str, n: int, i: int, phase: str) -> tuple[str, dict]:
    path, kwargs = MAKERS[channel](n, i, "b")
    if channel == "sms":
        return twilio_request(n, i, phase)
    number = PHASES.index(phase) + 1
    kwargs["json"]["update_id"] = number * 10**8 + n * 1000 + i
    return path, kwargs


async def resident(client, urls, n, messages, phase, channel, results: Results) -> None:
    """One person's messages in order, message i to worker (n + i) mod N."""
    if phase not in PHASES:
        PHASES.append(phase)
    for i in range(messages):
        path, kwargs = request(channel, n, i, phase)
        began = time.perf_counter()
        async with client.post(urls[(n + i) % len(urls)] + path, **kwargs) as response:
            await response.read()
            status = response.status
        results.latencies.append(time.perf_counter() - began)
        if status != 200:
            results.errors.append(status)


async def load(ports, pids, args, phase: str, channel: str) -> tuple[float, str]:
    """All residents at once, each sending its next message when the previous is answered;
    (requests per second, the printed line's figures)."""
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    results = Results()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as client:
        cpu, start = sum(cpu_seconds(pid) for pid in pids), time.perf_counter()
        await asyncio.gather(
            *(
                resident(client, urls, n, args.messages, phase, channel, results)
                for n in range(args.residents)
            )
        )
        elapsed = time.perf_counter() - start
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu
    ordered = sorted(results.latencies)
    count = len(ordered)
    rate = count / elapsed
    return rate, (
        f"{rate:,.0f} requests/s, p50 {statistics.median(ordered) * 1000:.1f} ms, "
        f"p99 {ordered[int(0.99 * count)] * 1000:.1f} ms, errors {len(results.errors)}, "
        f"CPU of the workers {cpu * 1000 / count:.2f} ms a request"
    )


def start_cluster() -> postgres.PostgresServer:
    server = postgres.start_server()
    with psycopg.connect(server.url, autocommit=True) as admin:
        for setting in ("fsync = on", "full_page_writes = on", "synchronous_commit = off"):
            admin.execute(f"ALTER SYSTEM SET {setting}")
        admin.execute("SELECT pg_reload_conf()")
    server.prepare_template(postgres.migrate)
    return server


def workers(db: str, count: int, env: dict[str, str]) -> list[tuple[subprocess.Popen, int]]:
    started = []
    for _ in range(count):
        port = free_port()
        started.append((start_serve(db, env, port), port))
    return started


async def measure(label: str, started, args, phase: str, channels=("sms", "telegram")) -> dict:
    ports, pids = [port for _, port in started], [p.pid for p, _ in started]
    rates = {}
    for channel in channels:
        rates[channel], line = await load(ports, pids, args, f"{phase}{channel[0]}", channel)
        print(f"  {label}, {channel}: {line}")
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    api, api_url = start_telegram_api()
    server = start_cluster()
    env = {**channel_env(api_url), "RELAIS_HASH_KEY": postgres.TEST_KEY}
    print(
        f"machine: {os.cpu_count()} CPU cores, shared by the client, the workers and the database"
    )
    print(
        f"residents: {args.residents} at once, {args.messages} messages each, as fast as answered"
    )
    summary = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            print("one relais serve on SQLite (the single-process default):")
            started = workers(f"{folder}/bench.db", 1, env)
            try:
                sqlite = asyncio.run(measure("SQLite, 1 process", started, args, "q"))
            finally:
                for process, _ in started:
                    stop(process)
        for count in counts:
            print(f"{count} worker(s):")
            bare = []
            for _ in range(count):
                port = free_port()
                process = subprocess.Popen(
                    [sys.executable, "-m", "bench.bare", str(port)], cwd=ROOT
                )
                wait_until_up(port, process)
                bare.append((process, port))
            try:
                ceiling = asyncio.run(measure(f"{count} bare", bare, args, f"b{count}", ("sms",)))
            finally:
                for process, _ in bare:
                    stop(process)
            url = server.database()
            started = workers(url, count, env)
            try:
                got = asyncio.run(
                    measure(f"{count} relais on PostgreSQL", started, args, f"p{count}")
                )
            finally:
                for process, _ in started:
                    stop(process)
                server.drop(url)
            summary.append((count, ceiling["sms"], got["sms"], got["telegram"]))
    finally:
        server.stop()
        api.stdin.close()
        api.wait(timeout=10)
    print("workers | bare endpoints req/s | SMS webhooks/s (share of bare) | Telegram updates/s")
    print(f"SQLite 1 | - | {sqlite['sms']:,.0f} | {sqlite['telegram']:,.0f}")
    for count, bare_rate, sms, telegram in summary:
        print(f"{count} | {bare_rate:,.0f} | {sms:,.0f} ({sms / bare_rate:.2f}) | {telegram:,.0f}")


if __name__ == "__main__":
    main()
