"""Benchmark of `relais serve`: signed Twilio webhooks and Telegram updates over loopback.

Starts the real server (and, in its own process, a fake Telegram Bot API it sends to) and
drives concurrent residents in two phases:
- saturation: every resident sends its next message as soon as the previous is answered,
  which gives the most requests per second the server can take;
- target rate: residents are paced so that together they send `--rate` requests per second,
  which gives the latency a resident sees at that load.
It prints requests per second, p50/p99 latency, errors and the server's CPU time per
webhook, with the machine's ceiling measured in the same run: the same server's bare
/healthz rate. Target: >= 1,000 webhook requests/s on one core, p99 < 25 ms, zero errors.
Run: python bench/webhooks.py [--residents 200] [--messages 20] [--rate 1000]
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
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx
from twilio.request_validator import RequestValidator

SID, TOKEN, SECRET = "AC" + "0" * 32, "bench-token", "bench-secret"
BOT_TOKEN = "123456:" + "B" * 35
PUBLIC = "https://relais.example.org"
ANSWERS = ["bonjour", "1", "1", "2", "menu", "3", "1", "retour", "menu", "4"]


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def twilio_request(n: int, i: int, phase: str) -> tuple[str, dict]:
    params = {
        "From": f"+3361{n:07d}",
        "Body": ANSWERS[i % len(ANSWERS)],
        "MessageSid": f"SM{phase}{n}-{i}",
    }
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/webhooks/twilio", params)
    return "/webhooks/twilio", {"data": params, "headers": {"X-Twilio-Signature": signature}}


def telegram_request(n: int, i: int, phase: str) -> tuple[str, dict]:
    user = {"id": 10_000 + n, "is_bot": False, "first_name": "R", "language_code": "fr"}
    update = {
        "update_id": (1 if phase == "s" else 2) * 10**8 + n * 1000 + i,
        "message": {
            "message_id": i + 1,
            "date": int(time.time()),
            "chat": {"id": user["id"], "type": "private"},
            "from": user,
            "text": ANSWERS[i % len(ANSWERS)],
        },
    }
    return "/webhooks/telegram", {
        "json": update,
        "headers": {"X-Telegram-Bot-Api-Secret-Token": SECRET},
    }


async def resident(
    client,
    url: str,
    n: int,
    residents: int,
    messages: int,
    phase: str,
    pace: float,
    results: Results,
) -> None:
    """One person's messages, in order; with `pace`, one every `pace` seconds at most."""
    make = twilio_request if n % 2 else telegram_request
    requests = [make(n, i, phase) for i in range(messages)]
    start = time.perf_counter() + n / residents * pace
    for i, (path, kwargs) in enumerate(requests):
        if pace:
            await asyncio.sleep(max(0.0, start + i * pace - time.perf_counter()))
        began = time.perf_counter()
        async with client.post(url + path, **kwargs) as response:
            await response.read()
            status = response.status
        results.latencies.append(time.perf_counter() - began)
        if status != 200:
            results.errors.append(status)


def channel_env(telegram_api_url: str) -> dict[str, str]:
    """Both channels of `relais serve`, with the test credentials the scripts sign with."""
    return {
        "RELAIS_PUBLIC_URL": PUBLIC,
        "RELAIS_TWILIO_ACCOUNT_SID": SID,
        "RELAIS_TWILIO_AUTH_TOKEN": TOKEN,
        "RELAIS_TWILIO_SENDER": "+33700000000",
        "RELAIS_TELEGRAM_TOKEN": BOT_TOKEN,
        "RELAIS_TELEGRAM_SECRET": SECRET,
        "RELAIS_TELEGRAM_API_URL": telegram_api_url,
    }


def wait_until_up(port: int, server: subprocess.Popen, seconds: float = 30) -> None:
    """Until `relais serve` answers its health check; exits the script if it never does."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("relais serve did not start") from None
            time.sleep(0.2)


async def healthz_rate(client, url: str, seconds: float = 3.0) -> float:
    count, end = 0, time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < end:
            async with client.get(url + "/healthz") as response:
                await response.read()
            count += 1

    await asyncio.gather(*(worker() for _ in range(20)))
    return count / seconds


async def phase(client, url, pid, residents, messages, name, pace) -> tuple[Results, float, float]:
    results = Results()
    cpu_before, start = cpu_seconds(pid), time.perf_counter()
    await asyncio.gather(
        *(
            resident(client, url, n, residents, messages, name, pace, results)
            for n in range(residents)
        )
    )
    elapsed = time.perf_counter() - start
    return results, elapsed, cpu_seconds(pid) - cpu_before


def report(label: str, results: Results, elapsed: float, cpu: float) -> None:
    ordered = sorted(results.latencies)
    count = len(ordered)
    print(
        f"{label}: {count / elapsed:,.0f} requests/s, p50 {statistics.median(ordered) * 1000:.1f}"
        f" ms, p99 {ordered[int(0.99 * count)] * 1000:.1f} ms, errors {len(results.errors)},"
        f" server CPU {cpu * 1000 / count:.2f} ms a webhook ({count} webhooks)"
    )


async def drive(port: int, pid: int, residents: int, messages: int, rate: float) -> None:
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as client:
        ceiling = await healthz_rate(client, url)
        print(f"machine: {os.cpu_count()} CPU cores; relais serve: one process, one event loop")
        print(f"ceiling: {ceiling:,.0f} bare /healthz requests/s on the same server")
        print(f"residents: {residents} (half SMS through Twilio, half Telegram), {messages} each")
        report("saturation", *await phase(client, url, pid, residents, messages, "s", 0.0))
        pace = residents / rate
        report(f"at {rate:,.0f}/s", *await phase(client, url, pid, residents, messages, "r", pace))
    print("targets: >= 1,000 requests/s; at 1,000/s, p99 < 25 ms; 0 errors")
    print("Telegram replies leave through python-telegram-bot's limiter (about 30 a second)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--rate", type=float, default=1000.0)
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
        env = {**os.environ, "RELAIS_LOG_LEVEL": "ERROR", **channel_env(api_url)}
        command = [sys.executable, "-m", "bot.cli", "serve", "--db", f"{folder}/bench.db"]
        server = subprocess.Popen([*command, "--listen", f"127.0.0.1:{port}"], env=env)
        try:
            wait_until_up(port, server)
            asyncio.run(drive(port, server.pid, args.residents, args.messages, args.rate))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            api.stdin.close()
            api.wait(timeout=10)


if __name__ == "__main__":
    main()
