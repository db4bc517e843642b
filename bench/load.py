"""Load test of `relais serve`: many residents converse at once over loopback HTTP.

Starts the real server on a scratch database holding the France Services places and one
organisation of mediators covering the places near 93200, and a fake Telegram Bot API (in a
thread of this process) that the server's outbox sends to. Then `--residents` residents
converse at once for `--seconds`: half of them by SMS (signed Twilio webhooks, replies in
the TwiML answer), half by Telegram (updates with the secret header; typed texts, button
presses, a shared location; replies sent later by the outbox and counted at the fake), and
one in five asks for a person and gets a ticket, then writes to the mediator.

Each resident follows a script. Before the run the same scripts go through the same service
in-process (`Conversations` on a copy of the database), which gives the number of replies
each message must bring: TwiML `<Message>` bodies on SMS, sendMessage and sendVenue calls on
Telegram. A resident sends its next message once it has the answer (on Telegram: once the
replies have reached the fake Bot API), after a think time, and never more than the
per-person limit of messages a minute, so that every message expects its replies. Some
residents send a webhook again (same MessageSid or update_id), one after the other or both
at once: it must not be processed twice.

Prints webhooks per second, p50/p95/p99 latency per channel, errors, replies lost or
duplicated, resends, tickets opened and the server's peak memory, with the machine's ceiling
measured in the same run: the same server's bare /healthz rate. Exits with 1 when anything
was lost, duplicated or failed.
Run: python bench/load.py [--seconds 60] [--residents 1000] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from webhooks import (  # noqa: E402
    PUBLIC,
    SECRET,
    SID,
    TOKEN,
    channel_env,
    cpu_seconds,
    free_port,
    healthz_rate,
    wait_until_up,
)

from bot.app import start  # noqa: E402
from bot.channels.telegram.render import callback_data  # noqa: E402
from bot.channels.telegram.updates import parse_callback  # noqa: E402
from bot.channels.twilio.render import twiml  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.display.bidi import for_display  # noqa: E402
from bot.display.telegram import pieces  # noqa: E402
from bot.engine import Engine, Event, Location, Text  # noqa: E402
from bot.handoff.mediators import add_mediator, set_organisation  # noqa: E402
from bot.store import open_database  # noqa: E402
from tests.fakes.telegram_api import BOT_USER, FakeBotApi  # noqa: E402

PLACES_CSV = Path(__file__).resolve().parents[1] / "tests/data/lieux/france-services-2022-12-01.csv"
POSTAL_CODE = "93200"
"""The organisation covers the places Relais offers near this postal code."""
SAINT_DENIS = "@48.9356,2.3539"
UNCOVERED = "13001"
"""Marseille: places that receive no tickets (the resident is told to go there)."""
TELEGRAM_SENT = ("sendMessage", "sendVenue")
SPACING = 3.5
"""Seconds between the messages of the run done in advance (under the per-person limit)."""

# One round of each procedure, from the main menu back to it. "#2" is the second choice: a
# button press on Telegram when the last question offers one (else the text "2"), the
# number on SMS; "@lat,lon" shares a location (Telegram), a text on SMS is sent as is.
ROUNDS = [
    ["#1", "#1", "#1", "#1", "#1", "#1", "#1", "#1", "#1", "menu"],
    ["#2", "#1", "#1", "#1", "menu"],
    ["#3", "#2", "je ne sais pas", "retour", "menu"],
    ["#4", "#1", "#1", "#1", "#1", "#1", "menu"],
    ["#5", "#1", "#1", "#1", "#1", "menu"],
]
HANDOFF = [
    "AIDE",
    "#1",
    POSTAL_CODE,
    "#1",
    "#1",
    "Bonjour, je n'arrive pas à déclarer mes revenus trimestriels sur caf.fr",
    "Merci beaucoup",
    "Je peux venir lundi matin avec mes papiers",
    "menu",
    "#1",
]
HANDOFF_ELSEWHERE = ["AIDE", "#1", UNCOVERED, "#1", "#1", "menu"]


@dataclass(frozen=True)
class Step:
    kind: str
    """text, button or location."""
    value: str
    """The text, the button's callback data, or "lat,lon"."""
    replies: int
    """Expected: TwiML <Message> bodies (SMS), sendMessage + sendVenue calls (Telegram)."""
    tickets: int
    """Tickets this message opens."""
    relayed: int
    """Messages this message adds to a ticket from the resident (for the mediator)."""


@dataclass(frozen=True)
class Plan:
    channel: str
    script: str
    resend_every: int = 0
    """Send every n-th message again once it is answered (0: never)."""
    twice_every: int = 0
    """Send every n-th message twice at once (0: never)."""


def plan(n: int, telegram_share: float, handoff_share: float) -> Plan:
    """What resident n does; the shares are spread evenly over the residents."""
    telegram = int((n + 1) * telegram_share) > int(n * telegram_share)
    channel = "telegram" if telegram else "sms"
    script = f"browse-{n % len(ROUNDS)}"
    if int((n + 1) * handoff_share) > int(n * handoff_share):
        draw = random.Random(n * 7919).random()
        script = "handoff"
        if draw < 0.25:
            script = "handoff-elsewhere"
        elif telegram and draw < 0.6:
            script = "handoff-location"
    return Plan(
        channel,
        script,
        resend_every=4 if n % 10 in (3, 6) else 0,
        twice_every=7 if n % 25 == 7 else 0,
    )


def inputs(channel: str, script: str, length: int) -> list[str]:
    """The messages of a script, as many as asked (rounds repeat)."""
    if script.startswith("browse-"):
        first = int(script.removeprefix("browse-"))
        cycle = [word for i in range(len(ROUNDS)) for word in ROUNDS[(first + i) % len(ROUNDS)]]
    elif script == "handoff-elsewhere":
        cycle = HANDOFF_ELSEWHERE
    else:
        cycle = list(HANDOFF)
        if script == "handoff-location":
            cycle[2] = SAINT_DENIS
    opening = ["bonjour", "1"] if channel == "sms" else ["bonjour"]
    out = list(opening)
    while len(out) < length:
        out.extend(cycle)
    return out[:length]


def twiml_bodies(xml: str) -> int:
    return len(ET.fromstring(xml).findall("Message"))


async def expectations(
    db_path: Path, scripts: set[tuple[str, str]], length: int, budget: int
) -> dict[tuple[str, str], list[Step]]:
    """Run every script through the service in-process: what each message must bring."""
    relais = await start(Settings(db=str(db_path), log_level="WARNING"))
    conversations = relais.conversations
    out: dict[tuple[str, str], list[Step]] = {}
    begin = datetime.now(UTC)
    try:
        for number, (channel, script) in enumerate(sorted(scripts)):
            user = f"+3369{number:07d}" if channel == "sms" else str(900_000 + number)
            key, steps = None, []
            for i, word in enumerate(inputs(channel, script, length)):
                event: Event
                kind, value = "text", word
                if word.startswith("#"):
                    value = word[1:]
                    choice = int(value) - 1
                    if channel == "telegram" and key is not None:
                        kind, value = "button", callback_data(key, choice)
                if word.startswith("@"):
                    value = word[1:]
                    if channel == "telegram":
                        kind = "location"
                if kind == "button":
                    event = parse_callback(value)
                elif kind == "location":
                    lat, lon = (float(x) for x in value.split(","))
                    event = Location(lat, lon)
                else:
                    event = Text(value)
                before = await ticket_rows(relais.db.conn)
                handled = await conversations.handle(
                    channel,
                    user,
                    event,
                    external_id=f"expect-{number}-{i}",
                    now=begin + timedelta(seconds=SPACING * i),
                    lang="fr" if channel == "telegram" else None,
                    outbound=channel == "telegram",
                )
                if channel == "sms":
                    replies = twiml_bodies(twiml("sms", handled.replies, budget))
                else:
                    replies = sum(
                        len(pieces(for_display(r.text, r.lang))) + (r.place is not None)
                        for r in handled.replies
                    )
                    keys = [r.key for r in handled.replies if r.choices and r.key]
                    key = keys[-1] if keys else key
                after = await ticket_rows(relais.db.conn)
                steps.append(Step(kind, value, replies, after[0] - before[0], after[1] - before[1]))
            out[channel, script] = steps
    finally:
        await relais.close()
    return out


TICKET_ROWS = (
    "SELECT (SELECT COUNT(*) FROM tickets),"
    " (SELECT COUNT(*) FROM ticket_messages WHERE author = 'resident')"
)


async def ticket_rows(conn) -> tuple[int, int]:
    """Tickets, and the resident's messages in them."""
    rows = await conn.execute_fetchall(TICKET_ROWS)
    return rows[0][0], rows[0][1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def spread(values: list[float]) -> str:
    if not values:
        return "none"
    p50, p95, p99 = (percentile(values, f) * 1000 for f in (0.5, 0.95, 0.99))
    return (
        f"p50 {p50:,.1f} ms, p95 {p95:,.1f} ms, p99 {p99:,.1f} ms, max {max(values) * 1000:,.1f} ms"
    )


class Calls(list):
    """The fake Bot API's record of calls, which also tells the load's event loop."""

    def __init__(self, notify) -> None:
        super().__init__()
        self.notify = notify

    def append(self, item) -> None:
        super().append(item)
        self.notify(item)


@dataclass
class Telegram:
    """What the fake Bot API received per chat, seen from the load's event loop."""

    loop: asyncio.AbstractEventLoop | None = None
    received: collections.Counter = field(default_factory=collections.Counter)
    other_calls: collections.Counter = field(default_factory=collections.Counter)
    waiters: dict[int, tuple[int, asyncio.Future]] = field(default_factory=dict)
    last_call: float = 0.0
    first_sent: float = 0.0

    def from_thread(self, item: tuple[str, dict]) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.record, *item)

    def record(self, method: str, data: dict) -> None:
        self.last_call = time.perf_counter()
        if method not in TELEGRAM_SENT:
            self.other_calls[method] += 1
            return
        self.first_sent = self.first_sent or self.last_call
        chat = int(data.get("chat_id", 0))
        self.received[chat] += 1
        waiting = self.waiters.get(chat)
        if waiting and self.received[chat] >= waiting[0] and not waiting[1].done():
            waiting[1].set_result(None)

    async def wait(self, chat: int, target: int, until: float) -> bool:
        """Until the chat has received `target` messages in all; False at `until`."""
        if self.received[chat] >= target:
            return True
        future = asyncio.get_running_loop().create_future()
        self.waiters[chat] = (target, future)
        try:
            await asyncio.wait_for(future, max(0.0, until - time.perf_counter()))
            return True
        except TimeoutError:
            return False
        finally:
            self.waiters.pop(chat, None)


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"sms": [], "telegram": []})
    seen: list[float] = field(default_factory=list)
    """Telegram: from sending the update to the last of its replies at the Bot API."""
    webhooks: collections.Counter = field(default_factory=collections.Counter)
    per_second: collections.Counter = field(default_factory=collections.Counter)
    """Webhooks answered in each second of the run."""
    messages: collections.Counter = field(default_factory=collections.Counter)
    """Distinct messages (webhooks less the resends), per channel."""
    errors: list[str] = field(default_factory=list)
    expected: collections.Counter = field(default_factory=collections.Counter)
    received: collections.Counter = field(default_factory=collections.Counter)
    lost: collections.Counter = field(default_factory=collections.Counter)
    duplicated: collections.Counter = field(default_factory=collections.Counter)
    examples: list[str] = field(default_factory=list)
    resends: collections.Counter = field(default_factory=collections.Counter)
    tickets: collections.Counter = field(default_factory=collections.Counter)
    """Expected per channel: tickets opened, and the resident's messages in them."""
    relayed: collections.Counter = field(default_factory=collections.Counter)
    targets: dict[int, int] = field(default_factory=dict)
    """Telegram: replies each chat must have received in all."""
    stalled: int = 0
    """Telegram residents still waiting for a reply when the time was up."""

    def example(self, text: str) -> None:
        if len(self.examples) < 12:
            self.examples.append(text)


@dataclass
class Run:
    url: str
    client: aiohttp.ClientSession
    telegram: Telegram
    results: Results
    deadline: float
    think: tuple[float, float]
    rate_limit: int
    began: float = field(default_factory=time.perf_counter)

    async def post(self, channel: str, request: dict) -> tuple[int, str, float]:
        began = time.perf_counter()
        path = "/webhooks/twilio" if channel == "sms" else "/webhooks/telegram"
        async with self.client.post(self.url + path, **request) as response:
            body = await response.text()
            status = response.status
        elapsed = time.perf_counter() - began
        self.results.latencies[channel].append(elapsed)
        self.results.per_second[int(time.perf_counter() - self.began)] += 1
        self.results.webhooks[channel] += 1
        return status, body, elapsed

    async def send(self, channel: str, request: dict, who: str) -> tuple[int, str] | None:
        try:
            status, body, _ = await self.post(channel, request)
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.results.errors.append(f"{who}: {type(exc).__name__}: {exc}")
            return None
        if status != 200:
            self.results.errors.append(f"{who}: HTTP {status}: {body[:200]}")
            return None
        return status, body


def sms_request(n: int, i: int, step: Step) -> dict:
    params = {
        "ToCountry": "FR",
        "From": f"+3361{n:07d}",
        "To": "+33700000000",
        "Body": step.value,
        "NumMedia": "0",
        "MessageSid": f"SM{n:08d}{i:024d}",
        "AccountSid": SID,
    }
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/webhooks/twilio", params)
    return {"data": params, "headers": {"X-Twilio-Signature": signature}}


def telegram_request(n: int, i: int, step: Step) -> dict:
    chat = telegram_chat(n)
    user = {"id": chat, "is_bot": False, "first_name": f"R{n}", "language_code": "fr"}
    update_id = 10**8 + n * 10_000 + i
    message = {
        "message_id": i + 1,
        "date": int(time.time()),
        "chat": {"id": chat, "type": "private", "first_name": f"R{n}"},
        "from": user,
    }
    if step.kind == "button":
        bot_message = {**message, "message_id": 10**6 + i, "from": BOT_USER, "text": "…"}
        update = {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": user,
                "chat_instance": str(chat),
                "data": step.value,
                "message": bot_message,
            },
        }
    elif step.kind == "location":
        lat, lon = (float(x) for x in step.value.split(","))
        update = {
            "update_id": update_id,
            "message": {**message, "location": {"latitude": lat, "longitude": lon}},
        }
    else:
        update = {"update_id": update_id, "message": {**message, "text": step.value}}
    return {"json": update, "headers": {"X-Telegram-Bot-Api-Secret-Token": SECRET}}


def telegram_chat(n: int) -> int:
    return 5_000_000 + n


async def resident(run: Run, n: int, who: Plan, steps: list[Step]) -> None:
    """One person: a message, its answer, a think time, the next; until the time is up."""
    rng = random.Random(n)
    results, channel = run.results, who.channel
    chat = telegram_chat(n)
    answered: collections.deque[float] = collections.deque(maxlen=run.rate_limit)
    target = 0
    if channel == "telegram":
        results.targets[chat] = 0
    await asyncio.sleep(rng.uniform(0, run.think[1]))  # residents do not all start together
    for i, step in enumerate(steps):
        # Never past the per-person limit: a 21st message only a minute after the 1st.
        ready = answered[0] + 60.5 if len(answered) == run.rate_limit else 0.0
        if max(ready, time.perf_counter()) >= run.deadline:
            return
        await asyncio.sleep(max(0.0, ready - time.perf_counter()))
        request = (sms_request if channel == "sms" else telegram_request)(n, i, step)
        label = f"{channel} resident {n} ({who.script}) message {i + 1} {step.value!r}"
        twice = who.twice_every and i % who.twice_every == 2
        began = time.perf_counter()
        if twice:
            answers = await asyncio.gather(*(run.send(channel, request, label) for _ in "12"))
            results.resends["at once"] += 1
        else:
            answers = [await run.send(channel, request, label)]
        answered.append(time.perf_counter())
        results.messages[channel] += 1
        results.tickets[channel] += step.tickets
        results.relayed[channel] += step.relayed
        if any(answer is None for answer in answers):
            return  # an error: counted; what follows would not be comparable
        results.expected[channel] += step.replies
        if channel == "sms":
            counts = sorted(twiml_bodies(body) for _, body in answers)
            got = counts[-1]
            results.received[channel] += sum(counts)
            if got != step.replies:
                results.lost[channel] += max(0, step.replies - got)
                results.duplicated[channel] += max(0, got - step.replies)
                results.example(f"{label}: {got} TwiML messages, {step.replies} expected")
            if twice and counts[0]:
                results.duplicated[channel] += counts[0]
                results.example(f"{label}, sent twice at once: both answered {counts}")
        else:
            target += step.replies
            results.targets[chat] = target
            if step.replies:
                if not await run.telegram.wait(chat, target, run.deadline):
                    results.stalled += 1
                    return
                results.seen.append(time.perf_counter() - began)
        if who.resend_every and i % who.resend_every == who.resend_every - 1:
            results.resends["after"] += 1
            answer = await run.send(channel, request, label + " (sent again)")
            if answer is not None and channel == "sms" and (got := twiml_bodies(answer[1])):
                results.received[channel] += got
                results.duplicated[channel] += got
                results.example(f"{label}, sent again: answered with {got} TwiML messages")
        await asyncio.sleep(min(rng.uniform(*run.think), run.deadline - time.perf_counter()))


async def loop_lag(lags: list[float], until: float) -> None:
    """How late this process's event loop wakes up: it inflates the latencies measured."""
    while time.perf_counter() < until:
        began = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append(time.perf_counter() - began - 0.01)


async def outbox_waiting(client: aiohttp.ClientSession, url: str) -> int:
    async with client.get(url + "/healthz") as response:
        return (await response.json())["outbox"]["waiting"]


async def settle(run: Run, limit: float) -> float:
    """Until the outbox is empty and the Telegram chats have their replies (or nothing
    more comes for 5 s); the seconds it took."""
    began = time.perf_counter()
    telegram, targets = run.telegram, run.results.targets
    while time.perf_counter() - began < limit:
        waiting = await outbox_waiting(run.client, run.url)
        complete = all(telegram.received[chat] >= want for chat, want in targets.items())
        quiet = time.perf_counter() - max(telegram.last_call, began) > 5
        if waiting == 0 and (complete or quiet):
            break
        await asyncio.sleep(0.25)
    elapsed = time.perf_counter() - began
    await asyncio.sleep(1.0)  # a late duplicate would show now
    return elapsed


def memory_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


async def drive(args, port: int, pid: int, telegram: Telegram, expected, plans) -> int:
    url = f"http://127.0.0.1:{port}"
    telegram.loop = asyncio.get_running_loop()
    results = Results()
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=args.connections)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:
        ceiling = await healthz_rate(client, url)
        rss_before = memory_kb(pid, "VmRSS")
        run = Run(
            url,
            client,
            telegram,
            results,
            time.perf_counter() + args.seconds,
            (args.think_min, args.think_max),
            args.rate_limit,
        )
        cpu_before, began = cpu_seconds(pid), time.perf_counter()
        own_before = time.process_time()
        lags: list[float] = []
        await asyncio.gather(
            loop_lag(lags, run.deadline),
            *(
                resident(run, n, who, expected[who.channel, who.script])
                for n, who in enumerate(plans)
            ),
        )
        elapsed = time.perf_counter() - began
        cpu = cpu_seconds(pid) - cpu_before
        own = time.process_time() - own_before
        settled = await settle(run, args.settle)
        sent_span = max(telegram.last_call - telegram.first_sent, 1e-9)
        for chat, want in results.targets.items():
            got = telegram.received[chat]
            results.received["telegram"] += got
            if got != want:
                results.lost["telegram"] += max(0, want - got)
                results.duplicated["telegram"] += max(0, got - want)
                results.example(f"telegram chat {chat}: {got} messages received, {want} expected")
        waiting = await outbox_waiting(client, url)
        peak = memory_kb(pid, "VmHWM")

    total = sum(results.webhooks.values())
    sms, tg = (sum(1 for p in plans if p.channel == c) for c in ("sms", "telegram"))
    handoffs = sum(1 for p in plans if p.script.startswith("handoff"))
    print(f"machine: {os.cpu_count()} CPU cores; relais serve: one process, one event loop")
    print(f"ceiling: {ceiling:,.0f} bare /healthz requests/s on the same server")
    print(
        f"residents: {len(plans)} at once for {args.seconds:g} s ({sms} SMS, {tg} Telegram;"
        f" {handoffs} ask for a person), think time {args.think_min:g}-{args.think_max:g} s,"
        f" at most {args.rate_limit} messages a minute each"
    )
    print(
        f"webhooks: {total:,} in {elapsed:.1f} s = {total / elapsed:,.0f}/s"
        f" (SMS {results.webhooks['sms']:,}, Telegram {results.webhooks['telegram']:,});"
        f" distinct messages {sum(results.messages.values()):,}"
        f" = {sum(results.messages.values()) / elapsed:,.0f} msg/s"
    )
    seconds = [results.per_second[i] for i in range(int(elapsed) + 1)]
    busiest = max(sum(seconds[i : i + 10]) for i in range(max(1, len(seconds) - 9))) / 10
    print(f"busiest 10 s: {busiest:,.0f} webhooks/s")
    for channel, name in (("sms", "SMS (TwiML answer)"), ("telegram", "Telegram (webhook)")):
        print(f"latency {name}: {spread(results.latencies[channel])}")
    print(f"Telegram, update sent -> its last reply at the Bot API: {spread(results.seen)}")
    print(
        f"Telegram replies sent by the outbox: {sum(telegram.received.values()):,} in"
        f" {sent_span:.1f} s = {sum(telegram.received.values()) / sent_span:,.1f}/s;"
        f" {results.stalled} residents were still waiting for a reply when the time was up;"
        f" outbox settled {settled:.1f} s after the end, {waiting} still queued"
    )
    print(f"errors: {len(results.errors)} (non-200 answers and exceptions)")
    for channel, name in (("sms", "SMS"), ("telegram", "Telegram")):
        print(
            f"replies {name}: {results.received[channel]:,} received,"
            f" {results.expected[channel]:,} expected; lost {results.lost[channel]},"
            f" duplicated {results.duplicated[channel]}"
        )
    print(
        f"webhooks sent again: {results.resends['after']} after their answer,"
        f" {results.resends['at once']} twice at once (duplicates are counted above)"
    )
    opened, relayed = live_tickets(args.live_db)
    print(
        f"tickets opened: {sum(opened.values())} ({sum(results.tickets.values())} expected;"
        f" SMS {opened['sms']}/{results.tickets['sms']},"
        f" Telegram {opened['telegram']}/{results.tickets['telegram']});"
        f" residents' messages passed on to mediators: {sum(relayed.values())}"
        f" ({sum(results.relayed.values())} expected)"
    )
    print(
        f"server: peak memory (VmHWM) {peak / 1024:.0f} MB (resident {rss_before / 1024:.0f} MB"
        f" before the load); CPU {cpu:.1f} s in {elapsed:.1f} s"
        f" ({cpu / elapsed:.0%} of one core), {cpu * 1000 / max(total, 1):.2f} ms a webhook"
    )
    print(
        f"load generator (this process): CPU {own:.1f} s ({own / elapsed:.0%} of one core);"
        f" its event loop woke late by {spread(lags)}"
    )
    for line in results.errors[:10]:
        print(f"  error: {line}")
    for line in results.examples:
        print(f"  mismatch: {line}")
    lost = sum(results.lost.values()) + sum(results.duplicated.values())
    bad = len(results.errors) + lost + (opened != results.tickets) + (relayed != results.relayed)
    print("result:", "OK" if not bad else "FAILED", "(must be: 0 errors, 0 lost, 0 duplicated)")
    return 1 if bad else 0


def live_tickets(path: Path) -> tuple[collections.Counter, collections.Counter]:
    """Per channel: the tickets in the server's database, and the residents' messages in them."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tickets = conn.execute("SELECT channel, COUNT(*) FROM tickets GROUP BY channel")
        relayed = conn.execute(
            "SELECT t.channel, COUNT(*) FROM ticket_messages m JOIN tickets t"
            " ON t.id = m.ticket_id WHERE m.author = 'resident' GROUP BY t.channel"
        )
        return collections.Counter(dict(tickets.fetchall())), collections.Counter(
            dict(relayed.fetchall())
        )
    finally:
        conn.close()


def relais_cli(*arguments: str) -> str:
    command = [sys.executable, "-m", "bot.cli", *arguments]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(arguments)} failed:\n{done.stderr}")
    return done.stdout


async def organisation(db_path: Path, keys: tuple[str, ...]) -> None:
    db = await open_database(db_path)
    try:
        await set_organisation(db, "France Services 93", places=keys)
        # Somebody reads its tickets: only then are residents asked for their consent.
        await add_mediator(db, "bench@fs93.example", "Awa", "France Services 93", "x" * 12)
    finally:
        await db.close()


def prepare(folder: Path, places: Path) -> tuple[Path, Path]:
    """The database the server uses and a copy for the run in advance."""
    base = folder / "base.db"
    relais_cli("places", "import", str(places), "--db", str(base))
    near = json.loads(relais_cli("places", "near", POSTAL_CODE, "--json", "--db", str(base)))
    asyncio.run(organisation(base, tuple(p["key"] for p in near["places"])))
    copies = []
    for name in ("live.db", "expect.db"):
        source, target = sqlite3.connect(base), sqlite3.connect(folder / name)
        source.backup(target)
        source.close()
        target.close()
        copies.append(folder / name)
    return copies[0], copies[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 100 residents, 10 s")
    parser.add_argument("--telegram-share", type=float, default=0.5)
    parser.add_argument("--handoff-share", type=float, default=0.2)
    parser.add_argument("--think-min", type=float, default=0.5)
    parser.add_argument("--think-max", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=100, help="HTTP connections at most")
    parser.add_argument("--settle", type=float, default=300.0, help="seconds to wait at most")
    parser.add_argument("--places", type=Path, default=PLACES_CSV)
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.residents = 10.0, 100
    if not args.places.exists():
        raise SystemExit(f"{args.places}: no such file (--places: a France Services CSV)")
    plans = [plan(n, args.telegram_share, args.handoff_share) for n in range(args.residents)]
    length = int(args.seconds / args.think_min) + 2
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        started = time.perf_counter()
        args.live_db, expect_db = prepare(folder, args.places)
        scripts = {(p.channel, p.script) for p in plans}
        expected = asyncio.run(expectations(expect_db, scripts, length, 3))
        args.rate_limit = Engine.rate_limit
        print(
            f"set-up: places imported, {len(scripts)} scripts run in advance"
            f" ({len(scripts) * length} messages) in {time.perf_counter() - started:.1f} s"
        )
        fake_telegram = Telegram()
        api = FakeBotApi(calls=Calls(fake_telegram.from_thread))
        api.start()
        port = free_port()
        env = {
            **os.environ,
            "RELAIS_DB": str(args.live_db),
            "RELAIS_LOG_LEVEL": "WARNING",
            "RELAIS_LISTEN": f"127.0.0.1:{port}",
            **channel_env(api.base_url),
        }
        log_path = folder / "serve.log"
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve"], env=env, cwd=folder, stderr=log
            )
            try:
                wait_until_up(port, server)
                code = asyncio.run(drive(args, port, server.pid, fake_telegram, expected, plans))
            finally:
                server.send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    server.wait(timeout=30)
                if server.poll() is None:
                    server.kill()
                api.stop()
        lines = log_path.read_text().splitlines()
        print(f"server log (WARNING and above): {len(lines)} lines")
        for line in lines[:20]:
            print(f"  {line}")
        return code


if __name__ == "__main__":
    sys.exit(main())
