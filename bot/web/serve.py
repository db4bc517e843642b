"""`relais serve`, `relais poll` and `relais webhook set`: the channels in production."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from bot.app import Relais
from bot.config import ConfigError, load_settings
from bot.store.address import SQLITE, parse_address
from bot.store.leases import release_all
from bot.store.owner import hold_serving_lock


def register(commands: argparse._SubParsersAction, db_option: Callable) -> None:
    serve_parser = commands.add_parser(
        "serve", help="the HTTP service: webhooks, mediators' inbox, health"
    )
    serve_parser.add_argument(
        "--listen", metavar="HOST:PORT", help="default: RELAIS_LISTEN or 127.0.0.1:8000"
    )
    db_option(serve_parser)
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


async def serve(relais: Relais) -> None:
    """One process: health, the Telegram webhook and the Twilio webhook, as configured."""
    import uvicorn

    from bot.channels.telegram import TelegramChannel, build_application
    from bot.channels.twilio import TwilioSender
    from bot.web.app import create_app

    settings = relais.settings
    served = parse_address(settings.db)
    if served.dialect == SQLITE:
        if served.location != ":memory:":
            hold_serving_lock(Path(served.location))  # (PostgreSQL: any number of workers)
        # The only server of this file: what a killed one had claimed goes at once.
        await release_all(relais.db)
    telegram = None
    senders = {}
    if settings.telegram is not None:
        if not settings.telegram.secret:
            raise ConfigError("RELAIS_TELEGRAM_SECRET is required to serve the Telegram webhook")
        application = build_application(settings.telegram)
        await application.initialize()
        telegram = TelegramChannel(relais.conversations, application)
        senders.update(telegram.senders())
    if settings.twilio is not None and not settings.public_url:
        raise ConfigError("RELAIS_PUBLIC_URL is required to check Twilio's signatures")
    twilio = None
    windows = {}
    if settings.twilio is not None:
        twilio = TwilioSender(
            settings.twilio,
            relais.conversations,
            budget=settings.sms_segments,
            public_url=settings.public_url,
        )
        senders.update(twilio.senders())
        windows.update(twilio.windows())
    # uvicorn re-raises SIGTERM once it has stopped serving: make that a clean exit, so the
    # cleanup below runs (a container stop sends SIGTERM).
    signal.signal(signal.SIGTERM, _stop)
    host, port = settings.listen
    config = uvicorn.Config(
        create_app(relais, telegram), host=host, port=port, log_level=settings.log_level.lower()
    )
    try:
        async with relais.outbox(senders, windows), relais.reminders():
            await uvicorn.Server(config).serve()
    finally:
        if telegram is not None:
            await telegram.application.shutdown()
        if twilio is not None:
            await twilio.close()


def _stop(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


async def poll(relais: Relais) -> None:
    """Telegram by long polling, for a developer without a public address."""
    from bot.channels.telegram import TelegramChannel, build_application

    if relais.settings.telegram is None:
        raise ConfigError("RELAIS_TELEGRAM_TOKEN is missing: create a bot with @BotFather")
    application = build_application(relais.settings.telegram, webhook=False)
    channel = TelegramChannel(relais.conversations, application)
    async with application, relais.outbox(channel.senders()):
        await application.bot.delete_webhook()
        await application.updater.start_polling()
        await application.start()
        print("Polling Telegram; Ctrl-C to stop.", file=sys.stderr)
        try:
            await asyncio.Event().wait()
        finally:
            await application.updater.stop()
            await application.stop()


async def webhook_set() -> int:
    from bot.channels.telegram import build_application
    from bot.channels.telegram_setup import register_languages
    from bot.i18n import Catalogs
    from bot.web.app import TELEGRAM_PATH

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
    from bot.channels.telegram import build_application
    from bot.channels.telegram_setup import register_languages
    from bot.i18n import Catalogs

    settings = load_settings()
    if settings.telegram is None:
        raise ConfigError("RELAIS_TELEGRAM_TOKEN is missing: create a bot with @BotFather")
    async with build_application(settings.telegram) as application:
        languages = await register_languages(application.bot, Catalogs())
    print(f"Commands and descriptions set for: {', '.join(languages)}")
    return 0
