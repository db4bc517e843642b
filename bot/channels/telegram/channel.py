"""The Telegram channel for residents, through python-telegram-bot.

One `Application` serves both the webhook (`relais serve`, no updater of its own) and long
polling (`relais poll`). Its handlers turn an update into an engine event and process it
durably (the update id is the message id); the replies go to the outbox, which sends them
in order per chat. Mediators' group chats are the hand-off desk's
(`bot/handoff/telegram_desk.py`), wired on the same Application.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.http import unavailable
from bot.channels.telegram.render import TelegramMessage, render
from bot.channels.telegram.updates import TELEGRAM_PATH, event_of, parse_callback, read_update
from bot.engine import Event, Media, Reply
from bot.handoff.telegram_desk import TelegramDesk
from bot.outbox import Sender, TryLater, Undeliverable, replies_of

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.conversations import Conversations
    from bot.window import Window

log = logging.getLogger(__name__)

CHANNEL = "telegram"


def keyboard(message: TelegramMessage) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    if message.ask_location:
        return ReplyKeyboardMarkup(
            [[KeyboardButton("📍", request_location=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    rows = [[InlineKeyboardButton(label, callback_data=data)] for label, data in message.buttons()]
    if message.link:
        rows.append([InlineKeyboardButton(message.link[0], url=message.link[1])])
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramChannel:
    name = CHANNEL

    def __init__(self, conversations: Conversations, application: Application) -> None:
        self.conversations = conversations
        self.application = application
        self._failed: set[int] = set()
        private = filters.ChatType.PRIVATE
        readable = filters.TEXT | filters.LOCATION
        application.add_handler(MessageHandler(private & readable, self.on_message))
        application.add_handler(
            MessageHandler(private & ~readable & ~filters.StatusUpdate.ALL, self.on_media)
        )
        application.add_handler(CallbackQueryHandler(self.on_button))
        self.desk = TelegramDesk(conversations, application)

    def routes(self, settings: Settings) -> list[BaseRoute]:
        """The webhook, which only Telegram may call (the secret token header)."""
        secret = settings.telegram.secret

        async def webhook(request: Request) -> Response:
            update = await read_update(request, secret, self.application.bot)
            if isinstance(update, Response):
                return update
            await self.application.process_update(update)
            if self.failed(update.update_id):
                return unavailable()
            return PlainTextResponse("ok")

        return [Route(TELEGRAM_PATH, webhook, methods=["POST"])]

    def senders(self) -> dict[str, Sender]:
        """The outbox's senders: residents in private chats, organisations' group chats."""
        return {CHANNEL: self.deliver, **self.desk.senders()}

    def windows(self) -> dict[str, Window]:
        return {}

    async def close(self) -> None:
        await self.application.shutdown()

    async def on_message(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await self.process(update, event_of(update.effective_message))

    async def on_media(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo, a voice message, a sticker…: answered, never ignored."""
        await self.process(update, Media())

    async def on_button(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if update.effective_chat is None:
            return
        if update.effective_chat.type != "private":
            await self._answer(query, await self.desk.on_button(update))
            return
        await self.process(update, parse_callback(query.data))
        await self._answer(query)

    async def process(self, update: Update, event: Event) -> None:
        """Process durably; the replies are queued in the same transaction and sent by the
        outbox, so an answered webhook never loses them, even if Telegram is down."""
        user = update.effective_user
        try:
            await self.conversations.handle(
                CHANNEL,
                str(update.effective_chat.id),
                event,
                external_id=str(update.update_id),
                lang=user.language_code if user else None,
                outbound=True,
            )
        except Exception:
            # The webhook then answers 503, so Telegram delivers the update again.
            self._failed.add(update.update_id)
            raise

    def failed(self, update_id: int) -> bool:
        """Whether processing this update failed (and nothing of it was kept)."""
        if update_id in self._failed:
            self._failed.discard(update_id)
            return True
        return False

    async def _send_one(self, chat_id: int, reply: Reply) -> None:
        bot = self.application.bot
        message = render(reply)
        texts = message.texts()
        markup = keyboard(message)
        for i, text in enumerate(texts):
            last = i == len(texts) - 1
            markup_here = markup if last else None
            await bot.send_message(chat_id=chat_id, text=text, reply_markup=markup_here)
        if message.place:
            place = message.place
            await bot.send_venue(
                chat_id=chat_id,
                latitude=place.latitude,
                longitude=place.longitude,
                title=place.title,
                address=place.address or place.title,
            )

    # -- later messages, from the outbox ------------------------------------------------------

    async def deliver(self, user_id: str, payload: list[dict]) -> None:
        try:
            for reply in replies_of(payload):
                await self._send_one(int(user_id), reply)
        except Forbidden:
            await self.conversations.set_stopped(CHANNEL, user_id, True)
            raise Undeliverable("la personne a bloqué le bot Telegram") from None
        except BadRequest as exc:
            raise Undeliverable(f"Telegram a refusé : {exc.message}") from None
        except (TimedOut, NetworkError, RetryAfter) as exc:
            raise TryLater(f"Telegram injoignable : {exc}") from None

    async def _answer(self, query, text: str | None = None) -> None:
        """Stops the spinner on the pressed button (with a short notice in groups)."""
        try:
            await query.answer(text)
        except (BadRequest, NetworkError):
            log.info("a button press could not be acknowledged (it was too old)")
