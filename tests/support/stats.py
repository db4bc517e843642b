"""Residents for the statistics tests: Telegram messages through the real service, each
delivered twice when asked (as a channel that retries), and the figures page's browser."""

from __future__ import annotations

from itertools import count
from pathlib import Path

from bot.conversations import Conversations
from bot.engine import Text
from tests.conftest import NOON

SHOTS = Path(__file__).parents[2] / "build" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
_sent = count()


async def say(conversations: Conversations, user: str, text: str, at=NOON, *, twice=True):
    """A Telegram message, delivered twice when `twice` (the channel retried it)."""
    message_id = f"{user}:{next(_sent)}"
    first = await conversations.handle("telegram", user, Text(text), external_id=message_id, now=at)
    if twice:
        again = await conversations.handle(
            "telegram", user, Text(text), external_id=message_id, now=at
        )
        assert again.duplicate
    return first
