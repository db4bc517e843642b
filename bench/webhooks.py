"""Benchmark of `relais serve`: signed Twilio webhooks and Telegram updates over loopback.

Starts the real server (and a fake Telegram Bot API it sends to), drives many concurrent
residents, and prints requests per second, p50/p99 latency and errors; and, in the same run,
the machine's ceiling: the same server's bare /healthz rate. Target: >= 1,000 webhook
requests/s on one core, p99 < 25 ms, zero errors.
Run: python bench/webhooks.py [--residents 200] [--messages 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx
from twilio.request_validator import RequestValidator

SID, TOKEN, SECRET = "AC" + "0" * 32, "bench-token", "bench-secret"
BOT_TOKEN = "123456:" + "B" * 35
PUBLIC = "https://relais.example.org"
ANSWERS = ["bonjour", "1", "1", "2", "menu", "3", "1", "retour", "menu", "4"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def twilio_requests(n: int, messages: int) -> list[tuple[dict, dict]]:
    """Signed in advance, as Twilio would have signed them, so the client stays light."""
    validator = RequestValidator(TOKEN)
    out = []
    for i in range(messages):
        body = ANSWERS[i % len(ANSWERS)]
        params = {"From": f"+3361{n:07d}", "Body": body, "MessageSid": f"SM{n}-{i}"}
        signature = validator.compute_signature(PUBLIC + "/webhooks/twilio", params)
        out.append((params, {"X-Twilio-Signature": signature}))
    return out


async def twilio_resident(
    client, url, n: int, messages: int, latencies: list, errors: list
) -> None:
    for params, headers in twilio_requests(n, messages):
        start = time.perf_counter()
        async with client.post(url + "/webhooks/twilio", data=params, headers=headers) as response:
            await response.read()
            status = response.status
        latencies.append(time.perf_counter() - start)
        if status != 200:
            errors.append(status)


async def telegram_resident(
    client, url, n: int, messages: int, latencies: list, errors: list
) -> None:
    user = {"id": 10_000 + n, "is_bot": False, "first_name": "R", "language_code": "fr"}
    for i in range(messages):
        update = {
            "update_id": n * 1000 + i,
            "message": {
                "message_id": i + 1,
                "date": int(time.time()),
                "chat": {"id": user["id"], "type": "private"},
                "from": user,
                "text": ANSWERS[i % len(ANSWERS)],
            },
        }
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        start = time.perf_counter()
        async with client.post(
            url + "/webhooks/telegram", json=update, headers=headers
        ) as response:
            await response.read()
            status = response.status
        latencies.append(time.perf_counter() - start)
        if status != 200:
            errors.append(status)


async def healthz_rate(client, url, seconds: float = 3.0) -> float:
    count, end = 0, time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < end:
            async with client.get(url + "/healthz") as response:
                await response.read()
            count += 1

    await asyncio.gather(*(worker() for _ in range(20)))
    return count / seconds


def resident_kind(n: int, only: str | None):
    """Half the residents on SMS through Twilio, half on Telegram (or one channel only)."""
    channel = only or ("twilio" if n % 2 else "telegram")
    return twilio_resident if channel == "twilio" else telegram_resident


async def drive(port: int, residents: int, messages: int, only: str | None = None) -> None:
    url = f"http://127.0.0.1:{port}"
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as client:
        ceiling = await healthz_rate(client, url)
        latencies: list[float] = []
        errors: list[int] = []
        start = time.perf_counter()
        await asyncio.gather(
            *(
                resident_kind(n, only)(client, url, n, messages, latencies, errors)
                for n in range(residents)
            )
        )
        elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    print(f"machine: {os.cpu_count()} CPU cores; relais serve is one process on one event loop")
    print(f"ceiling: {ceiling:,.0f} bare /healthz requests/s on the same server")
    print(f"residents: {residents} at once (half Twilio SMS, half Telegram), {messages} each")
    rate = len(latencies) / elapsed
    print(f"throughput: {rate:,.0f} webhook requests/s ({len(latencies)} in {elapsed:.2f} s)")
    print(
        f"latency: p50 {statistics.median(ordered) * 1000:.1f} ms, "
        f"p99 {ordered[int(0.99 * len(ordered))] * 1000:.1f} ms"
    )
    print(f"errors: {len(errors)}")
    print("targets: >= 1000 requests/s, p99 < 25 ms, 0 errors")
    print("Telegram replies go out behind python-telegram-bot's limiter (about 30 a second)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--only", choices=("twilio", "telegram"), help="one channel only")
    args = parser.parse_args()
    api = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.telegram_api"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    api_url = f"http://127.0.0.1:{api.stdout.readline().strip()}"
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "RELAIS_LOG_LEVEL": "WARNING",
            "RELAIS_PUBLIC_URL": PUBLIC,
            "RELAIS_TWILIO_ACCOUNT_SID": SID,
            "RELAIS_TWILIO_AUTH_TOKEN": TOKEN,
            "RELAIS_TWILIO_SENDER": "+33700000000",
            "RELAIS_TELEGRAM_TOKEN": BOT_TOKEN,
            "RELAIS_TELEGRAM_SECRET": SECRET,
            "RELAIS_TELEGRAM_API_URL": api_url,
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                "--db",
                f"{folder}/bench.db",
                "--listen",
                f"127.0.0.1:{port}",
            ],
            env=env,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("relais serve did not start") from None
                    time.sleep(0.2)
            asyncio.run(drive(port, args.residents, args.messages, args.only))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)
            api.stdin.close()
            api.wait(timeout=10)


if __name__ == "__main__":
    main()
