"""What a Telegram update must look like before python-telegram-bot reads it.

Telegram itself sends well-formed updates; anything else at the webhook (a forged body that
knows the secret, a proxy's mangling) must get a 400 and one line in the log, not a crash
deep in a handler: an update id that is a list cannot be remembered, a date in the year
33658 cannot be a datetime, callback data that is a number cannot be split, a message
without a chat has no one to answer.
"""

from __future__ import annotations

MESSAGE_KEYS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_message",
    "edited_business_message",
)
MAX_ID = 2**63 - 1
"""Telegram's ids fit in 64 bits (SQLite's integers too)."""
MAX_DATE = 253_402_300_799
"""9999-12-31 23:59:59 UTC, the last second a datetime holds."""
MAX_DEPTH = 3
"""A reply to a reply to a reply: deeper is no update Telegram sends."""


class BadUpdate(ValueError):
    """The update is not one Telegram would send; the message says which field."""


def check_update(data: object) -> None:
    """Raise BadUpdate naming the first field that Telegram would never send like this."""
    if not isinstance(data, dict):
        raise BadUpdate("an update is a JSON object")
    _number(data.get("update_id"), "update_id", 0)
    for key in MESSAGE_KEYS:
        if key in data:
            _message(data[key], key, 0)
    if "callback_query" in data:
        _callback(data["callback_query"])


def _number(value: object, name: str, low: int = -MAX_ID, high: int = MAX_ID) -> None:
    if type(value) is not int or not low <= value <= high:
        raise BadUpdate(f"{name} is not a number Telegram would send")


def _user(user: object, where: str) -> None:
    if not isinstance(user, dict):
        raise BadUpdate(f"{where} is not an object")
    _number(user.get("id"), f"{where}.id")


def _message(message: object, where: str, depth: int) -> None:
    if not isinstance(message, dict):
        raise BadUpdate(f"{where} is not an object")
    if depth > MAX_DEPTH:
        raise BadUpdate(f"{where} nests too deep")
    _number(message.get("message_id"), f"{where}.message_id")
    _number(message.get("date"), f"{where}.date", 0, MAX_DATE)
    chat = message.get("chat")
    if not isinstance(chat, dict):
        raise BadUpdate(f"{where} has no chat")
    _number(chat.get("id"), f"{where}.chat.id")
    if not isinstance(chat.get("type"), str):
        raise BadUpdate(f"{where}.chat has no type")
    if "from" in message:
        _user(message["from"], f"{where}.from")
    for text_field in ("text", "caption"):
        if text_field in message and not isinstance(message[text_field], str):
            raise BadUpdate(f"{where}.{text_field} is not text")
    if message.get("reply_to_message") is not None:
        _message(message["reply_to_message"], f"{where}.reply_to_message", depth + 1)


def _callback(query: object) -> None:
    if not isinstance(query, dict):
        raise BadUpdate("callback_query is not an object")
    if not isinstance(query.get("id"), str):
        raise BadUpdate("callback_query.id is not text")
    _user(query.get("from"), "callback_query.from")
    if "data" in query and not isinstance(query["data"], str):
        raise BadUpdate("callback_query.data is not text")
    if query.get("message") is not None:
        _message(query["message"], "callback_query.message", 0)
