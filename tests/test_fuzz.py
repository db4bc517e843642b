"""Property-based fuzzing (hypothesis) of what the outside world sends Relais.

tests/test_property.py walks the pure engine; this file covers the rest:

1. the HTTP endpoints (Twilio, Telegram, the mediators' inbox, /healthz, any path) with
   random bytes, Unicode, JSON, forms, headers and Telegram updates;
2. the places importer with random CSV and JSON files;
3. the flow loader with random YAML;
4. the conversation service on a real SQLite file, with random orders of residents'
   messages, mediators' actions and redeliveries.

Invariants: no 500, no exception but the documented ones, nothing logged as an error (an
exception caught and logged is still a bug), every resident message answered unless it was
passed on to a mediator or the person is rate-limited, redeliveries change nothing, and the
database stays consistent (no conversation at a missing node, no live ticket without its
conversation, no conversation pointing at a dead ticket, no orphan rows).

Hypothesis does not run async tests: each test runs an event loop of its own.
RELAIS_FUZZ_SCALE multiplies every example count (RELAIS_FUZZ_SCALE=10 searches longer);
RELAIS_FUZZ_NO_SHRINK=1 reports a failure as found, without shrinking it (quicker).
The inputs found so far are kept at the end as plain tests ("found by fuzzing").
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import logging
import os
import re
import shutil
import signal
import string
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from bot.app import start
from bot.channels.telegram import TelegramChannel, build_application, callback_data
from bot.config import Settings, TelegramSettings, TwilioSettings
from bot.conversations import Conversations
from bot.engine import Button, Engine, Location, Media, Session, Text, texts
from bot.engine.events import button_token
from bot.flows import FlowError, load_flows
from bot.flows.model import KIND_OF, VALIDATORS
from bot.handoff import actions, tickets
from bot.handoff.mediators import add_mediator, find_mediator, set_organisation
from bot.handoff.tickets import OPEN
from bot.i18n import Catalogs
from bot.outbox import Outbox
from bot.places import PlaceIndex, PlacesSourceError, france_services, import_source, standard
from bot.places.readers import COORDINATES, FORMATS
from bot.store import open_database
from bot.text import clean
from bot.web import auth
from bot.web.app import MAX_BODY, TELEGRAM_PATH, TWILIO_PATH, create_app
from bot.web.inbox import LOGIN_COOKIE, SESSION_COOKIE
from tests.conftest import FIXTURE_FLOWS, NOON, TESTS, load_france_services
from tests.test_channel_telegram import SECRET
from tests.test_channel_telegram import TOKEN as TELEGRAM_TOKEN
from tests.test_channel_twilio import PUBLIC, SID
from tests.test_channel_twilio import TOKEN as TWILIO_TOKEN
from tests.test_channel_twilio import URL as TWILIO_URL
from tests.test_inbox import A_LOGIN, B_LOGIN, PASSWORD, World
from tests.test_property import run_random_conversation, vocabulary, waiting_nodes

SCALE = float(os.environ.get("RELAIS_FUZZ_SCALE", "1"))


PHASES = tuple(Phase)
if os.environ.get("RELAIS_FUZZ_NO_SHRINK"):
    PHASES = tuple(p for p in Phase if p is not Phase.shrink)


def fuzz(examples: int):
    """Hypothesis settings: `examples` (times RELAIS_FUZZ_SCALE), no deadline, one bug shrunk
    and shown at a time (shrinking each of several takes long; the inputs found so far are
    kept below as plain tests, see "found by fuzzing")."""
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        deadline=None,
        report_multiple_bugs=False,
        phases=PHASES,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )


SAINT_DENIS = "france-services:668"
GROUP = -1001234567890
"""The Telegram group of the organisation that answers for Saint-Denis."""
HANDOFF_WALK = (
    "menu",
    "humain",
    "autre",
    "93200",
    "France services Saint-Denis",  # by name: the order of the places depends on the hour
    "oui",
    "Je n'arrive pas à me connecter.",
)
"""A resident's words from anywhere to a ticket at Saint-Denis (through the shipped flows)."""


# Plumbing: event loops, logged errors, time limits, the database's invariants.


class Loop:
    """An event loop that lives across the examples of one test, with its clean-ups."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.cleanups: list = []

    def run(self, awaitable):
        return self.loop.run_until_complete(awaitable)

    def __enter__(self) -> Loop:
        return self

    def __exit__(self, *_) -> None:
        try:
            for cleanup in reversed(self.cleanups):
                self.run(cleanup())
            self.run(self.loop.shutdown_asyncgens())
        finally:
            self.loop.close()


class ErrorLog(logging.Handler):
    """Records logged at ERROR or above, by anyone: Relais, python-telegram-bot (which logs
    what a handler raised), asyncio. An exception caught and logged is still a bug here."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def check(self) -> None:
        found, self.records = self.records, []
        assert not found, "logged as errors:\n" + "\n".join(self.format(r) for r in found)


@contextlib.contextmanager
def error_log():
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


class TookTooLong(Exception):
    pass


@contextlib.contextmanager
def at_most(seconds: float):
    """Fail instead of hanging (only where a timer signal can be used: the main thread)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expired(*_) -> None:
        raise TookTooLong(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


async def check_database(conn, engine: Engine) -> None:
    """What must hold in the database between any two requests."""
    sessions: dict[tuple[str, str], Session] = {}
    for channel, user_id, state in await conn.execute_fetchall(
        "SELECT channel, user_id, state FROM sessions"
    ):
        session = Session.from_json(state)
        sessions[(channel, user_id)] = session
        nowhere = session.is_new and not session.flow and not session.node  # an opt-out only
        assert nowhere or engine.flows.get(session.flow, session.node) is not None, (
            f"the conversation of {channel}:{user_id} is at a missing node "
            f"{session.flow!r}/{session.node!r}"
        )
    found: dict[str, tuple[str, str, str]] = {}
    for code, status, channel, user_id in await conn.execute_fetchall(
        "SELECT code, status, channel, user_id FROM tickets"
    ):
        found[code] = (status, channel, user_id)
        if status not in ("open", "claimed"):
            continue
        session = sessions.get((channel, user_id))
        assert session is not None and session.ticket == code, (
            f"ticket {code} is {status} but the conversation of {channel}:{user_id} "
            + ("does not exist" if session is None else f"has ticket {session.ticket!r}")
        )
    for (channel, user_id), session in sessions.items():
        if not session.ticket:
            continue
        status, *owner = found.get(session.ticket, ("missing", "", ""))
        assert status in OPEN and owner == [channel, user_id], (
            f"the conversation of {channel}:{user_id} waits on ticket {session.ticket}, "
            f"which is {status}" + ("" if owner == [channel, user_id] else f" and is {owner}'s")
        )
    orphans = await conn.execute_fetchall(
        "SELECT id FROM ticket_messages WHERE ticket_id NOT IN (SELECT id FROM tickets)"
    )
    assert not orphans, f"ticket messages without a ticket: {orphans}"
    broken = await conn.execute_fetchall("PRAGMA foreign_key_check")
    assert not broken, f"rows pointing at missing rows: {broken}"


TABLES = ("sessions", "inbound", "tickets", "ticket_messages", "outbox", "telegram_posts")


async def snapshot(conn) -> dict[str, list]:
    return {
        t: list(await conn.execute_fetchall(f"SELECT * FROM {t} ORDER BY 1, 2")) for t in TABLES
    }


async def count(conn, sql: str, *params) -> int:
    rows = await conn.execute_fetchall(sql, params)
    return rows[0][0]


async def relais_with_places(db: Path, **kwargs):
    """Relais on a fresh SQLite file with the real France Services list, and an organisation
    that answers for Saint-Denis in a Telegram group."""
    relais = await start(Settings(db=str(db), log_level="WARNING", **kwargs))
    await load_france_services(relais.conversations)
    await set_organisation(
        relais.db, "France Services Saint-Denis", places=(SAINT_DENIS,), telegram_chat=GROUP
    )
    return relais


def asgi_client(app, base_url: str = "http://internal") -> httpx.AsyncClient:
    """Exceptions of the app become 500 answers (which the tests refuse), not client errors."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url=base_url)


# Strategies shared by the tests.


class Described(str):
    """Generated text that shows as what made it: a 100 KB example is unreadable."""

    description: str

    def __new__(cls, text: str, description: str) -> Described:
        made = super().__new__(cls, text)
        made.description = description
        return made

    def __repr__(self) -> str:
        return self.description


class DescribedBytes(bytes):
    description: str

    def __new__(cls, data: bytes, description: str) -> DescribedBytes:
        made = super().__new__(cls, data)
        made.description = description
        return made

    def __repr__(self) -> str:
        return self.description


ODD_STRINGS = [
    "",
    " ",
    "\n",
    "\r\n",
    "\x00",
    "\x01\x1f\x7f",
    "\u200b",
    "\u202e",
    "\ufeff",
    "\ufffe",
    "🙂",
    "مرحبا",
    "R-2345",
    "<b>]]></b>",
    "&amp;",
    "%",
    "%00",
    "{}",
    "null",
    "NaN",
    "-inf",
    "1e400",
    "STOP",
    "START",
    "aide",
    "oubli",
    "oui",
    "menu",
    "93200",
    "0",
    "-1",
    "9" * 40,
    "4970 1012 3456 7890",
]
odd_text = st.one_of(st.sampled_from(ODD_STRINGS), st.text(max_size=60))
ascii_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
"""What an HTTP header value may hold."""
token_text = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=60)


@st.composite
def long_texts(draw) -> str:
    """10 KB or more: one piece of random text repeated."""
    piece = draw(
        st.text(min_size=1, max_size=8) | st.sampled_from(["a", "é", "🙂", "mot de passe "])
    )
    times = 10_240 // len(piece) + 1
    return Described(piece * times, f"{piece!r} * {times}")


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    odd_text,
    st.sampled_from([10**400, -(10**30), 2**63, 1e308, -0.0]),
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(odd_text, children, max_size=4)
    ),
    max_leaves=15,
)


def json_bytes(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


raw_bodies = st.one_of(
    st.binary(max_size=300),
    odd_text.map(str.encode),
    json_values.map(json_bytes),
    st.sampled_from([b"%", b"=&=&", b"a=%ff", b"a=%ED%A0%80", b"\xff\xfe", b"x" * (MAX_BODY + 1)]),
)
content_types = st.one_of(
    st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=latin-1",
            "application/json",
            "text/plain",
            "multipart/form-data; boundary=x",
            "",
        ]
    ),
    ascii_text,
)
length_lies = st.sampled_from([None, "0", "1", "-1", "abc", " 12", str(MAX_BODY + 1), "9" * 30])


def lying_headers(content_type: str, length: str | None) -> dict[str, str]:
    headers = {"content-type": content_type}
    if length is not None:
        headers["content-length"] = length
    return headers


def declared_too_large(length: str | None) -> bool:
    return length is not None and length.isdigit() and int(length) > MAX_BODY


# 1. HTTP endpoints.

TWILIO_FIELDS = (
    "To",
    "AccountSid",
    "NumMedia",
    "MediaUrl0",
    "MediaContentType0",
    "Latitude",
    "Longitude",
    "OptOutType",
    "ProfileName",
    "WaId",
    "SmsStatus",
    "ButtonPayload",
)
coordinate_texts = st.one_of(
    st.floats().map(str),
    st.sampled_from(["48.936", "2.357", "", " ", "nan", "inf", "-inf", "1e400", "48,9", "abc"]),
)
twilio_forms = st.builds(
    lambda required, optional, extra: {**extra, **optional, **required},
    st.fixed_dictionaries(
        {
            "From": st.sampled_from(
                ["+33612345678", "+33698765432", "whatsapp:+33611111111", "", "whatsapp:"]
            )
            | odd_text,
            "Body": st.one_of(odd_text, st.sampled_from(HANDOFF_WALK), long_texts()),
            "MessageSid": st.sampled_from(["SM1", "SM2", "SM3", ""]) | token_text,
        }
    ),
    st.fixed_dictionaries(
        {},
        optional={
            name: coordinate_texts if name in ("Latitude", "Longitude") else odd_text
            for name in TWILIO_FIELDS
        }
        | {"OptOutType": st.sampled_from(["STOP", "START", "stop", "HELP", ""])},
    ),
    st.dictionaries(odd_text, odd_text, max_size=3),
)
twilio_bodies = st.one_of(
    twilio_forms.map(lambda form: urllib.parse.urlencode(form).encode()), raw_bodies
)


def form_seen_by_the_server(body: bytes) -> dict[str, str] | None:
    """The form the webhook reads from these bytes (None: not UTF-8)."""
    try:
        return dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        return None


def twilio_world(loop: Loop, folder: Path):
    twilio = TwilioSettings(SID, TWILIO_TOKEN, "+33700000000", "+14155238886")
    relais = loop.run(relais_with_places(folder / "relais.db", public_url=PUBLIC, twilio=twilio))
    loop.cleanups.append(relais.close)
    client = asgi_client(create_app(relais))
    loop.cleanups.append(client.aclose)
    return relais, client


def test_unsigned_or_forged_twilio_webhooks_are_refused(tmp_path: Path) -> None:
    with Loop() as loop, error_log() as errors:
        relais, client = twilio_world(loop, tmp_path)
        other = RequestValidator("not-the-token")

        @fuzz(120)
        @given(
            body=twilio_bodies,
            kind=content_types,
            length=length_lies,
            forgery=st.sampled_from(["none", "empty", "random", "other token", "other form"]),
            random_signature=ascii_text,
        )
        def one(body, kind, length, forgery, random_signature) -> None:
            headers = lying_headers(kind, length)
            form = form_seen_by_the_server(body) or {}
            signature = {
                "none": None,
                "empty": "",
                "random": random_signature,
                "other token": other.compute_signature(TWILIO_URL, form),
                "other form": RequestValidator(TWILIO_TOKEN).compute_signature(
                    TWILIO_URL, {**form, "Body": form.get("Body", "") + "!"}
                ),
            }[forgery]
            if signature is not None:
                headers["x-twilio-signature"] = signature
            before = loop.run(count(relais.db.conn, "SELECT count(*) FROM inbound"))
            response = loop.run(client.post(TWILIO_PATH, content=body, headers=headers))
            readable = len(body) <= MAX_BODY and not declared_too_large(length)
            expected = {403} if readable and form_seen_by_the_server(body) is not None else set()
            assert response.status_code in (expected or {400, 413}), response.status_code
            after = loop.run(count(relais.db.conn, "SELECT count(*) FROM inbound"))
            assert after == before, "a refused webhook was processed"
            errors.check()

        one()


def test_signed_twilio_webhooks_get_valid_twiml_or_a_clear_refusal(tmp_path: Path) -> None:
    with Loop() as loop, error_log() as errors:
        relais, client = twilio_world(loop, tmp_path)
        validator = RequestValidator(TWILIO_TOKEN)

        @fuzz(150)
        @given(body=twilio_bodies, kind=content_types, length=length_lies)
        def one(body, kind, length) -> None:
            headers = lying_headers(kind, length)
            form = form_seen_by_the_server(body)
            headers["x-twilio-signature"] = validator.compute_signature(TWILIO_URL, form or {})
            sender = (form or {}).get("From", "")
            channel = "whatsapp" if sender.startswith("whatsapp:") else "sms"
            sid = (form or {}).get("MessageSid", "")
            seen = loop.run(
                count(
                    relais.db.conn,
                    "SELECT count(*) FROM inbound WHERE channel = ? AND external_id = ?",
                    channel,
                    relais.db.keyed(sid),  # ids are stored as keyed hashes
                )
            )
            response = loop.run(client.post(TWILIO_PATH, content=body, headers=headers))
            if len(body) > MAX_BODY or declared_too_large(length):
                assert response.status_code == 413
            elif form is None:
                assert response.status_code == 400
            else:
                assert response.status_code == 200, response.status_code
                assert response.headers["content-type"].startswith("application/xml")
                try:
                    root = ET.fromstring(response.content)
                except ET.ParseError as exc:
                    raise AssertionError(f"not XML ({exc}): {response.text[:300]!r}") from None
                assert root.tag == "Response" and all(m.tag == "Message" for m in root)
                opt_out = form.get("OptOutType", "").upper() in ("STOP", "START")
                if not opt_out and not seen:
                    session = loop.run(relais.conversations.peek(channel, sender))
                    assert len(root) or session.hushed, f"no reply to {form!r}"
            loop.run(check_database(relais.db.conn, relais.engine))
            errors.check()

        one()


METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "BREW")
PATHS = ("/", "/healthz", TWILIO_PATH, TELEGRAM_PATH, "/mediateurs", "/mediateurs/demandes/x")


def test_any_method_and_path_gets_no_server_error(tmp_path: Path) -> None:
    with Loop() as loop, error_log() as errors:
        relais, client = twilio_world(loop, tmp_path)

        @fuzz(80)
        @given(
            method=st.sampled_from(METHODS),
            path=st.sampled_from(PATHS),
            suffix=st.lists(odd_text, max_size=3),
            query=st.dictionaries(odd_text, odd_text, max_size=3),
            body=raw_bodies,
            kind=content_types,
            length=length_lies,
        )
        def one(method, path, suffix, query, body, kind, length) -> None:
            url = path + "".join("/" + urllib.parse.quote(part, safe="") for part in suffix)
            url = "/" + url.lstrip("/")  # "//x" would name a host
            if query:
                url += "?" + urllib.parse.urlencode(query)
            headers = lying_headers(kind, length)
            response = loop.run(client.request(method, url, content=body, headers=headers))
            assert response.status_code < 500, (method, url, response.status_code)
            health = loop.run(client.get("/healthz", params=query))
            assert health.status_code == 200 and health.json()["status"] == "ok"
            loop.run(check_database(relais.db.conn, relais.engine))
            errors.check()

        one()


RESIDENT_CHAT = 7001


def telegram_world(loop: Loop, folder: Path, api):
    """Telegram on a real SQLite file; a resident (private chat RESIDENT_CHAT) has a ticket
    whose post in the organisation's group was sent (so replies to it reach the ticket)."""
    telegram = TelegramSettings(TELEGRAM_TOKEN, SECRET)
    relais = loop.run(relais_with_places(folder / "relais.db", telegram=telegram))
    loop.cleanups.append(relais.close)
    application = build_application(telegram, base_url=api.base_url)
    loop.run(application.initialize())
    loop.cleanups.append(application.shutdown)
    channel = TelegramChannel(relais.conversations, application)
    client = asgi_client(create_app(relais, channel))
    loop.cleanups.append(client.aclose)
    for text in HANDOFF_WALK:
        loop.run(
            relais.conversations.handle(
                "telegram", str(RESIDENT_CHAT), Text(text), lang="fr", outbound=True
            )
        )
    outbox = Outbox(relais.db, channel.senders())
    loop.run(outbox.flush())
    posts = loop.run(relais.db.conn.execute_fetchall("SELECT message_id FROM telegram_posts"))
    ids = loop.run(relais.db.conn.execute_fetchall("SELECT id FROM tickets"))
    return relais, client, outbox, [p for (p,) in posts], [t for (t,) in ids]


def telegram_updates(engine: Engine, posts: list[int], ticket_ids: list[int]):
    """Updates shaped like Telegram's (and some that are not quite)."""
    keys = [f"{f}/{n}" for f, n in waiting_nodes(engine)] + ["!consent", "!note", "!leave"]
    big = st.integers(min_value=-(2**64), max_value=2**64)
    private = st.builds(
        lambda i: {"id": i, "type": "private", "first_name": "Amina"},
        st.sampled_from([RESIDENT_CHAT, 42]) | big,
    )
    group = st.builds(
        lambda i, kind: {"id": i, "type": kind, "title": "Médiateurs"},
        st.sampled_from([GROUP, -1009999999999]) | big,
        st.sampled_from(["group", "supergroup", "channel"]),
    )
    odd_chat = st.builds(lambda i, kind: {"id": i, "type": kind}, big, odd_text)
    chats = st.one_of(private, private, group, group, odd_chat)
    users = st.none() | st.builds(
        lambda i, lang, name: {"id": i, "is_bot": False, "first_name": name, "language_code": lang},
        st.sampled_from([RESIDENT_CHAT, 42]) | big,
        st.sampled_from(["fr", "ar", "en", "ps", "xx", "", "fr-FR-x-y"]) | odd_text,
        odd_text,
    )
    contents = st.one_of(
        st.builds(lambda text: {"text": text}, odd_text | st.sampled_from(HANDOFF_WALK)),
        st.builds(
            lambda lat, lon: {"location": {"latitude": lat, "longitude": lon}},
            st.floats(-90, 90) | st.floats(),
            st.floats(-180, 180) | st.floats(),
        ),
        st.just({"photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]}),
        st.just({"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}}),
        st.just({"new_chat_members": [{"id": 999, "is_bot": True, "first_name": "Relais"}]}),
        st.just({}),
        st.dictionaries(st.sampled_from(["text", "caption", "location", "entities"]), json_values),
    )

    def message(message_id, date, chat, user, content, reply_to):
        out = {"message_id": message_id, "date": date, "chat": chat, **content}
        if user is not None:
            out["from"] = user
        if reply_to is not None:
            out["reply_to_message"] = {"message_id": reply_to, "date": 0, "chat": chat, "text": "…"}
        return out

    messages = st.builds(
        message,
        big,
        st.integers(0, 2**32) | big,
        chats,
        users,
        contents,
        st.none() | st.sampled_from(posts or [1]) | big,
    )
    datas = st.one_of(
        st.none(),
        odd_text,
        st.builds(callback_data, st.sampled_from(keys), st.integers(-1, 9)),
        st.builds(
            lambda kind, ticket: f"tk:{kind}:{ticket}",
            st.sampled_from(["claim", "close", "x"]),
            st.sampled_from(ticket_ids or [1]) | big,
        ),
    )

    def callback(query_id, user, data, message):
        query = {"id": query_id, "chat_instance": "1"}
        if user is not None:
            query["from"] = user
        if data is not None:
            query["data"] = data
        if message is not None:
            query["message"] = message
        return query

    callbacks = st.builds(callback, token_text, users, datas, st.none() | messages)
    kinds = st.sampled_from(["message", "edited_message", "channel_post", "edited_channel_post"])
    ids = st.integers(0, 2**31) | big
    return st.one_of(
        st.builds(lambda i, kind, m: {"update_id": i, kind: m}, ids, kinds, messages),
        st.builds(lambda i, q: {"update_id": i, "callback_query": q}, ids, callbacks),
        st.builds(lambda i, q: {"update_id": i, **q}, ids, st.dictionaries(odd_text, json_values)),
    )


def test_telegram_webhook_answers_200_or_400_to_anything(tmp_path: Path, bot_api) -> None:
    with Loop() as loop, error_log() as errors:
        relais, client, outbox, posts, ticket_ids = telegram_world(loop, tmp_path, bot_api)
        updates = telegram_updates(relais.engine, posts, ticket_ids)
        bodies = st.one_of(
            updates.map(json_bytes),
            updates.map(json_bytes),
            raw_bodies,
            json_values.map(json_bytes),
        )

        @fuzz(150)
        @given(
            body=bodies,
            secret=st.sampled_from([SECRET, SECRET, SECRET, None, "", SECRET + "x"]) | token_text,
            kind=content_types,
            length=length_lies,
        )
        def one(body, secret, kind, length) -> None:
            bot_api.calls.clear()
            headers = lying_headers(kind, length)
            if secret is not None:
                headers["x-telegram-bot-api-secret-token"] = secret
            response = loop.run(client.post(TELEGRAM_PATH, content=body, headers=headers))
            if secret != SECRET:
                assert response.status_code == 403
            elif len(body) > MAX_BODY or declared_too_large(length):
                assert response.status_code == 413
            else:
                assert response.status_code in (200, 400), (response.status_code, body[:300])
            loop.run(outbox.flush())
            loop.run(check_database(relais.db.conn, relais.engine))
            errors.check()

        one()


# The mediators' inbox.

urlsafe_tokens = st.text(
    alphabet=string.ascii_letters + string.digits + "-_", min_size=30, max_size=60
)


def inbox_world(loop: Loop, folder: Path) -> World:
    relais = loop.run(start(Settings(db=str(folder / "relais.db"), log_level="WARNING")))
    loop.cleanups.append(relais.close)
    org_a = loop.run(set_organisation(relais.db, "Association A"))
    org_b = loop.run(set_organisation(relais.db, "Association B"))
    loop.run(add_mediator(relais.db, A_LOGIN, "Marie", "Association A", PASSWORD))
    loop.run(add_mediator(relais.db, B_LOGIN, "Paul", "Association B", PASSWORD))
    world = World(relais, create_app(relais), org_a.id, org_b.id)
    for org, user in ((org_a, "+33610000001"), (org_a, "+33610000002"), (org_b, "+33610000003")):
        loop.run(world.ticket(org.id, user=user))
    return world


def mostly(usual, unusual):
    """`usual` three times in four."""
    return st.one_of(usual, usual, usual, unusual)


@st.composite
def inbox_requests(draw):
    """(method, (path, code), fields, body, headers, who, csrf, login cookie): the path holds
    {code}, for a ticket's code (see `ticket_code`) or anything."""
    action = draw(mostly(st.sampled_from(["repondre", "prendre", "clore"]), odd_text))
    action = urllib.parse.quote(action, safe="")
    method, path = draw(
        st.sampled_from(
            [
                ("GET", "/mediateurs"),
                ("GET", "/mediateurs/connexion"),
                ("POST", "/mediateurs/connexion"),
                ("POST", "/mediateurs/connexion"),
                ("POST", "/mediateurs/deconnexion"),
                ("GET", "/mediateurs/demandes/{code}"),
                ("POST", f"/mediateurs/demandes/{{code}}/{action}"),
                ("POST", f"/mediateurs/demandes/{{code}}/{action}"),
                ("POST", f"/mediateurs/demandes/{{code}}/{action}"),
                ("POST", f"/mediateurs/demandes/{{code}}/{action}"),
                ("GET", "/mediateurs/inbox.css"),
                (draw(st.sampled_from(METHODS)), "/mediateurs/{code}"),
            ]
        )
    )
    query = draw(
        st.dictionaries(
            st.sampled_from(["suite", "ok"]) | odd_text,
            st.sampled_from(["/mediateurs/demandes/R-2345", "envoye", "//evil.example"]) | odd_text,
            max_size=2,
        )
    )
    if query:
        path += "?" + urllib.parse.urlencode(query).replace("{", "%7B").replace("}", "%7D")
    code = draw(
        mostly(
            st.tuples(st.sampled_from(["as is", "lower", "spaced"]), st.integers(0, 1000)),
            st.tuples(st.just("odd"), odd_text | st.just("R" * 50)),
        )
    )
    fields = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "identifiant": mostly(
                    st.sampled_from([A_LOGIN, B_LOGIN, " MARIE@asso-a.fr "]), odd_text
                ),
                "mot_de_passe": mostly(st.sampled_from([PASSWORD, "faux mot de passe"]), odd_text),
                "suite": mostly(
                    st.sampled_from(["/mediateurs/demandes/R-2345", "https://evil.example"]),
                    odd_text,
                ),
                "texte": st.one_of(odd_text, odd_text, long_texts(), st.just("x" * 2001)),
                "confirme": mostly(st.just("oui"), odd_text),
            },
        )
    )
    fields |= draw(st.dictionaries(odd_text, odd_text, max_size=2))
    csrf = draw(mostly(st.just("right"), st.sampled_from(["random", "missing"])))
    body = draw(
        mostly(
            st.none(),  # the form, encoded as a browser does
            raw_bodies | st.just(b"&".join([b"a=1"] * 30)),
        )
    )
    kind = draw(mostly(st.just("application/x-www-form-urlencoded"), content_types))
    headers = {"content-type": kind}
    origin = draw(
        mostly(
            st.sampled_from([None, "http://testserver"]),
            st.sampled_from(["https://evil.example", "null"]) | ascii_text,
        )
    )
    if origin is not None:
        headers[draw(st.sampled_from(["origin", "referer"]))] = origin
    length = draw(mostly(st.none(), length_lies))
    if length is not None:
        headers["content-length"] = length
    who = draw(st.sampled_from(["nobody", "marie", "marie", "marie", "paul", "forged"]))
    login_cookie = draw(mostly(st.just("matching"), st.sampled_from(["none", "other"])))
    return method, (path, code), fields, body, headers, who, csrf, login_cookie


def ticket_code(codes: list[str], how: str, which: int | str) -> str:
    """One of the codes (as typed in some way), or anything else, for a path."""
    if how == "odd":
        code = str(which)
    else:
        code = codes[int(which) % len(codes)]
        code = {"as is": code, "lower": code.lower(), "spaced": code.replace("-", " ")}[how]
    return urllib.parse.quote(code, safe="")


def test_the_inbox_never_fails_whatever_it_is_sent(tmp_path: Path) -> None:
    with Loop() as loop, error_log() as errors:
        world = inbox_world(loop, tmp_path)
        relais = world.relais
        client = asgi_client(world.app, base_url="http://testserver")
        loop.cleanups.append(client.aclose)
        marie = loop.run(find_mediator(relais.db.conn, A_LOGIN))[0]
        paul = loop.run(find_mediator(relais.db.conn, B_LOGIN))[0]
        codes = [t.code for t in loop.run(tickets.list_tickets(relais.db.conn))]
        residents = iter(range(10_000, 99_999))

        @fuzz(150)
        @given(
            request=inbox_requests(),
            as_a_browser=st.booleans(),
            new_ticket=st.booleans(),
            login=urlsafe_tokens,
        )
        def one(request, as_a_browser, new_ticket, login) -> None:
            method, (path, code), fields, body, headers, who, csrf, login_cookie = request
            if as_a_browser:  # a page of the inbox sends its form: only the content is odd
                csrf, login_cookie, body, who = (
                    "right",
                    "matching",
                    None,
                    who.replace("forged", "marie"),
                )
                headers = {"content-type": "application/x-www-form-urlencoded"}
            path = path.replace("{code}", ticket_code(codes, *code))
            if new_ticket:
                org = world.org_a if next(residents) % 3 else world.org_b
                codes.append(loop.run(world.ticket(org, user=f"+336{next(residents)}")).code)
            cookies = {}
            session_csrf = ""
            if who in ("marie", "paul"):
                mediator = marie if who == "marie" else paul
                token, session_csrf = loop.run(
                    auth.create_session(relais.db, mediator, time.time())
                )
                cookies[SESSION_COOKIE] = token
            elif who == "forged":
                cookies[SESSION_COOKIE] = login
            if login_cookie != "none":
                cookies[LOGIN_COOKIE] = login if login_cookie == "matching" else login[::-1] + "x"
            if csrf == "right":  # the sign-in form's own token, or the session's
                signing_in = path.startswith("/mediateurs/connexion")
                fields["csrf"] = login if signing_in else session_csrf or login
            elif csrf == "random":
                fields["csrf"] = login + "y"
            if body is None:
                body = urllib.parse.urlencode(fields).encode()
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
            client.cookies.clear()
            response = loop.run(client.request(method, path, content=body, headers=headers))
            assert response.status_code < 500, (method, path, fields, response.status_code)
            loop.run(check_database(relais.db.conn, relais.engine))
            errors.check()

        one()


# 2. The places importer.

PLACES_CODE = Path(standard.__file__).parent
_READ_COLUMNS = re.compile(r"""row\.get\(\s*["'](\w+)["']""")
STANDARD_COLUMNS = sorted(
    set(_READ_COLUMNS.findall((PLACES_CODE / "standard.py").read_text(encoding="utf-8")))
    | standard.COLUMNS
    | COORDINATES
)
"""The columns the import reads from a file of the national standard (v0 and v1)."""
FRANCE_SERVICES_COLUMNS = sorted(
    set(_READ_COLUMNS.findall((PLACES_CODE / "france_services.py").read_text(encoding="utf-8")))
    | {column for column, _, _ in france_services.DAYS}
    | france_services.COLUMNS
)
"""The columns the import reads from the France Services list."""
HOURS = [
    "09:00 - 12:00 / 13:30 - 17:00",
    "09:00-12:00,13:30-17:00",
    "08 :30-12:00",
    "-",
    "fermé",
    "00:00 - 00:00",
    "09:00-13:00-/3:00-16:00",
    "25:00-26:00",
    "Mo-Fr 09:00-12:00",
    "Mo-Fr 9h-12h30",
    "Mo-Fr 9h-99h",
    "24/7",
    "PH off",
    "Mo-Su 00:00-24:00; PH off",
    "sunrise-sunset",
    "week 1-53/2 Mo 08:00-09:00",
]
in_france = st.tuples(st.floats(42.0, 51.0), st.floats(-4.5, 8.0))
coordinates = st.one_of(
    in_france,
    in_france,
    in_france,
    in_france,
    in_france.map(lambda p: (p[1], p[0])),  # swapped
    st.tuples(st.floats(), st.floats()),
    st.tuples(json_scalars, json_scalars),
    st.just((0, 0)),
    st.just((10**400, 2.3)),
    st.just(("48,85", "2,35")),
    st.just(("", "")),
)
surrogate_text = st.text(st.characters() | st.characters(categories=["Cs"]), max_size=12)
"""JSON can hold lone surrogates (\\ud800), which no file encoding can."""


NAMES = ("nom", "lib_fs")


def cell_values(column: str):
    """Mostly what the files hold; sometimes anything JSON or text can."""
    if column.startswith("h_") or column == "horaires":
        usual = st.sampled_from(HOURS)
    elif column in ("id", "id_fs"):
        usual = st.sampled_from(["1", "2", "3", "668"]) | st.integers(0, 9)
    elif column in NAMES:
        usual = st.sampled_from(["France services de Saint-Denis", "Médiathèque", "Café"])
    elif column == "code_postal":
        usual = st.sampled_from(["93200", "1200", "01200", "97400", "2A004"]) | st.integers()
    else:
        usual = odd_text
    return st.one_of(usual, usual, usual, odd_text, json_scalars, json_values, surrogate_text)


@st.composite
def place_rows(draw, columns: list[str]) -> dict:
    row = {column: draw(cell_values(column)) for column in columns}
    if draw(st.integers(0, 3)):
        row["latitude"], row["longitude"] = draw(coordinates)
    return row


PLACES_LITERALS = [
    '[{"id": "1", "nom": "x", "latitude": ' + "9" * 4400 + ', "longitude": 2.3}]',
    '[{"id": "1", "nom": "x", "latitude": 48.9, "longitude": 2.3, "services": "\\ud800"}]',
    "[" * 50_000 + "]" * 50_000,
    '{"features": "none"}',
    '{"features": [{"geometry": "a point", "properties": {"id": "1"}}]}',
    '{"features": [{"properties": [["id", "1"]]}]}',
    '{"type": "FeatureCollection"}',
    "<!doctype html><html></html>",
    "\ufeff",
    "\ufeff\r\n",
    "\ufeff\ufeff[]",
    "[]",
    "{}",
    "null",
    "id,nom,latitude,longitude\n" + "1," + "x" * 200_000 + ",48.8,2.3\n",
    "id,nom,id\n1,2,3\n",
    "id;nom;latitude;longitude\n1;Café;48,9;2,35\n",
]


@st.composite
def places_documents(draw) -> bytes:
    """A places file: JSON, GeoJSON or CSV with the real columns and others, or junk."""
    real = draw(st.sampled_from([STANDARD_COLUMNS, FRANCE_SERVICES_COLUMNS]))
    columns = draw(st.lists(st.sampled_from(real), unique=True, max_size=len(real)))
    if draw(st.integers(0, 3)):  # mostly, the columns that identify the format
        core = standard.COLUMNS if real is STANDARD_COLUMNS else france_services.COLUMNS
        columns = list(dict.fromkeys([*sorted(core), *columns]))
    columns += draw(st.lists(odd_text, max_size=2))
    rows = draw(st.lists(place_rows(columns), min_size=1, max_size=5))
    shape = draw(st.sampled_from(["json", "json", "geojson", "geojson", "csv", "csv", "other"]))
    if shape == "json":
        items = [draw(st.just(row) | st.just(row) | json_values) for row in rows]
        document = json.dumps(items, allow_nan=True, ensure_ascii=draw(st.booleans()))
    elif shape == "geojson":

        def feature(row: dict) -> object:
            point = {
                "type": "Point",
                "coordinates": [row.pop("longitude", None), row.pop("latitude", None)],
            }
            geometry = draw(st.just(point) | st.just(point) | json_values)
            properties = draw(st.just(row) | st.just(row) | json_values)
            whole = {"type": "Feature", "geometry": geometry, "properties": properties}
            return draw(st.just(whole) | st.just(whole) | json_values)

        collection = {"type": "FeatureCollection", "features": [feature(row) for row in rows]}
        document = json.dumps(collection, allow_nan=True, ensure_ascii=draw(st.booleans()))
    elif shape == "csv":
        delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
        out = io.StringIO()
        quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
        writer = csv.writer(out, delimiter=delimiter, quoting=quoting, escapechar="\\")
        header = [*columns, *draw(st.lists(st.sampled_from(columns or ["id"]), max_size=1))]
        writer.writerow(header)
        for row in rows:
            cells = [str(row.get(c, "")) for c in header]
            writer.writerow(draw(st.just(cells) | st.lists(odd_text, max_size=len(header) + 1)))
        document = out.getvalue()
    else:
        literal = draw(st.sampled_from(PLACES_LITERALS) | st.text(max_size=100))
        if draw(st.booleans()):
            return draw(st.binary(max_size=200))
        short = literal if len(literal) < 100 else f"{literal[:40]!r}… ({len(literal)} characters)"
        return DescribedBytes(literal.encode(errors="surrogatepass"), f"<file: {short}>")
    encodings = ["utf-8", "utf-8", "utf-8", "utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]
    prefix = draw(st.sampled_from([b"", b"", b"", b"", b"\xef\xbb\xbf", b"  \n", b"\x00"]))
    return prefix + _encode(document, draw(st.sampled_from(encodings)))


def _encode(text: str, encoding: str) -> bytes:
    if encoding.startswith("utf-8"):
        return text.encode(encoding, errors="surrogatepass")
    return text.encode(encoding, errors="replace")


async def places_of(db, key: str) -> list[tuple]:
    rows = await db.conn.execute_fetchall(
        "SELECT source_id, fingerprint FROM places WHERE source = ? ORDER BY 1", (key,)
    )
    return list(rows)


BASE_PLACES = [
    {
        "id": "a",
        "nom": "Médiathèque",
        "latitude": 48.936,
        "longitude": 2.357,
        "code_postal": "93200",
    },
    {
        "id": "b",
        "nom": "Mairie",
        "latitude": 43.3,
        "longitude": 5.4,
        "horaires": "Mo-Fr 09:00-12:00",
    },
]
"""Another source, imported first: no import of the fuzzed file may touch it."""


async def import_or_refuse(db, path: Path, fmt: str = "auto"):
    """The import's report, or None when PlacesSourceError says what is wrong (and nothing
    was changed)."""
    before = await places_of(db, str(path.resolve()))
    try:
        return await import_source(db, str(path), fmt)
    except PlacesSourceError as exc:
        message = str(exc)
        assert message.strip() and (str(path) in message or fmt in message), message
        assert await places_of(db, str(path.resolve())) == before, "a failed import changed data"
        return None


def test_any_places_file_imports_or_fails_clearly(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "lieux.txt"
    base = tmp_path / "base.json"
    base.write_text(json.dumps(BASE_PLACES), encoding="utf-8")
    with Loop() as loop, error_log() as errors:
        db = loop.run(open_database(tmp_path / "relais.db"))
        loop.cleanups.append(db.close)
        loop.run(import_source(db, str(base)))
        base_rows = loop.run(places_of(db, str(base.resolve())))
        key = str(path.resolve())

        @fuzz(200)
        @given(data=places_documents(), fmt=st.sampled_from([*FORMATS, "xml"]), walk=st.data())
        def one(data: bytes, fmt: str, walk) -> None:
            path.write_bytes(data)
            with at_most(5):
                report = loop.run(import_or_refuse(db, path, fmt))
            after = loop.run(places_of(db, key))
            if report is not None:
                assert len(after) == report.imported + report.updated + report.unchanged
                assert report.read >= len(after) > 0
            assert loop.run(places_of(db, str(base.resolve()))) == base_rows
            integrity = loop.run(db.conn.execute_fetchall("PRAGMA integrity_check"))
            assert integrity == [("ok",)]
            index = loop.run(PlaceIndex.load(db))
            assert len(index) == len(after) + len(base_rows)
            residents_find_the_new_places(engine, index, key, walk)
            errors.check()

        one()


def residents_find_the_new_places(engine: Engine, index: PlaceIndex, key: str, data) -> None:
    """The imported places work in a conversation: asked by location, postal code or town,
    shown, picked."""
    engine = replace(engine, places=index)
    mine = [p for p in index.places if p.source == key][:3]
    for place in mine:
        where = data.draw(
            st.sampled_from(
                [Location(place.lat, place.lon), Text(place.postal_code), Text(place.commune)]
            )
        )
        session = engine.step(Session(lang="fr"), Text("aide"), NOON).session
        for event in (where, Text("1"), Text("2")):
            outcome = engine.step(session, event, NOON)
            assert outcome.replies, f"no reply to {event!r} about {place!r}"
            session = outcome.session


# 3. The flow loader.

FIXTURE_TEXTS = {
    p.name: p.read_text(encoding="utf-8") for p in sorted(FIXTURE_FLOWS.glob("*.yaml"))
}
FLOW_IDS = ["menu", "aide", "demarche", "autre"]
NODE_IDS = ["accueil", "explication", "ou", "humain", "compte", "a", "b", "fin"]
flow_ids = st.one_of(st.sampled_from(FLOW_IDS), odd_text)
node_ids = st.one_of(st.sampled_from(NODE_IDS), st.sampled_from(NODE_IDS), odd_text, json_scalars)
flow_texts = st.one_of(
    odd_text,
    st.sampled_from(["Bonjour.", "Où êtes-vous ?"]),
    long_texts().map(str),  # for YAML
)
urls = (
    st.sampled_from(["https://example.org/x", "http://example.org", "javascript:x", ""]) | odd_text
)
choices = st.fixed_dictionaries(
    {"label": st.sampled_from(["Oui", "Non", "Autre"]) | odd_text},
    optional={
        "next": node_ids | st.none(),
        "words": st.lists(odd_text, max_size=3) | json_values,
        "topic": st.sampled_from(["caf", "other"]) | odd_text,
        "command": st.sampled_from(["privacy"]) | odd_text,
    },
)
flow_nodes = st.fixed_dictionaries(
    {
        "id": node_ids,
        "type": st.sampled_from(sorted(KIND_OF)) | st.sampled_from(sorted(KIND_OF)) | odd_text,
    },
    optional={
        "text": flow_texts,
        "next": node_ids | st.none(),
        "choices": st.lists(choices, max_size=9) | json_values,
        "validate": st.sampled_from(VALIDATORS) | odd_text,
        "save": odd_text,
        "retry": flow_texts,
        "url": urls,
        "label": flow_texts,
        "flow": flow_ids,
        "node": node_ids,
        "extra": json_values,
    },
)
flow_documents = st.fixed_dictionaries(
    {},
    optional={
        "spec_version": st.sampled_from([1, 1, 0, 2, "1", 1.5, True]) | st.integers(),
        "id": flow_ids,
        "title": st.sampled_from(["Titre"]) | odd_text,
        "topic": st.sampled_from(["caf", "other"]) | odd_text,
        "sources": st.lists(urls, max_size=3) | json_values,
        "last_reviewed": st.sampled_from(
            ["2026-11-01", "2026-02-30", "2099-01-01", "1999-01-01", NOON.date().isoformat()]
        )
        | odd_text,
        "start": node_ids,
        "nodes": st.lists(flow_nodes, max_size=8) | json_values,
        "surprise": json_values,
    },
)
YAML_ODDITIES = [
    "a: &x [1, *x]\n",
    "&m {a: *m}\n",
    "x: !!python/object/apply:os.system ['echo pwned']\n",
    "!!python/object:__main__.X {}\n",
    "x: !!python/name:os.system\n",
    "x: !!binary aGVsbG8=\n",
    "x: !!set {a, b}\n",
    "x: !!omap [a: 1]\n",
    "x: !custom 1\n",
    "? [a, b]\n: c\n",
    "? {a: b}\n: c\n",
    "a: &a {id: x, type: end}\nb: {<<: *a}\n",
    "--- a\n--- b\n",
    "...\n",
    "%YAML 1.1\n---\nx: 1\n",
    "%TAG ! tag:example.org,2000:\n---\nx: !foo 1\n",
    "\t- tab\n",
    "key: 'unterminated\n",
    "a: b: c\n",
    "2026-01-01: a date as a key\n",
    "1: an int as a key\n",
    "null: x\n",
    "x: .nan\ny: -.inf\n",
    "x: 0x_1F\ny: 0o777\nz: 1_000\n",
    "spec_version: 1\nspec_version: 1\n",
]


@st.composite
def yaml_oddities(draw) -> str:
    kind = draw(st.sampled_from(["fixed", "laughs", "deep flow", "deep block", "big int"]))
    if kind == "fixed":
        return draw(st.sampled_from(YAML_ODDITIES))
    if kind == "laughs":  # a billion laughs, small enough to finish
        levels = draw(st.integers(1, 7))
        lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
        lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
        return Described("\n".join(lines) + "\n", f"<YAML: billion laughs, {levels} levels>")
    depth = draw(st.integers(1, 2_000))
    if kind == "deep flow":
        opener, closer = draw(st.sampled_from([("[", "]"), ("{a: ", "}")]))
        text = f"x: {opener * depth}1{closer * depth}\n"
        return Described(text, f"<YAML: x: {opener!r} * {depth}, 1, {closer!r} * {depth}>")
    if kind == "deep block":
        text = "".join(" " * i + "a:\n" for i in range(depth)) + " " * depth + "1\n"
        return Described(text, f"<YAML: {depth} block mappings a: one in the other>")
    digits = draw(st.integers(4_000, 5_000))
    return Described(f"spec_version: {'9' * digits}\n", f"<YAML: spec_version: '9' * {digits}>")


@st.composite
def flow_file_texts(draw) -> str | bytes:
    kind = draw(st.sampled_from(["document", "document", "mutated", "oddity", "text", "bytes"]))
    if kind == "document":
        document = draw(flow_documents)
        return yaml.safe_dump(
            document,
            allow_unicode=draw(st.booleans()),
            default_flow_style=draw(st.sampled_from([False, True, None])),
            sort_keys=False,
        )
    if kind == "oddity":
        return draw(yaml_oddities())
    if kind == "text":
        return draw(st.text(max_size=300))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    name = draw(st.sampled_from(sorted(FIXTURE_TEXTS)))
    lines = FIXTURE_TEXTS[name].splitlines(keepends=True)
    notes: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(lines)))
        change = draw(st.sampled_from(["drop", "repeat", "insert", "oddity", "indent"]))
        if change == "drop" and at < len(lines):
            del lines[at]
        elif change == "repeat" and at < len(lines):
            lines.insert(at, lines[at])
        elif change == "insert":
            lines.insert(at, draw(odd_text) + "\n")
        elif change == "oddity":
            oddity = draw(yaml_oddities())
            lines.insert(at, oddity)
            notes.append(f"line {at + 1}: {oddity!r}")
        elif change == "indent" and at < len(lines):
            lines[at] = draw(st.sampled_from([" ", "  ", "\t", "- "])) + lines[at]
    text = "".join(lines)
    if notes:  # too long to show in full: what was inserted, where
        return Described(text, f"<{name} with {', '.join(notes)}: {text[:200]!r}…>")
    return text


def readable(message: str) -> bool:
    return bool(message.strip()) and "Traceback" not in message and " object at 0x" not in message


def load_or_refuse(folder: Path):
    """The flows of the folder, or None when FlowError says, readably, where and why not."""
    with at_most(5):
        try:
            return load_flows([folder])
        except FlowError as exc:
            errors = [p for p in exc.problems if not p.warning]
            assert errors and readable(str(exc))
            for problem in exc.problems:
                assert Path(problem.path).name in {p.name for p in folder.iterdir()}
                assert isinstance(problem.line, int) and problem.line >= 1, problem
                assert readable(problem.message), problem
            return None


def test_any_flow_file_loads_or_fails_with_readable_problems(tmp_path: Path) -> None:
    folders = iter(range(1_000_000))

    @fuzz(200)
    @given(
        files=st.lists(flow_file_texts(), min_size=1, max_size=2),
        replaced=st.sampled_from([None, *sorted(FIXTURE_TEXTS)]),
        data=st.data(),
    )
    def one(files, replaced, data) -> None:
        folder = tmp_path / str(next(folders))
        folder.mkdir()
        for name, text in FIXTURE_TEXTS.items():
            (folder / name).write_text(text, encoding="utf-8")
        names = [replaced or "zz.yaml", *(f"z{i}.yml" for i in range(1, len(files)))]
        for name, content in zip(names, files, strict=False):
            if isinstance(content, bytes):
                (folder / name).write_bytes(content)
            else:
                (folder / name).write_text(content, encoding="utf-8")
        flows = load_or_refuse(folder)
        if flows is not None:  # what the loader accepts, the engine can run
            run_random_conversation(Engine(flows, Catalogs(TESTS / "fixtures")), data)
        shutil.rmtree(folder)

    one()


# 4. The conversation service on a real database.

RESIDENTS = (
    ("sms", "+33600000001", None, False),
    ("telegram", "1001", "fr", True),
    ("whatsapp", "whatsapp:+33600000002", None, False),
)
"""(channel, user id, language the app reports, replies through the outbox)."""


def resident_events(engine: Engine):
    words = [
        *vocabulary(engine),
        *HANDOFF_WALK,
        *("humain", "autre", "oui", "non", "oubli", "langue", "stop", "retour", "donnees"),
    ]
    keys = [f"{f}/{n}" for f, n in waiting_nodes(engine)]
    keys += ["!erase", "!language", "!place", "!consent", "!note", "!leave", "!feedback"]
    keys += [button_token(k) for k in keys]
    saint_denis = st.tuples(st.floats(48.90, 48.96), st.floats(2.30, 2.40))
    return st.one_of(
        st.builds(Text, st.sampled_from(sorted(set(words)))),
        st.builds(Text, odd_text),
        st.builds(Text, long_texts()),
        st.builds(Button, st.sampled_from(keys) | odd_text, st.integers(-2, 12)),
        st.builds(Location, st.floats(-90, 90), st.floats(-180, 180)),
        saint_denis.map(lambda p: Location(*p)),
        st.builds(Media, st.sampled_from(["media", "photo", "voice", "sticker"])),
    )


reply_texts = st.one_of(odd_text, st.just("x" * 2001), st.just("  "), long_texts())


class Scenario:
    """Residents, mediators and redeliveries in a random order, checked after every step."""

    ACTIONS = ("say", "say", "say", "walk", "mediator", "mediator", "again", "together", "wait")
    RUSH = ("walk", "walk", "mediators_at_once", "mediators_at_once", "say", "wait")
    """With `rush`: mostly mediators' requests that overlap, on tickets opened at once."""

    def __init__(self, conversations: Conversations, data, errors: ErrorLog, rush: bool) -> None:
        self.conversations = conversations
        self.conn = conversations.db.conn
        self.engine = conversations.engine
        self.data = data
        self.errors = errors
        self.rush = rush
        """Mediators' requests also overlap (each reads the ticket, then acts)."""
        self.events = resident_events(self.engine)
        self.now = datetime.now(UTC)
        self.delivered: list[tuple[tuple, object, str]] = []
        self.plans: dict[tuple, list[str]] = {}
        self.sent = 0
        self.opened = 0

    async def run(self) -> None:
        actions = self.RUSH if self.rush else self.ACTIONS
        for _ in range(self.data.draw(st.integers(1, 25), label="steps")):
            await getattr(self, self.data.draw(st.sampled_from(actions), label="action"))()
            await check_database(self.conn, self.engine)
            self.errors.check()
        self.opened = await count(self.conn, "SELECT count(*) FROM tickets")

    # Residents.

    async def deliver(self, who: tuple, event, message_id: str | None = None):
        channel, user_id, lang, outbound = who
        if message_id is None:
            self.sent += 1
            message_id = f"m{self.sent}"
            self.delivered.append((who, event, message_id))
        return await self.conversations.handle(
            channel,
            user_id,
            event,
            external_id=message_id,
            now=self.now,
            lang=lang,
            outbound=outbound,
        )

    def answered(self, who: tuple, event, handled) -> None:
        assert not handled.duplicate, f"a new message was taken for a redelivery: {event!r}"
        failures = [r for r in handled.replies if r.text == texts.FAILURE]
        assert not failures, f"an apology for a failure, after {event!r} from {who[0]}"
        if handled.replies or handled.session.hushed:
            return
        relayed = isinstance(event, Text) and clean(event.text) and handled.session.ticket
        assert relayed, f"no reply to {event!r} from {who[0]} at {handled.session}"

    async def say(self) -> None:
        """A resident writes: the next words of their walk to a mediator, mostly, if they are
        on one; else anything."""
        walking = [who for who in RESIDENTS if self.plans.get(who)]
        who = self.data.draw(
            mostly(st.sampled_from(walking), st.sampled_from(RESIDENTS))
            if walking
            else st.sampled_from(RESIDENTS),
            label="resident",
        )
        plan = self.plans.get(who)
        if plan and self.data.draw(st.integers(0, 3), label="follow the walk"):
            event = Text(plan.pop(0))
        else:
            event = self.data.draw(self.events, label="event")
        await self.say_one(who, event)

    async def say_one(self, who: tuple, event) -> None:
        lines = "SELECT count(*) FROM ticket_messages WHERE author = 'resident'"
        before = await count(self.conn, lines)
        handled = await self.deliver(who, event)
        self.answered(who, event, handled)
        if not handled.replies and not handled.session.hushed:
            passed_on = await count(self.conn, lines) == before + 1
            assert passed_on, f"{event!r} was neither answered nor passed on"

    async def walk(self) -> None:
        """A resident sets out to reach a person: all the way at once, or step by step among
        the others' messages (see `say`)."""
        who = self.data.draw(st.sampled_from(RESIDENTS), label="walker")
        if self.rush or self.data.draw(st.booleans(), label="at once"):
            for text in HANDOFF_WALK:
                await self.say_one(who, Text(text))
                await check_database(self.conn, self.engine)
        else:
            self.plans[who] = list(HANDOFF_WALK)

    async def together(self) -> None:
        """Messages that arrive at once (one batch; one person's in their order)."""
        batch = self.data.draw(
            st.lists(st.tuples(st.sampled_from(RESIDENTS), self.events), min_size=2, max_size=4),
            label="batch",
        )
        results = await asyncio.gather(*(self.deliver(who, event) for who, event in batch))
        for (who, event), handled in zip(batch, results, strict=True):
            self.answered(who, event, handled)

    async def again(self) -> None:
        """A channel delivers a message again (same id): nothing changes, nothing is said."""
        if not self.delivered:
            return
        who, event, message_id = self.data.draw(st.sampled_from(self.delivered), label="again")
        if self.data.draw(st.booleans(), label="other content"):
            event = self.data.draw(self.events)
        before = await snapshot(self.conn)
        handled = await self.deliver(who, event, message_id)
        assert handled.duplicate and not handled.replies, f"redelivery of {message_id} answered"
        assert await snapshot(self.conn) == before, f"redelivery of {message_id} changed data"

    async def wait(self) -> None:
        seconds = self.data.draw(st.sampled_from([1, 30, 61, 3600, 25 * 3600]), label="wait")
        self.now += timedelta(seconds=seconds)

    # Mediators.

    def mediator_request(self, ticket_id: int, kind: str):
        """What a mediator sends (drawn before any request runs: draws made in coroutines
        that race would not replay)."""
        name = self.data.draw(st.sampled_from(["Awa", "Paul"]) | odd_text, label="name")
        text = self.data.draw(reply_texts, label="reply") if kind == "reply" else ""
        external = self.data.draw(st.none() | st.sampled_from(["t1", "t2"]), label="id")
        return ticket_id, kind, name, text, external

    async def mediator_action(
        self, ticket_id: int, kind: str, name: str, text: str, external: str | None
    ) -> None:
        """As the inbox does it: read the ticket, then act; refusals are fine."""
        ticket = await tickets.ticket_by_id(self.conn, ticket_id)
        try:
            if kind == "reply":
                seen = external is not None and await count(
                    self.conn,
                    "SELECT count(*) FROM inbound WHERE channel = ? AND external_id = ?",
                    ticket.channel,
                    self.conversations.db.keyed(f"mediator:{external}"),  # stored as hashes
                )
                before = await snapshot(self.conn) if seen and not self.rush else None
                await actions.reply(self.conversations, ticket, name, text, external_id=external)
                if before is not None:
                    assert await snapshot(self.conn) == before, "a redelivered reply changed data"
            elif kind == "claim":
                await actions.claim(self.conversations, ticket, name)
            else:
                await actions.close(self.conversations, ticket, name)
        except actions.TicketError as refused:
            assert str(refused).strip()

    async def pick_ticket(self) -> int | None:
        """A ticket, the newest mostly (drawn as a number, so that the draws do not depend on
        how many exist)."""
        which = self.data.draw(st.integers(0, 50), label="ticket (0: the newest)")
        rows = await self.conn.execute_fetchall("SELECT id FROM tickets ORDER BY id DESC")
        return rows[which % len(rows)][0] if rows else None

    async def mediator(self) -> None:
        ticket_id = await self.pick_ticket()
        kind = self.data.draw(st.sampled_from(["reply", "reply", "claim", "close"]), label="kind")
        request = self.mediator_request(ticket_id, kind)
        if ticket_id is not None:
            await self.mediator_action(*request)

    async def mediators_at_once(self) -> None:
        """Requests in flight together: two mediators' (the inbox, a Telegram group), each
        reading the ticket then acting, and a resident's message. A request drawn as `held`
        reaches its own write transaction only once the others are done: a slow request,
        made deterministic (a race between threads would not replay)."""
        first = await self.pick_ticket()
        second = await self.pick_ticket()
        if self.data.draw(st.booleans(), label="same ticket"):
            second = first
        kinds = self.data.draw(
            st.lists(st.sampled_from(["reply", "claim", "close"]), min_size=2, max_size=2),
            label="kinds",
        )
        requests = [self.mediator_request(first, kinds[0]), self.mediator_request(second, kinds[1])]
        held = self.data.draw(st.lists(st.booleans(), min_size=2, max_size=2), label="held")
        who = self.data.draw(st.sampled_from(RESIDENTS), label="resident")
        event = self.data.draw(self.events, label="event")
        if first is None:
            return
        tasks = [asyncio.create_task(self.mediator_action(*request)) for request in requests]
        resident = asyncio.create_task(self.deliver(who, event))
        others = [t for t, h in zip(tasks, held, strict=True) if not h] + [resident]
        door = HeldDoor(self.conversations.db)
        for task, hold in zip(tasks, held, strict=True):
            if hold:
                door.hold(task, asyncio.gather(*others))
        try:
            await asyncio.gather(*tasks, resident)
        finally:
            door.close()
        self.answered(who, event, resident.result())


class HeldDoor:
    """Holds chosen tasks at the door of the database's write transaction until a future is
    done (the other requests): what a slow request meets, without timing."""

    def __init__(self, db) -> None:
        self.db = db
        self.gates: dict[asyncio.Task, asyncio.Future] = {}
        self.real = db.transaction
        db.transaction = self.transaction

    def hold(self, task: asyncio.Task, until: asyncio.Future) -> None:
        self.gates[task] = until

    @contextlib.asynccontextmanager
    async def transaction(self, **kwargs):
        gate = self.gates.pop(asyncio.current_task(), None)
        if gate is not None:
            await asyncio.wait([gate])
        async with self.real(**kwargs) as conn:
            yield conn

    def close(self) -> None:
        del self.db.transaction  # the class's own method again


class Template:
    """A database with the real places and an organisation for Saint-Denis, copied for each
    example (an import for each would take most of the time)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "template.db"

        async def build() -> Engine:
            relais = await relais_with_places(self.path)
            await relais.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            engine = relais.engine
            await relais.close()
            return engine

        self.engine = asyncio.run(build())

    def copy(self) -> Path:
        path = self.folder / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(self.path, path)
        return path


async def play(template: Template, data, errors: ErrorLog, rush: bool) -> int:
    path = template.copy()
    db = await open_database(path)
    try:
        scenario = Scenario(Conversations(db, template.engine), data, errors, rush)
        await scenario.run()
        return scenario.opened
    finally:
        await db.close()
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()


def conversations_test(tmp_path: Path, examples: int, rush: bool) -> None:
    template = Template(tmp_path)
    opened = []
    with error_log() as errors:

        @fuzz(examples)
        @given(data=st.data())
        def one(data) -> None:
            errors.records.clear()
            opened.append(asyncio.run(play(template, data, errors, rush)))

        one()
    assert sum(opened), "no ticket was ever opened: HANDOFF_WALK no longer reaches a mediator"


def test_conversations_stay_consistent_whatever_the_order(tmp_path: Path) -> None:
    conversations_test(tmp_path, 60, rush=False)


def test_conversations_stay_consistent_when_mediators_act_at_once(tmp_path: Path) -> None:
    conversations_test(tmp_path, 60, rush=True)


# Inputs the properties above found, kept as plain tests: each fails on every run until the
# bug is fixed (a random search may need many runs to meet a rare input again).

FOUND_PLACES_FILES = {
    "a BOM and a line end only: hangs (StopIteration raised in a worker thread)": b"\xef\xbb\xbf\n",
    "a 401-digit integer latitude: OverflowError": (
        b'[{"id": "1", "nom": "x", "latitude": 1' + b"0" * 400 + b', "longitude": 2.3}]'
    ),
    "a 4,301-digit number: ValueError from json.loads": (
        b'[{"id": "1", "nom": "x", "latitude": ' + b"9" * 4301 + b', "longitude": 2.3}]'
    ),
    "100,000 opening brackets: RecursionError": b"[" * 100_000,
    "a GeoJSON geometry that is a string: AttributeError": (
        b'{"features": [{"geometry": "a point"}]}'
    ),
    "GeoJSON properties that are true: TypeError": b'{"features": [{"properties": true}]}',
    "a lone surrogate in services: UnicodeEncodeError in SQLite": (
        b'[{"id": "1", "nom": "x", "latitude": 48.9, "longitude": 2.3, "services": "\\ud800"}]'
    ),
    "France Services hours written as a number: AttributeError": (
        b'[{"id_fs": "1", "lib_fs": "x", "latitude": 48.9, "longitude": 2.3, "h_lundi": 9}]'
    ),
}


@pytest.mark.parametrize("data", list(FOUND_PLACES_FILES.values()), ids=list(FOUND_PLACES_FILES))
def test_places_files_found_by_fuzzing(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "lieux.json"
    path.write_bytes(data)

    async def attempt() -> None:
        db = await open_database(tmp_path / "relais.db")
        try:
            await import_or_refuse(db, path)
            assert await db.conn.execute_fetchall("PRAGMA integrity_check") == [("ok",)]
        finally:
            await db.close()

    with at_most(5):
        asyncio.run(attempt())


FOUND_FLOW_FILES = {
    "600 block mappings one in the other: RecursionError": "".join(
        " " * i + "a:\n" for i in range(600)
    )
    + " " * 600
    + "1\n",
    "600 flow mappings one in the other: RecursionError": "x: " + "{a: " * 600 + "1" + "}" * 600,
    "a 4,301-digit integer: ValueError from int()": "spec_version: " + "9" * 4301 + "\n",
}


@pytest.mark.parametrize("text", list(FOUND_FLOW_FILES.values()), ids=list(FOUND_FLOW_FILES))
def test_flow_files_found_by_fuzzing(tmp_path: Path, text: str) -> None:
    for name, fixture in FIXTURE_TEXTS.items():
        (tmp_path / name).write_text(fixture, encoding="utf-8")
    (tmp_path / "zz.yaml").write_text(text, encoding="utf-8")
    load_or_refuse(tmp_path)


FOUND_TELEGRAM_BODIES = {
    "JSON null": b"null",
    "a JSON array": b"[]",
    "a JSON number": b"1",
    "a date past what time_t holds": json_bytes(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 2**64 - 1,
                "chat": {"id": 1, "type": "private"},
                "text": "bonjour",
            },
        }
    ),
}


def test_telegram_bodies_found_by_fuzzing(tmp_path: Path, bot_api) -> None:
    """With the right secret: 200 or 400, never 500 (all at once: one world to set up)."""
    with Loop() as loop:
        _, client, *_ = telegram_world(loop, tmp_path, bot_api)
        headers = {"x-telegram-bot-api-secret-token": SECRET}
        statuses = {
            name: loop.run(client.post(TELEGRAM_PATH, content=body, headers=headers)).status_code
            for name, body in FOUND_TELEGRAM_BODIES.items()
        }
    assert all(status in (200, 400) for status in statuses.values()), statuses


def test_a_claim_slower_than_a_close_found_by_fuzzing(tmp_path: Path) -> None:
    """A mediator claims a ticket while another closes it; the claim read the ticket (open)
    but reaches its write transaction after the close committed (HeldDoor makes it so). It
    used to leave a closed ticket "claimed", its conversation gone (fixed by 1d03c12)."""

    async def race() -> None:
        relais = await relais_with_places(tmp_path / "relais.db")
        door = HeldDoor(relais.db)
        try:
            for text in HANDOFF_WALK:
                await relais.conversations.handle("sms", RESIDENTS[0][1], Text(text))
            (ticket,) = await tickets.list_tickets(relais.db.conn)
            claim = asyncio.create_task(actions.claim(relais.conversations, ticket, "Awa"))
            close = asyncio.create_task(actions.close(relais.conversations, ticket, "Paul"))
            door.hold(claim, close)
            for outcome in await asyncio.gather(claim, close, return_exceptions=True):
                assert outcome is None or isinstance(outcome, actions.TicketError), outcome
            await check_database(relais.db.conn, relais.engine)
        finally:
            door.close()
            await relais.close()

    asyncio.run(race())
