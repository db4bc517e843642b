"""Telegram as the tests play it: the test bot's token and secret, a person sending
updates, and what the bot sent read back."""

from __future__ import annotations

import time

import httpx

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.updates import TELEGRAM_PATH
from bot.handoff import deliveries
from bot.outbox import Outbox

TOKEN = "123456:" + "A" * 35
SECRET = "s3cret-token_for-tests"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


class Person:
    update_id = 1000

    def __init__(self, chat_id: int, lang: str = "fr", chat_type: str = "private") -> None:
        self.user = {"id": chat_id, "is_bot": False, "first_name": "Amina", "language_code": lang}
        self.chat = {"id": chat_id, "type": chat_type}

    def _next(self) -> int:
        Person.update_id += 1
        return Person.update_id

    def message(self, text: str | None = None, location: tuple | None = None) -> dict:
        uid = self._next()
        message = {
            "message_id": uid,
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
        }
        if location:
            message["location"] = {"latitude": location[0], "longitude": location[1]}
        else:
            message["text"] = text
        return {"update_id": uid, "message": message}

    def press(self, data: str) -> dict:
        uid = self._next()
        bot_message = {"message_id": 1, "date": int(time.time()), "chat": self.chat, "text": "…"}
        return {
            "update_id": uid,
            "callback_query": {
                "id": f"cb{uid}",
                "from": self.user,
                "chat_instance": "1",
                "data": data,
                "message": bot_message,
            },
        }


async def flush(channel: TelegramChannel) -> None:
    """Send what the outbox holds for Telegram (the worker of `relais serve`, by hand)."""
    db = channel.conversations.db
    await Outbox(db, channel.senders(), delivered=deliveries.record).flush()


async def post(client: httpx.AsyncClient, channel: TelegramChannel, update: dict, headers=HEADERS):
    response = await client.post(TELEGRAM_PATH, json=update, headers=headers)
    await flush(channel)
    return response


def buttons(message: dict) -> dict[str, str]:
    rows = message["reply_markup"]["inline_keyboard"]
    return {b["text"]: b.get("callback_data") or b.get("url") for row in rows for b in row}
