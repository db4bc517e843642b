"""Fuzzing the HTTP endpoints (hypothesis): the Twilio and Telegram webhooks, /healthz and
any method on any path, with random bytes, Unicode, JSON, forms, headers and Telegram
updates. Never a 500, nothing logged as an error, the database consistent.

Hypothesis does not run async tests: each test runs an event loop of its own. The number of
examples and the CI profile: tests/support/fuzzing.py and tests/conftest.py.
"""

from __future__ import annotations

import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from bot.channels.telegram import TelegramChannel, build_application, callback_data
from bot.config import TelegramSettings, TwilioSettings
from bot.engine import Engine, Text
from bot.outbox import Outbox
from bot.web.app import MAX_BODY, TELEGRAM_PATH, TWILIO_PATH, create_app
from tests.support.fuzzing import (
    GROUP,
    HANDOFF_WALK,
    Loop,
    asgi_client,
    check_database,
    count,
    error_log,
    fuzz,
    relais_with_places,
)
from tests.support.random_conversations import waiting_nodes
from tests.support.strategies import (
    METHODS,
    ascii_text,
    content_types,
    declared_too_large,
    json_bytes,
    json_values,
    length_lies,
    long_texts,
    lying_headers,
    odd_text,
    raw_bodies,
    token_text,
)
from tests.support.telegram import SECRET
from tests.support.telegram import TOKEN as TELEGRAM_TOKEN
from tests.support.twilio import PUBLIC, SID
from tests.support.twilio import TOKEN as TWILIO_TOKEN
from tests.support.twilio import URL as TWILIO_URL

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
    odd_numbers = st.sampled_from([10**12, -(10**12), 10**400, 1e308, 1.5, True, "12", None])
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
        out = {"message_id": message_id, "date": date, **content}
        if chat is not None:  # (a message without a chat: no one to answer)
            out["chat"] = chat
        if user is not None:
            out["from"] = user
        if reply_to is not None:
            out["reply_to_message"] = {"message_id": reply_to, "date": 0, "chat": chat, "text": "…"}
        return out

    messages = st.builds(
        message,
        big,
        st.integers(0, 2**32) | big | odd_numbers,  # dates no clock can hold
        chats | st.none(),
        users,
        contents,
        st.none() | st.sampled_from(posts or [1]) | big,
    )
    datas = st.one_of(
        st.none(),
        odd_text,
        json_values,  # callback data that is not text
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
    ids = st.integers(0, 2**31) | big | odd_numbers | json_values  # lists, objects, 400 digits
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


# Inputs the property above found, kept as plain tests: each fails on every run until the
# bug is fixed (a random search may need many runs to meet a rare input again).

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
