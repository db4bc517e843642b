"""Telegram for residents, through python-telegram-bot.

`render.py` (a reply → text, buttons, map pin), `updates.py` (the webhook body checked, an
update → event), `checks.py` (what an update must look like), `client.py` (the bot client,
shared with the mediators' desk in `bot/handoff/telegram_desk.py`), `channel.py` (handlers,
the webhook route, the outbox's sender), `setup.py` (description and `/` menu per language),
`commands.py` (`relais poll`, `relais webhook set`, `relais telegram setup`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels.base import Registration, View
from bot.channels.telegram.render import console_view, simulate_view
from bot.config import ConfigError

if TYPE_CHECKING:
    from bot.app import Relais
    from bot.channels.base import Channel
    from bot.config import Settings


def _configured(settings: Settings) -> bool:
    return settings.telegram is not None


async def _open(relais: Relais) -> Channel:
    from bot.channels.telegram.channel import TelegramChannel
    from bot.channels.telegram.client import build_application

    settings = relais.settings
    if not settings.telegram.secret:
        raise ConfigError("RELAIS_TELEGRAM_SECRET is required to serve the Telegram webhook")
    application = build_application(settings.telegram)
    await application.initialize()
    return TelegramChannel(relais.conversations, application)


REGISTRATION = Registration(
    name="telegram",
    configured=_configured,
    open=_open,
    views={"telegram": View(console_view, simulate_view)},
)
