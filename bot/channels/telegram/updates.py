"""What arrives from Telegram, as engine events: messages, locations, button presses; and a
webhook body checked before python-telegram-bot reads it."""

from __future__ import annotations

import hmac
import json
import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from telegram import Bot, Update

from bot.channels.http import MAX_BODY
from bot.channels.telegram.checks import BadUpdate, check_update
from bot.engine import Button, Event, Location, Media, Text
from bot.web.bodies import read_body

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/webhooks/telegram"


def parse_callback(data: str | None) -> Button:
    token, _, index = (data or "").partition(":")
    return Button(token, int(index)) if index.isdigit() else Button("stale", -1)


def event_of(message) -> Event:
    """The engine event of a message; a forged update with odd types is unreadable media."""
    if message.location is not None:
        try:
            lat, lon = float(message.location.latitude), float(message.location.longitude)
        except (TypeError, ValueError):
            return Media()
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return Location(lat, lon)
        return Media()
    return Text(message.text) if isinstance(message.text, str) else Media()


async def read_update(request: Request, secret: str, bot: Bot) -> Update | Response:
    """The update of a webhook call, or the answer refusing it (wrong secret, too large,
    not an update Telegram would send)."""
    given = request.headers.get("x-telegram-bot-api-secret-token", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return PlainTextResponse("forbidden", status_code=403)
    body = await read_body(request, MAX_BODY)
    if body is None:
        return PlainTextResponse("too large", status_code=413)
    try:
        data = json.loads(body)
        check_update(data)
        update = Update.de_json(data, bot)
    except BadUpdate as exc:
        log.warning("a Telegram update was refused (400): %s", exc)
        return PlainTextResponse(f"bad update: {exc}", status_code=400)
    except (
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        OverflowError,
        RecursionError,
        OSError,
    ) as exc:
        log.warning("a Telegram webhook body could not be read (400): %s", type(exc).__name__)
        return PlainTextResponse("bad update", status_code=400)
    if update is None:
        return PlainTextResponse("bad update", status_code=400)
    return update
