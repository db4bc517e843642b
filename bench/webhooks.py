"""Benchmark of `relais serve`: signed Twilio webhooks and Telegram updates over loopback,
against a bare Starlette endpoint served the same way, in the same run.

Starts a bare endpoint (bench/bare.py: uvicorn, httptools, uvloop, no work), the real server
and, in its own process, a fake Telegram Bot API the server sends to, then drives concurrent
residents:
- the bare endpoint, with SMS-shaped then Telegram-shaped requests: the ceiling;
- saturation: every resident sends its next message as soon as the previous is answered,
  all SMS, then all Telegram: the most webhooks per second, as a share of the ceiling;
- target rate: residents paced to send `--rate` requests per second together (all SMS,
  then half each): the latency a resident sees at that load.
It prints requests per second, p50/p99 latency, errors and the server's CPU time per
request. Targets: SMS >= 0.3 of the bare endpoint, Telegram >= 0.2, SMS p99 < 25 ms at
1,000 requests/s offered, zero errors.
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
ROOT = Path(__file__).resolve().parents[1]
PHASES = ("b", "ssms", "stelegram", "r", "m")
"""The phases of a run (their Telegram update ids and Twilio message ids differ)."""
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
        "update_id": (1 + PHASES.index(phase)) * 10**8 + n * 1000 + i,
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


MAKERS = {"sms": twilio_request, "telegram": telegram_request}


async def resident(
    client,
    url: str,
    n: int,
    residents: int,
    messages: int,
    phase: str,
    pace: float,
    results: Results,
    channel: str = "",
) -> None:
    """One person's messages, in order; with `pace`, one every `pace` seconds at most.
    `channel`: "sms" or "telegram"; none: half each."""
    make = MAKERS[channel] if channel else twilio_request if n % 2 else telegram_request
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


async def phase(
    client, url, pid, residents, messages, name, pace, channel=""
) -> tuple[Results, float, float]:
    results = Results()
    cpu_before, start = cpu_seconds(pid), time.perf_counter()
    await asyncio.gather(
        *(
            resident(client, url, n, residents, messages, name, pace, results, channel)
            for n in range(residents)
        )
    )
    elapsed = time.perf_counter() - start
    return results, elapsed, cpu_seconds(pid) - cpu_before


def report(label: str, results: Results, elapsed: float, cpu: float) -> tuple[float, float]:
    """Prints the phase's figures; (requests per second, server CPU seconds a request)."""
    ordered = sorted(results.latencies)
    count = len(ordered)
    print(
        f"{label}: {count / elapsed:,.0f} requests/s, p50 {statistics.median(ordered) * 1000:.1f}"
        f" ms, p99 {ordered[int(0.99 * count)] * 1000:.1f} ms, errors {len(results.errors)},"
        f" server CPU {cpu * 1000 / count:.2f} ms a request ({count} requests)"
    )
    return count / elapsed, cpu / count


async def drive(port: int, pid: int, bare: tuple[int, int], args) -> None:
    """The bare endpoint first (same requests, same client), then the real webhooks."""
    residents, messages, rate = args.residents, args.messages, args.rate
    url = f"http://127.0.0.1:{port}"
    bare_url = f"http://127.0.0.1:{bare[0]}"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as client:
        print(f"machine: {os.cpu_count()} CPU cores; relais serve: one process, one event loop")
        print(f"residents: {residents} at once, {messages} messages each, as fast as answered")
        ceiling: dict[str, tuple[float, float]] = {}
        for channel in ("sms", "telegram"):
            ceiling[channel] = report(
                f"bare Starlette endpoint, {channel} requests",
                *await phase(client, bare_url, bare[1], residents, messages, "b", 0.0, channel),
            )
        got: dict[str, tuple[float, float]] = {}
        for channel in ("sms", "telegram"):
            got[channel] = report(
                f"relais serve, {channel} webhooks",
                *await phase(client, url, pid, residents, messages, f"s{channel}", 0.0, channel),
            )
        for channel, target in (("sms", 0.3), ("telegram", 0.2)):
            (done, cpu), (bare_done, bare_cpu) = got[channel], ceiling[channel]
            print(
                f"{channel}: {done / bare_done:.2f} of the bare endpoint's requests/s with this "
                f"client; {bare_cpu / cpu:.2f} of its capacity by server CPU a request, i.e. "
                f"{1 / cpu:,.0f} against {1 / bare_cpu:,.0f} a second on one free core "
                f"(target >= {target})"
            )
        pace = residents / rate
        report(
            f"relais serve, sms webhooks offered at {rate:,.0f}/s",
            *await phase(client, url, pid, residents, messages, "r", pace, "sms"),
        )
        report(
            f"relais serve, half sms half telegram offered at {rate:,.0f}/s",
            *await phase(client, url, pid, residents, messages, "m", pace),
        )
    print("targets: sms >= 0.3 of bare, telegram >= 0.2; sms at 1,000/s offered: p99 < 25 ms;")
    print("0 errors. Telegram replies leave through the outbox at about 30 a second (its limit)")


def start_telegram_api() -> tuple[subprocess.Popen, str]:
    """The fake Bot API in its own process; (process, its URL)."""
    api = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.telegram_api"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    return api, f"http://127.0.0.1:{api.stdout.readline().strip()}"


def start_serve(db: str, env: dict[str, str], port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "bot.cli", "serve", "--db", db, "--listen"]
    server = subprocess.Popen(
        [*command, f"127.0.0.1:{port}"], env={**os.environ, "RELAIS_LOG_LEVEL": "ERROR", **env}
    )
    wait_until_up(port, server)
    return server


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--rate", type=float, default=1000.0)
    args = parser.parse_args()
    api, api_url = start_telegram_api()
    bare_port, port = free_port(), free_port()
    bare = subprocess.Popen([sys.executable, "-m", "bench.bare", str(bare_port)], cwd=ROOT)
    try:
        wait_until_up(bare_port, bare)
        with tempfile.TemporaryDirectory() as folder:
            server = start_serve(f"{folder}/bench.db", channel_env(api_url), port)
            try:
                asyncio.run(drive(port, server.pid, (bare_port, bare.pid), args))
            finally:
                stop(server)
    finally:
        stop(bare)
        api.stdin.close()
        api.wait(timeout=10)


if __name__ == "__main__":
    main()
