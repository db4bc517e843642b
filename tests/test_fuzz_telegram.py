"""Fuzzing the Telegram webhook (hypothesis): updates shaped like Telegram's and some that
are not (update ids that are lists or 400 digits, dates no clock holds, callback data that is
not text, messages without a chat), random JSON and bytes. 200 or 400, never a 500, nothing
logged as an error, the database consistent.

Hypothesis does not run async tests: each test runs an event loop of its own. The number of
examples and the CI profile: tests/support/fuzzing.py and tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.channels.http import MAX_BODY
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.client import build_application
from bot.channels.telegram.render import callback_data
from bot.channels.telegram.updates import TELEGRAM_PATH
from bot.config import TelegramSettings
from bot.engine import Engine, Text
from bot.handoff import deliveries
from bot.outbox import Outbox
from bot.web.app import create_app
from tests.support.fuzzing import (
    GROUP,
    HANDOFF_WALK,
    Loop,
    asgi_client,
    check_database,
    error_log,
    fuzz,
    relais_with_places,
)
from tests.support.random_conversations import waiting_nodes
from tests.support.strategies import (
    content_types,
    declared_too_large,
    json_bytes,
    json_values,
    length_lies,
    lying_headers,
    odd_text,
    raw_bodies,
    token_text,
)
from tests.support.telegram import SECRET
from tests.support.telegram import TOKEN as TELEGRAM_TOKEN

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
    outbox = Outbox(relais.db, channel.senders(), delivered=deliveries.record)
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
