"""No 5xx, whatever arrives: odd Telegram updates (update ids that are lists or 400 digits,
dates no clock can hold, callback data that is not text, a message without a chat), and
Origin or Referer headers that are not URLs on the inbox's forms. Each gets a 4xx or is
quietly ignored, and is logged in one line: never a 500, never a traceback in the log."""

from __future__ import annotations

import copy
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from bot.app import start
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.client import build_application
from bot.channels.telegram.updates import TELEGRAM_PATH
from bot.channels.twilio.sender import STATUS_PATH
from bot.channels.twilio.webhook import TWILIO_PATH
from bot.config import Settings, TelegramSettings, TwilioSettings
from bot.handoff.mediators import add_mediator, set_organisation
from bot.web.app import create_app
from tests.conftest import start_serve, stop_serve
from tests.support.fuzzing import asgi_client
from tests.support.inbox import A_LOGIN, PASSWORD, csrf_of
from tests.support.telegram import SECRET, TOKEN
from tests.support.twilio import PUBLIC, SID, signed, sms
from tests.support.twilio import TOKEN as TWILIO_TOKEN

CHAT = {"id": 7001, "type": "private", "first_name": "Amina"}
USER = {"id": 7001, "is_bot": False, "first_name": "Amina", "language_code": "fr"}
MESSAGE = {"message_id": 1, "date": 1764763200, "chat": CHAT, "from": USER, "text": "bonjour"}
PRESS = {"id": "q1", "chat_instance": "1", "from": USER, "data": "x:1", "message": MESSAGE}


def update(update_id=1, where: str = "message", **changes) -> dict:
    body = copy.deepcopy(MESSAGE if where != "callback_query" else PRESS)
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return {"update_id": update_id, where: body}


ODD_UPDATES = {
    "update_id a list": update([1]),
    "update_id an object": update({"a": 1}),
    "update_id of 30 digits": update(10**30),
    "update_id of 400 digits": update(10**400),
    "update_id a string": update("12"),
    "update_id a float": update(1.5),
    "update_id true": update(True),
    "update_id null": update(None),
    "no update_id": {"message": MESSAGE},
    "a date in the year 33658": update(2, date=10**12),
    "a date before year 1": update(3, date=-(10**12)),
    "a date of 1e308": update(4, date=1e308),
    "a date as text": update(5, date="2026-12-03"),
    "callback data a number": update(6, "callback_query", data=12),
    "callback data an object": update(7, "callback_query", data={"a": 1}),
    "callback data a list": update(8, "callback_query", data=["x", 1]),
    "callback data true": update(9, "callback_query", data=True),
    "a press without a message": update(10, "callback_query", message=None),
    "a message without a chat": update(11, chat=None),
    "a message without a sender": update(12, **{"from": None}),
    "a chat id that is text": update(13, chat={"id": "abc", "type": "private"}),
    "a chat id of 400 digits": update(14, chat={"id": 10**400, "type": "private"}),
    "a chat without a type": update(15, chat={"id": 7001}),
    "text that is a number": update(16, text=12),
    "an edited message without a chat": update(17, "edited_message", chat=None),
}


class Lines(logging.Handler):
    """What Relais and its libraries log at WARNING or above."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def check(self) -> None:
        for record in self.records:
            assert record.levelno < logging.ERROR, f"logged as an error: {record.getMessage()}"
            assert record.exc_info is None, f"a traceback was logged: {record.getMessage()}"
            assert "\n" not in record.getMessage(), f"more than one line: {record.getMessage()}"


@pytest.fixture
def lines():
    handler = Lines()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


@pytest.fixture
async def world(tmp_path: Path, bot_api):
    settings = Settings(
        db=str(tmp_path / "relais.db"),
        public_url=PUBLIC,
        telegram=TelegramSettings(TOKEN, SECRET),
        twilio=TwilioSettings(SID, TWILIO_TOKEN, "+33700000000"),
        log_level="WARNING",
    )
    relais = await start(settings)
    await set_organisation(relais.db, "Association A")
    await add_mediator(relais.db, A_LOGIN, "Marie", "Association A", PASSWORD)
    application = build_application(settings.telegram, base_url=bot_api.base_url)
    await application.initialize()
    channel = TelegramChannel(relais.conversations, application)
    client = asgi_client(create_app(relais, channel), base_url=PUBLIC)
    yield client
    await client.aclose()
    await application.shutdown()
    await relais.close()


async def test_odd_telegram_updates_get_no_server_error(world, lines) -> None:
    """All in one world (setting one up is the slow part); every case is reported."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    statuses = {}
    for name, body in ODD_UPDATES.items():
        response = await world.post(TELEGRAM_PATH, content=json.dumps(body), headers=headers)
        statuses[name] = response.status_code
    wrong = {name: status for name, status in statuses.items() if status not in (200, 400)}
    assert not wrong, wrong
    assert (await world.get("/healthz")).status_code == 200
    lines.check()


ODD_STATUSES = {
    "an unknown message": {"MessageSid": "SM" + "9" * 32, "MessageStatus": "delivered"},
    "a status of 500 letters": {"MessageSid": "SM1", "MessageStatus": "x" * 500},
    "an error code that is no number": {"MessageSid": "SM1", "ErrorCode": "abc"},
    "no message id": {"MessageStatus": "failed", "ErrorCode": "30003"},
    "nothing": {},
}
"""Twilio status callbacks, signed, that Twilio would not send."""


def signed_for(path: str, fields: dict) -> dict[str, str]:
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC + path, fields)
    return {"X-Twilio-Signature": signature}


async def test_odd_twilio_status_callbacks_get_no_server_error(world, lines) -> None:
    statuses = {}
    for name, fields in ODD_STATUSES.items():
        headers = signed_for(STATUS_PATH, fields)
        statuses[name] = (await world.post(STATUS_PATH, data=fields, headers=headers)).status_code
    assert all(status < 500 for status in statuses.values()), statuses
    lines.check()


NOT_URLS = ["http://[::1", "http://[", "https://a:99999999999999999999", "null", "://", "[::1]"]


@pytest.mark.parametrize("header", ["Origin", "Referer"])
async def test_inbox_posts_with_an_origin_that_is_no_url_are_refused(world, lines, header) -> None:
    for value in NOT_URLS:
        form = await world.get("/mediateurs/connexion")
        data = {"csrf": csrf_of(form.text), "identifiant": A_LOGIN, "mot_de_passe": PASSWORD}
        response = await world.post("/mediateurs/connexion", data=data, headers={header: value})
        assert response.status_code == 403, (value, response.status_code)
        for path in ("/mediateurs/deconnexion", "/mediateurs/demandes/R-AAAA/repondre"):
            odd = await world.post(path, data={"csrf": "x"}, headers={header: value})
            assert 400 <= odd.status_code < 500 or odd.status_code == 303, (value, path)
    lines.check()


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_real_relais_serve_answers_odd_inputs_without_a_traceback(
    tmp_path: Path, bot_api
) -> None:
    log = tmp_path / "serve.log"
    env = {
        "RELAIS_TELEGRAM_TOKEN": TOKEN,
        "RELAIS_TELEGRAM_SECRET": SECRET,
        "RELAIS_TELEGRAM_API_URL": bot_api.base_url,
        "RELAIS_PUBLIC_URL": PUBLIC,
        "RELAIS_TWILIO_ACCOUNT_SID": SID,
        "RELAIS_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "RELAIS_TWILIO_SENDER": "+33700000000",
    }
    with log.open("w") as stderr:
        process, port = start_serve(tmp_path / "relais.db", env, stderr=stderr)
        base = f"http://127.0.0.1:{port}"
        try:
            statuses = {}
            telegram = {
                "X-Telegram-Bot-Api-Secret-Token": SECRET,
                "Content-Type": "application/json",
            }
            for name, body in ODD_UPDATES.items():
                statuses[name] = post(base + TELEGRAM_PATH, json.dumps(body).encode(), telegram)
            params = sms("bonjour", "SM1", NumMedia="abc", Latitude="1e400", Longitude="x")
            form = urllib.parse.urlencode(params).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", **signed(params)}
            statuses["twilio odd fields"] = post(base + TWILIO_PATH, form, headers)
            for name, fields in ODD_STATUSES.items():
                body = urllib.parse.urlencode(fields).encode()
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
                headers |= signed_for(STATUS_PATH, fields)
                statuses[f"status {name}"] = post(base + STATUS_PATH, body, headers)
            for value in NOT_URLS:
                statuses[f"Origin {value}"] = post(
                    base + "/mediateurs/connexion",
                    b"csrf=x&identifiant=a&mot_de_passe=b",
                    {"Origin": value, "Content-Type": "application/x-www-form-urlencoded"},
                )
        finally:
            stop_serve(process)
    assert all(status < 500 for status in statuses.values()), statuses
    written = log.read_text()
    assert "Traceback" not in written, written
