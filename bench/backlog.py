"""Benchmark of the outbox with a backlog: 12,000 Telegram replies queued (as when replies
come faster than Telegram's 30 a second), against the same server with an empty outbox.

Runs `relais serve` (Telegram to a fake Bot API in its own process, Twilio configured) three
times on one database: outbox empty; 12,000 rows for 400 chats due now (the server sends
them at Telegram's rate, so it is not idle but draining); the same 12,000 rows waiting for a
retry in an hour (Telegram was down: the server is idle with a full table). Each time it
prints the server's CPU over `--seconds` with no request coming in, then the /healthz rate
(20 clients at once, for 3 s) and what /healthz reports. Targets: under 5 % of one core with
the backlog; /healthz as fast as with the empty table.
Run: python bench/backlog.py [--rows 12000] [--chats 400] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench")]
sys.path.append(str(ROOT))  # after PYTHONPATH: another checkout's bot/ can be measured

from webhooks import (  # noqa: E402
    channel_env,
    cpu_seconds,
    free_port,
    healthz_rate,
    start_serve,
    start_telegram_api,
    stop,
)

from bot.store import open_database  # noqa: E402


async def fill(db_path: Path, rows: int, chats: int, due_in: float) -> None:
    """`rows` replies for `chats` Telegram chats, interleaved, due in `due_in` seconds
    (plain SQL, so the same script measures an older Relais: PYTHONPATH=its checkout)."""
    db = await open_database(db_path)
    now = time.time()
    payload = json.dumps([{"text": "Votre dossier est bien reçu. Tapez MENU.", "choices": []}])
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM outbox")
        await conn.executemany(
            "INSERT INTO outbox (channel, user_id, payload, next_at, created_at) "
            "VALUES ('telegram', ?, ?, ?, ?)",
            [(str(10_000 + n % chats), payload, now + due_in, now) for n in range(rows)],
        )
    await db.close()


async def observe(port: int, pid: int, seconds: float) -> tuple[float, float, dict]:
    """(CPU share of one core while nothing comes in, /healthz requests/s, its outbox)."""
    await asyncio.sleep(1.0)  # past the start-up
    before, start = cpu_seconds(pid), time.perf_counter()
    await asyncio.sleep(seconds)
    cpu = (cpu_seconds(pid) - before) / (time.perf_counter() - start)
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as client:
        rate = await healthz_rate(client, url)
    outbox = httpx.get(url + "/healthz", timeout=5).json()["outbox"]
    return cpu, rate, outbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=12_000)
    parser.add_argument("--chats", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    api, api_url = start_telegram_api()
    cases = (
        ("outbox empty", 0, 0.0),
        (f"{args.rows:,} rows due now (draining)", args.rows, 0.0),
        (f"{args.rows:,} rows waiting for a retry (idle)", args.rows, 3600.0),
    )
    results = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            db_path = Path(folder) / "bench.db"
            for label, rows, due_in in cases:
                asyncio.run(fill(db_path, rows, args.chats, due_in))
                port = free_port()
                server = start_serve(str(db_path), channel_env(api_url), port)
                try:
                    results.append((label, *asyncio.run(observe(port, server.pid, args.seconds))))
                finally:
                    stop(server)
    finally:
        api.stdin.close()
        api.wait(timeout=10)
    empty_rate = results[0][2]
    print("relais serve: one process; Telegram to a fake Bot API (30 messages/s limiter)")
    for label, cpu, rate, outbox in results:
        print(
            f"{label}: server CPU {cpu * 100:.1f} % of one core over {args.seconds:.0f} s with "
            f"no request; /healthz {rate:,.0f} requests/s ({rate / empty_rate:.2f} of empty); "
            f"it reports {json.dumps(outbox)}"
        )
    print("targets: under 5 % of one core with the backlog; /healthz as fast as when empty")


if __name__ == "__main__":
    main()
