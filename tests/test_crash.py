"""`relais serve` killed with SIGKILL while webhooks are in flight, then restarted on the same
database: each message is processed exactly once; what reaches the residents.

The real process, real HTTP, real SQLite file. Many residents write at once, each one message
after the other (a person waits for the answer); the server is killed after a number of
answers, while the other residents' messages are in flight. It is restarted, and every
webhook is sent again, in each resident's order, as the channel redelivers what it did not
see answered (the answered ones too: they must change nothing). What the residents should see
comes from a reference run of the same scripts in this process, without a kill.

Twilio: a webhook is answered (200 + TwiML) only after the transaction that processed it and
recorded its MessageSid committed. So an answered webhook is in `inbound`, and its
redelivery gets an empty TwiML. A webhook that was not answered was either rolled back (its
redelivery is processed and answered) or committed just before the kill (its redelivery
gets an empty TwiML: processed once; its reply is lost with the connection, since the
server cannot tell "answered, redelivered anyway" from "never answered" — the resident's next
message gets the question again).

Telegram: the replies are queued in `outbox` in the processing transaction and sent by the
outbox worker. Everything queued is sent, in order, across both lives of the server. The
Bot API has no idempotency key, so a row that was being sent when the process died (sent,
not yet recorded as sent) goes again: at most that one row per chat, checked exactly.
"""

from __future__ import annotations

import asyncio
import functools
import http.client
import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from bot.app import start
from bot.channels.telegram.updates import TELEGRAM_PATH
from bot.channels.twilio import inbound as twilio
from bot.channels.twilio.webhook import TWILIO_PATH
from bot.config import Settings, TwilioSettings
from bot.display.bidi import for_display
from bot.display.telegram import pieces
from bot.engine import Reply, Text
from bot.outbox import replies_of
from bot.store.keyed import keyed_hash
from tests.conftest import start_serve, stop_serve
from tests.fakes.telegram_api import FakeBotApi

ACCOUNT = "AC" + "0" * 32
AUTH_TOKEN = "twilio-auth-token-for-tests"
SENDER = "+33700000000"
PUBLIC = "https://relais.example.org"
BOT_TOKEN = "123456:" + "A" * 35
SECRET = "s3cret-token_for-tests"

CHOICES = ("1", "3", "4", "5")
"""Main-menu choices (CAF, Pronote, ameli, e-mail) whose first options ("1") all go one step
further for six more messages: each message processed moves the conversation one step."""
SMS_RESIDENTS = 40
TELEGRAM_CHATS = 10
TIME_DEPENDENT = ("last_seen", "window", "count")


def sms_script(choice: str) -> list[str]:
    """A new SMS conversation: the language menu first, "1" is Français."""
    return ["bonjour", "1", choice, *["1"] * 6]


def telegram_script(choice: str) -> list[str]:
    """Telegram knows the language (language_code fr): straight to the main menu."""
    return ["bonjour", choice, *["1"] * 6]


# -- the reference run, in this process -------------------------------------------------------


@dataclass(frozen=True)
class Step:
    replies: list[str]
    """SMS: the TwiML messages; Telegram: the sendMessage texts."""
    state: dict
    """The session after the message, without its clock fields."""


def comparable(state: dict) -> dict:
    return {k: v for k, v in state.items() if k not in TIME_DEPENDENT}


def telegram_texts(replies: list[Reply] | tuple[Reply, ...]) -> list[str]:
    """The sendMessage texts of replies, as TelegramChannel sends them."""
    assert all(reply.place is None for reply in replies), "these scripts send no venue"
    return [text for reply in replies for text in pieces(for_display(reply.text, reply.lang))]


async def reference(db: Path, channel: str) -> dict[str, list[Step]]:
    """Each script's replies and session after each message, processed once, without a kill."""
    settings = Settings(
        db=str(db),
        public_url=PUBLIC,
        log_level="WARNING",
        twilio=TwilioSettings(ACCOUNT, AUTH_TOKEN, SENDER),
    )
    relais = await start(settings)
    conversations = relais.conversations
    steps: dict[str, list[Step]] = {}
    try:
        for choice in CHOICES:
            user, steps[choice] = f"+3369999000{choice}", []
            script = sms_script(choice) if channel == "sms" else telegram_script(choice)
            for n, body in enumerate(script):
                if channel == "sms":
                    form = sms_form(user, body, f"REF{choice}-{n}")
                    answer = await twilio.handle_webhook(conversations, form, settings.sms_segments)
                    replies = twiml_messages(answer)
                else:
                    handled = await conversations.handle(
                        channel, user, Text(body), lang="fr", outbound=True
                    )
                    replies = telegram_texts(handled.replies)
                session = await conversations.peek(channel, user)
                steps[choice].append(Step(replies, comparable(json.loads(session.to_json()))))
    finally:
        await relais.close()
    for choice, script_steps in steps.items():
        paths = [len(step.state["path"]) for step in script_steps[-6:]]
        assert paths == sorted(set(paths)), f"choice {choice}: a message did not move one step"
        assert all(step.replies for step in script_steps), "every message has a reply"
    return steps


# -- the real server and its clients -----------------------------------------------------------


@dataclass(frozen=True)
class Webhook:
    user: str
    index: int
    """Its place in the user's script."""
    key: str
    """MessageSid or update_id: the id recorded in `inbound`."""
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Attempt:
    status: int | None
    """None: no HTTP answer (connection refused or reset by the kill)."""
    body: str = ""
    error: str = ""


def sms_form(user: str, body: str, sid: str) -> dict[str, str]:
    return {"From": user, "To": SENDER, "Body": body, "MessageSid": sid}


def twiml_messages(answer: str) -> list[str]:
    return [m.text or "" for m in ET.fromstring(answer).iter("Message")]


def sms_webhook(user: str, index: int, body: str) -> Webhook:
    sid = f"SM{user[1:]}{index:02d}"
    form = sms_form(user, body, sid)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + TWILIO_PATH, form)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
    }
    return Webhook(user, index, sid, TWILIO_PATH, urllib.parse.urlencode(form).encode(), headers)


def telegram_webhook(chat: int, index: int, text: str) -> Webhook:
    update_id = chat * 100 + index
    person = {"id": chat, "is_bot": False, "first_name": "Amina", "language_code": "fr"}
    update = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "from": person,
            "text": text,
        },
    }
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    return Webhook(
        str(chat), index, str(update_id), TELEGRAM_PATH, json.dumps(update).encode(), headers
    )


def post(port: int, webhook: Webhook) -> Attempt:
    """One delivery, on a new connection, as a channel makes it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request("POST", webhook.path, body=webhook.body, headers=webhook.headers)
        response = conn.getresponse()
        return Attempt(response.status, response.read().decode())
    except (OSError, http.client.HTTPException) as exc:
        return Attempt(None, error=repr(exc))
    finally:
        conn.close()


class Killer:
    """SIGKILL the server as soon as `after` webhooks were answered 200."""

    def __init__(self, process: subprocess.Popen, after: int) -> None:
        self.process = process
        self.after = after
        self.answered = 0
        self.lock = threading.Lock()

    def __call__(self, attempt: Attempt) -> None:
        if attempt.status != 200:
            return
        with self.lock:
            self.answered += 1
            if self.answered == self.after:
                os.kill(self.process.pid, signal.SIGKILL)


def deliver_all(
    port: int, scripts: dict[str, list[Webhook]], seen: Callable[[Attempt], None] = lambda a: None
) -> dict[str, Attempt]:
    """All users at once, each one's webhooks one after the other, in order."""

    def one_user(webhooks: list[Webhook]) -> list[tuple[str, Attempt]]:
        out = []
        for webhook in webhooks:
            attempt = post(port, webhook)
            seen(attempt)
            out.append((webhook.key, attempt))
        return out

    with ThreadPoolExecutor(max_workers=len(scripts)) as pool:
        results = pool.map(one_user, scripts.values())
        return {key: attempt for user_results in results for key, attempt in user_results}


def database(
    db: Path, channel: str, ids: Iterable[str]
) -> tuple[dict[str, float], dict[str, dict]]:
    """What the file holds for a channel: recorded ids (with their time) and sessions. Ids are
    stored as keyed hashes (the key lies beside the file): each of `ids` is looked up."""
    key = Path(f"{db}.key").read_text().strip().encode()
    hashed = {keyed_hash(key, external_id): external_id for external_id in ids}
    with closing(sqlite3.connect(db)) as conn:
        stored = dict(
            conn.execute(
                "SELECT external_id, received_at FROM inbound WHERE channel = ?", (channel,)
            )
        )
        sessions = {
            user: json.loads(state)
            for user, state in conn.execute(
                "SELECT user_id, state FROM sessions WHERE channel = ?", (channel,)
            )
        }
    assert stored.keys() <= hashed.keys(), "an id recorded that no webhook carried"
    assert all(len(h) == 32 for h in stored), "ids are stored as keyed hashes, not as sent"
    return {hashed[h]: at for h, at in stored.items()}, sessions


def check_sessions(
    scripts: dict[str, list[Webhook]],
    choices: dict[str, str],
    steps: dict[str, list[Step]],
    inbound: dict[str, float],
    sessions: dict[str, dict],
) -> dict[str, int]:
    """Each user's recorded messages are the first n of their script, and the session is the
    reference session after exactly n messages; n for each user."""
    done = {}
    for user, webhooks in scripts.items():
        recorded = [w.key in inbound for w in webhooks]
        n = sum(recorded)
        assert recorded == [True] * n + [False] * (len(webhooks) - n), (
            f"{user}: a later message was recorded before an earlier one: {recorded}"
        )
        if n == 0:
            assert user not in sessions
        else:
            state = sessions[user]
            assert comparable(state) == steps[choices[user]][n - 1].state, (
                f"{user}: after {n} messages processed once, the session differs"
            )
            in_window = [w for w in webhooks[:n] if inbound[w.key] >= state["window"]]
            assert state["count"] == len(in_window), (
                f"{user}: {state['count']} messages counted in this minute, {len(in_window)} sent"
            )
        done[user] = n
    return done


def kill_while_in_flight(
    db: Path, env: dict[str, str], scripts: dict[str, list[Webhook]]
) -> dict[str, Attempt]:
    total = sum(len(webhooks) for webhooks in scripts.values())
    process, port = start_serve(db, env)
    try:
        attempts = deliver_all(port, scripts, Killer(process, after=total // 3))
        process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL, "the server was to be killed mid-run"
    other = {a.status for a in attempts.values()} - {200, None}
    assert not other, f"statuses other than 200 before the kill: {other}"
    assert sum(a.status == 200 for a in attempts.values()) >= total // 3
    assert any(a.status is None for a in attempts.values())
    return attempts


# -- the tests ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One crash scenario: what the clients saw, and what the database held."""

    scripts: dict[str, list[Webhook]]
    choices: dict[str, str]
    steps: dict[str, list[Step]]
    before: dict[str, Attempt]
    """Each webhook's first delivery, in the server's first life."""
    inbound_before: dict[str, float]
    sessions_before: dict[str, dict]
    """What the file held right after the kill."""
    after: dict[str, Attempt]
    """Each webhook's redelivery, after the restart."""
    inbound: dict[str, float]
    sessions: dict[str, dict]
    queued: dict[str, list[list[str]]]
    """Telegram: the texts of each chat's outbox rows still queued after the kill."""
    sent: dict[str, list[str]]
    """Telegram: the sendMessage texts the Bot API got for each chat, across both lives."""

    @functools.cached_property
    def webhooks(self) -> dict[str, Webhook]:
        return {w.key: w for webhooks in self.scripts.values() for w in webhooks}

    @property
    def answered(self) -> set[str]:
        return {key for key, attempt in self.before.items() if attempt.status == 200}

    def replies(self, key: str) -> list[str]:
        """The replies to a webhook in the reference run."""
        webhook = self.webhooks[key]
        return self.steps[self.choices[webhook.user]][webhook.index].replies

    def check_first_life(self) -> dict[str, int]:
        """Answered means committed; each user's messages processed once, in order, up to
        the kill; the number processed for each user."""
        assert not self.answered - self.inbound_before.keys(), "answered 200, yet not committed"
        return check_sessions(
            self.scripts, self.choices, self.steps, self.inbound_before, self.sessions_before
        )

    def check_second_life(self) -> None:
        """Every redelivery answered 200; every message recorded and processed once."""
        failed = {key: a for key, a in self.after.items() if a.status != 200}
        assert not failed, f"redeliveries not answered 200: {failed}"
        assert self.inbound.keys() == self.webhooks.keys()
        done = check_sessions(self.scripts, self.choices, self.steps, self.inbound, self.sessions)
        assert all(n == len(self.scripts[user]) for user, n in done.items()), done


def crash_and_restart(
    tmp_path: Path,
    channel: str,
    scripts: dict[str, list[Webhook]],
    choices: dict[str, str],
    env: dict[str, str],
    api: FakeBotApi | None = None,
) -> Run:
    steps = asyncio.run(reference(tmp_path / "reference.db", channel))
    db = tmp_path / "relais.db"
    before = kill_while_in_flight(db, env, scripts)
    ids = [w.key for webhooks in scripts.values() for w in webhooks]
    inbound_before, sessions_before = database(db, channel, ids)
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute(
            "SELECT user_id, payload FROM outbox WHERE channel = 'telegram' ORDER BY id"
        ).fetchall()
    queued: dict[str, list[list[str]]] = {}
    for user, payload in rows:
        queued.setdefault(user, []).append(telegram_texts(replies_of(json.loads(payload))))
    process, port = start_serve(db, env)
    try:
        after = deliver_all(port, scripts)
        inbound, sessions = database(db, channel, ids)
        if api is not None:
            wait_for_empty_outbox(port, process)
    finally:
        stop_serve(process)
    sent = {
        user: [data["text"] for data in api.sent("sendMessage", int(user))] if api else []
        for user in scripts
    }
    return Run(
        scripts,
        choices,
        steps,
        before,
        inbound_before,
        sessions_before,
        after,
        inbound,
        sessions,
        queued,
        sent,
    )


@pytest.fixture(scope="module")
def sms_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Signed SMS webhooks from many residents, the server killed mid-run, restarted, every
    webhook delivered again."""
    users = [f"+336{10_000_000 + i:08d}" for i in range(SMS_RESIDENTS)]
    choices = {user: CHOICES[i % len(CHOICES)] for i, user in enumerate(users)}
    scripts = {
        user: [sms_webhook(user, n, body) for n, body in enumerate(sms_script(choices[user]))]
        for user in users
    }
    env = {
        "RELAIS_PUBLIC_URL": PUBLIC,
        "RELAIS_TWILIO_ACCOUNT_SID": ACCOUNT,
        "RELAIS_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "RELAIS_TWILIO_SENDER": SENDER,
    }
    return crash_and_restart(tmp_path_factory.mktemp("sms-crash"), "sms", scripts, choices, env)


def test_sms_webhooks_in_flight_at_a_sigkill_are_processed_exactly_once(sms_run: Run) -> None:
    run = sms_run
    run.check_first_life()
    for key in run.answered:
        assert twiml_messages(run.before[key].body) == run.replies(key), key
    run.check_second_life()
    for key, attempt in run.after.items():
        replies = twiml_messages(attempt.body)
        if key in run.answered:
            assert replies == [], f"{key} was answered before the kill, and again after"
        elif key in run.inbound_before:
            # Committed just before the kill, its answer lost with the connection: processed
            # once (the sessions say so); its reply is not sent again.
            assert replies == [], f"{key} was processed before the kill, and again after"
        else:
            assert replies == run.replies(key), f"{key}, not processed before the kill"


@pytest.fixture(scope="module")
def telegram_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Telegram updates from many chats, the server killed mid-run, restarted, every update
    delivered again; the outbox drained."""
    chats = [70_000 + i for i in range(TELEGRAM_CHATS)]
    choices = {str(chat): CHOICES[i % len(CHOICES)] for i, chat in enumerate(chats)}
    scripts = {
        str(chat): [
            telegram_webhook(chat, n, text)
            for n, text in enumerate(telegram_script(choices[str(chat)]))
        ]
        for chat in chats
    }
    api = FakeBotApi()
    api.start()
    env = {
        "RELAIS_TELEGRAM_TOKEN": BOT_TOKEN,
        "RELAIS_TELEGRAM_SECRET": SECRET,
        "RELAIS_TELEGRAM_API_URL": api.base_url,
    }
    try:
        tmp_path = tmp_path_factory.mktemp("telegram-crash")
        return crash_and_restart(tmp_path, "telegram", scripts, choices, env, api)
    finally:
        api.stop()


def test_telegram_updates_in_flight_at_a_sigkill_are_processed_once_and_answered(
    telegram_run: Run,
) -> None:
    run = telegram_run
    done_before = run.check_first_life()
    run.check_second_life()
    assert all(a.body == "ok" for a in run.after.values())
    for user in run.scripts:
        script_steps = run.steps[run.choices[user]]
        expected = [text for step in script_steps for text in step.replies]
        waiting = run.queued.get(user, [])
        committed = sum(len(step.replies) for step in script_steps[: done_before[user]])
        first_unsent = committed - sum(len(texts) for texts in waiting)
        sent = run.sent[user]
        # Sent before the kill: expected[:k], in order; after it, from the oldest queued row.
        k = len(sent) - (len(expected) - first_unsent)
        in_flight = len(waiting[0]) if waiting else 0
        assert first_unsent <= k <= first_unsent + in_flight, (
            f"chat {user}: {len(sent)} messages sent, {len(expected)} expected; only the "
            f"{in_flight} of the row being sent at the kill may go twice"
        )
        assert sent == expected[:k] + expected[first_unsent:], f"chat {user}"


def wait_for_empty_outbox(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    """Until the outbox worker has sent everything queued."""
    deadline = time.monotonic() + seconds
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            health = json.loads(conn.getresponse().read())
        finally:
            conn.close()
        if health["outbox"]["waiting"] == 0:
            return
        assert health["outbox"]["most_attempts"] == 0, f"a message failed to go: {health}"
        assert process.poll() is None, "the server stopped"
        assert time.monotonic() < deadline, f"the outbox still holds messages: {health}"
        time.sleep(0.1)
