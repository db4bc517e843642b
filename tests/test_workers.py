"""Three real `relais serve` workers on one PostgreSQL, one killed with SIGKILL mid-way.

Many Telegram residents write at once. Their updates are spread over the three workers
(each message to another one), two of a person's messages often arrive at the same moment
at two workers, some updates are delivered twice at once to two workers, and some again
after their answer. The worker elected to send Telegram's replies is killed with SIGKILL
once a quarter of the replies have reached the Bot API: it is then sending, and updates are
still coming in; what it was answering is delivered again to a live worker, as Telegram
does. Then, at the fake Bot API (what the residents receive):
- no reply lost and each person's replies in the order of their conversation: every chat
  receives exactly the replies of a run of the same script, processed once, in this
  process without workers;
- none sent twice: except, as with one server (tests/test_crash.py), the replies the killed
  worker was sending at the instant of its death (sent, not yet recorded: Telegram has no
  idempotency key), which go again from the oldest: at most the rows it had claimed;
- each person's conversation is at the step the whole script leads to (no message lost
  or processed twice by two workers at once).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from bot.app import start
from bot.channels.telegram.updates import TELEGRAM_PATH
from bot.config import Settings
from bot.display.bidi import for_display
from bot.display.telegram import pieces
from bot.engine import Text
from bot.outbox import replies_of
from tests.conftest import start_serve, stop_serve
from tests.fakes.telegram_api import FakeBotApi
from tests.support.postgres import TEST_KEY

BOT_TOKEN = "123456:" + "B" * 35
SECRET = "workers-secret_for-tests"
CHOICES = ("1", "3", "4", "5")
"""Main-menu choices whose first options ("1") all go one step further six more times."""
RESIDENTS = 24
WORKERS = 3
TIME_DEPENDENT = ("last_seen", "window", "count")


def script(choice: str) -> list[str]:
    return ["bonjour", choice, *["1"] * 6]


def comparable(state: dict) -> dict:
    return {k: v for k, v in state.items() if k not in TIME_DEPENDENT}


async def reference(db: Path) -> dict[str, tuple[list[str], dict]]:
    """For each choice: the sendMessage texts of the whole script and the final session,
    processed once, in this process (SQLite; the engine does not know the store)."""
    relais = await start(Settings(db=str(db), log_level="WARNING"))
    out = {}
    try:
        for choice in CHOICES:
            user, texts = f"ref{choice}", []
            for body in script(choice):
                handled = await relais.conversations.handle(
                    "telegram", user, Text(body), lang="fr", outbound=True
                )
                texts += [t for r in handled.replies for t in pieces(for_display(r.text, r.lang))]
            session = await relais.conversations.peek("telegram", user)
            out[choice] = (texts, comparable(json.loads(session.to_json())))
    finally:
        await relais.close()
    return out


def update(chat: int, index: int, text: str) -> bytes:
    update_id = chat * 100 + index
    person = {"id": chat, "is_bot": False, "first_name": "Amina", "language_code": "fr"}
    message = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": chat, "type": "private"},
        "from": person,
        "text": text,
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


@dataclass
class Workers:
    processes: list
    ports: list[int]
    answered: int = 0
    killed: int | None = None
    """The index of the killed worker."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, first: int, body: bytes) -> None:
        """Deliver until a worker answers 200, from worker `first` on, as Telegram retries
        an update that was not answered (a dead worker: the next one behind the proxy)."""
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
        for attempt in range(60):
            n = (first + attempt) % len(self.ports)
            conn = http.client.HTTPConnection("127.0.0.1", self.ports[n], timeout=30)
            try:
                conn.request("POST", TELEGRAM_PATH, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    with self.lock:
                        self.answered += 1
                    return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()
            time.sleep(0.05)
        raise AssertionError("an update was never answered 200 by a live worker")


def resident(workers: Workers, i: int, chat: int, choice: str) -> None:
    """One person: the first two messages one after the other, then pairs of messages at
    once to two workers; every fifth person's updates also go twice at once, every fifth
    (another) again after their answer."""
    rng = random.Random(chat)
    bodies = [update(chat, n, text) for n, text in enumerate(script(choice))]
    groups = [[0], [1], [2, 3], [4, 5], [6, 7]]
    for group in groups:
        sends = [(bodies[n], i + n + k) for k, n in enumerate(group)]
        if i % 5 == 0:
            sends += [(bodies[n], i + n + 1) for n in group]  # the same update, at once
        with ThreadPoolExecutor(len(sends)) as pool:
            list(pool.map(lambda send: workers.post(send[1] % WORKERS, send[0]), sends))
        if i % 5 == 1:
            workers.post(rng.randrange(WORKERS), bodies[group[-1]])  # again, answered
        time.sleep(rng.uniform(0.3, 0.8))  # reading the answer


def sent_once_but_for(sent: list[str], expected: list[str], texts: list[str]) -> bool:
    """`sent` is `expected`, or `expected` with the first m of `texts` (one outbox row's
    messages, m >= 1) sent twice where they belong: the row was being sent at the kill."""
    if sent == expected:
        return True
    for p in range(len(expected)):
        if texts and expected[p : p + len(texts)] == texts:
            for m in range(1, len(texts) + 1):
                if sent == expected[: p + m] + expected[p:]:
                    return True
    return False


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with closing(psycopg.connect(url)) as conn:
        return conn.execute(sql, params).fetchall()


def elected(url: str) -> str:
    """The worker holding the Telegram sender's lease (host:pid:random)."""
    for _ in range(200):
        rows = query(url, "SELECT holder FROM leases WHERE name = 'sender:telegram'")
        if rows:
            return rows[0][0]
        time.sleep(0.05)
    raise AssertionError("no worker was elected to send Telegram's replies")


def wait_for_empty_outbox(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while query(url, "SELECT COUNT(*) FROM outbox")[0][0]:
        failed = query(url, "SELECT COUNT(*) FROM outbox WHERE attempts > 0")[0][0]
        assert not failed, "a reply failed to go"
        assert time.monotonic() < deadline, "the outbox was not emptied"
        time.sleep(0.2)


@pytest.fixture
def run(postgres, tmp_path: Path):
    url = postgres.database()
    api = FakeBotApi()
    api.start()
    env = {
        "RELAIS_TELEGRAM_TOKEN": BOT_TOKEN,
        "RELAIS_TELEGRAM_SECRET": SECRET,
        "RELAIS_TELEGRAM_API_URL": api.base_url,
        "RELAIS_HASH_KEY": TEST_KEY,
        "RELAIS_LEASE_SECONDS": "2",
    }
    with ThreadPoolExecutor(WORKERS) as pool:
        starting = [pool.submit(start_serve, url, env) for _ in range(WORKERS)]
        steps = asyncio.run(reference(tmp_path / "reference.db"))  # meanwhile
        started = [future.result() for future in starting]
    workers = Workers([p for p, _ in started], [port for _, port in started])
    try:
        yield url, api, workers, steps
    finally:
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(stop_serve, workers.processes))
        api.stop()
        postgres.drop(url)


def test_three_workers_one_killed_lose_nothing_send_once_and_keep_each_order(run) -> None:
    url, api, workers, steps = run
    chats = [81_000 + i for i in range(RESIDENTS)]
    choices = {chat: CHOICES[i % len(CHOICES)] for i, chat in enumerate(chats)}
    holder = elected(url)
    pids = [p.pid for p in workers.processes]
    sender = next(n for n, pid in enumerate(pids) if f":{pid}:" in holder)
    in_flight: dict[int, list[list[str]]] = {}

    def kill() -> None:
        os.kill(pids[sender], signal.SIGKILL)
        workers.processes[sender].wait()
        workers.killed = sender
        rows = query(
            url,
            "SELECT user_id, payload FROM outbox WHERE claimed_by = %s ORDER BY id",
            (holder,),
        )
        for user, payload in rows:
            texts = [
                t
                for r in replies_of(json.loads(payload))
                for t in pieces(for_display(r.text, r.lang))
            ]
            in_flight.setdefault(int(user), []).append(texts)

    expected_sends = sum(len(steps[choice][0]) for choice in choices.values())
    answered_at_kill = []

    def kill_when_a_quarter_is_sent() -> None:
        while len(api.sent("sendMessage")) < expected_sends // 4:
            time.sleep(0.01)
        answered_at_kill.append(workers.answered)
        kill()

    killer = threading.Thread(target=kill_when_a_quarter_is_sent, daemon=True)
    killer.start()
    with ThreadPoolExecutor(RESIDENTS) as pool:
        list(pool.map(lambda c: resident(workers, chats.index(c), c, choices[c]), chats))
    killer.join(timeout=60)
    assert workers.killed == sender, "the elected sender was to be killed mid-run"
    assert workers.processes[sender].returncode == -signal.SIGKILL
    assert answered_at_kill[0] < workers.answered, "killed while updates were coming in"

    wait_for_empty_outbox(url)
    assert f":{pids[sender]}:" not in elected(url), "a live worker took over the sending"
    sessions = dict(query(url, "SELECT user_id, state FROM sessions WHERE channel = 'telegram'"))
    for chat in chats:
        expected, final = steps[choices[chat]]
        sent = [data["text"] for data in api.sent("sendMessage", chat)]
        state = sessions[str(chat)]
        state = json.loads(state) if isinstance(state, str) else state
        assert comparable(state) == final, f"chat {chat}: a message was lost or done twice"
        held = in_flight.get(chat, [])
        assert len(held) <= 1, "only a recipient's oldest row can be claimed"
        assert sent_once_but_for(sent, expected, held[0] if held else []), (
            f"chat {chat}: sent {sent}, expected {expected}; only the row the killed worker "
            f"held may go twice: {held}"
        )
