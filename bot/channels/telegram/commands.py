"""Telegram's own commands: `relais poll` (long polling, no public address), `relais webhook
set` and `relais telegram setup` (what Telegram shows before the first message)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.config import ConfigError, load_settings

if TYPE_CHECKING:
    from bot.app import Relais


def register(commands: argparse._SubParsersAction, db_option: Callable) -> None:
    poll_parser = commands.add_parser("poll", help="Telegram by long polling (no public URL)")
    db_option(poll_parser)
    webhook = commands.add_parser("webhook", help="Telegram webhook registration")
    webhook_commands = webhook.add_subparsers(dest="webhook_command", required=True)
    webhook_commands.add_parser(
        "set", help="register RELAIS_PUBLIC_URL and the secret, the commands and descriptions"
    )
    telegram = commands.add_parser("telegram", help="Telegram bot profile")
    telegram_commands = telegram.add_subparsers(dest="telegram_command", required=True)
    telegram_commands.add_parser(
        "setup", help="the bot's description and / menu in each language (no webhook)"
    )


async def poll(relais: Relais) -> None:
    """Telegram by long polling, for a developer without a public address."""
    from bot.channels.telegram.channel import TelegramChannel
    from bot.channels.telegram.client import build_application

    if relais.settings.telegram is None:
        raise ConfigError("RELAIS_TELEGRAM_TOKEN is missing: create a bot with @BotFather")
    application = build_application(relais.settings.telegram, webhook=False)
    channel = TelegramChannel(relais.conversations, application)
    async with application, relais.outbox(channel.senders()):
        await application.bot.delete_webhook()
        await application.updater.start_polling()
        await application.start()
        print("Polling Telegram; Ctrl-C to stop.", file=sys.stderr)
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError):  # (Windows: Ctrl-C only)
            loop.add_signal_handler(signal.SIGTERM, stopped.set)  # a service manager's stop
        try:
            await stopped.wait()  # or Ctrl-C, which cancels this wait
        finally:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(signal.SIGTERM)
            await application.updater.stop()
            await application.stop()


async def webhook_set() -> int:
    from bot.channels.telegram.client import build_application
    from bot.channels.telegram.setup import register_languages
    from bot.channels.telegram.updates import TELEGRAM_PATH
    from bot.i18n import Catalogs

    settings = load_settings()
    if settings.telegram is None or not settings.telegram.secret:
        raise ConfigError("RELAIS_TELEGRAM_TOKEN and RELAIS_TELEGRAM_SECRET are required")
    if not settings.public_url.startswith("https://"):
        raise ConfigError("RELAIS_PUBLIC_URL must be the public https address of relais serve")
    application = build_application(settings.telegram)
    url = settings.public_url + TELEGRAM_PATH
    async with application:
        await application.bot.set_webhook(
            url=url,
            secret_token=settings.telegram.secret,
            allowed_updates=["message", "callback_query"],
        )
        languages = await register_languages(application.bot, Catalogs())
    print(f"Telegram will call {url}")
    print(f"Commands and descriptions set for: {', '.join(languages)}")
    return 0


async def telegram_setup() -> int:
    """The description and `/` menu in each language, for a bot served by long polling too."""
    from bot.channels.telegram.client import build_application
    from bot.channels.telegram.setup import register_languages
    from bot.i18n import Catalogs

    settings = load_settings()
    if settings.telegram is None:
        raise ConfigError("RELAIS_TELEGRAM_TOKEN is missing: create a bot with @BotFather")
    async with build_application(settings.telegram) as application:
        languages = await register_languages(application.bot, Catalogs())
    print(f"Commands and descriptions set for: {', '.join(languages)}")
    return 0
