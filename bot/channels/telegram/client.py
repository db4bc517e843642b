"""The python-telegram-bot Application: one bot client, shared by the residents' channel and
the mediators' desk (`bot/handoff/telegram_desk.py`), for the webhook and for polling."""

from __future__ import annotations

from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot.config import TelegramSettings


def build_application(
    settings: TelegramSettings, *, base_url: str | None = None, webhook: bool = True
) -> Application:
    """The python-telegram-bot Application; with `webhook`, without an updater of its own."""
    builder: ApplicationBuilder = Application.builder().token(settings.token)
    builder = builder.rate_limiter(AIORateLimiter(max_retries=2))
    base_url = base_url or settings.api_url
    if base_url:
        builder = builder.base_url(f"{base_url}/bot").base_file_url(f"{base_url}/file/bot")
    if webhook:
        builder = builder.updater(None)
    return builder.build()
