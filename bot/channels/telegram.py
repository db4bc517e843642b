"""Telegram through python-telegram-bot: replies as messages with buttons, updates as events.

One `Application` serves both the webhook (`relais serve`, no updater of its own) and long
polling (`relais poll`). Its handlers turn an update into an engine event, process it
durably (the update id is the message id), then send the replies in the background, in
order per chat, so the webhook answers at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.bidi import for_display
from bot.config import TelegramSettings
from bot.conversations import Conversations
from bot.engine import Button, Event, Location, Media, Reply, Text
from bot.engine.events import button_token
from bot.flows.check import TELEGRAM_MAX_TEXT

log = logging.getLogger(__name__)

CHANNEL = "telegram"
SEND_ATTEMPTS = 4


def callback_data(key: str, index: int) -> str:
    """Opaque and short (Telegram allows 64 bytes): the question's token and the choice."""
    return f"{button_token(key)}:{index}"


def parse_callback(data: str | None) -> Button:
    token, _, index = (data or "").partition(":")
    return Button(token, int(index)) if index.isdigit() else Button("stale", -1)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    if reply.ask_location:
        return ReplyKeyboardMarkup(
            [[KeyboardButton("📍", request_location=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    rows = [
        [InlineKeyboardButton(label, callback_data=callback_data(reply.key or "", i))]
        for i, label in enumerate(reply.choices)
    ]
    if reply.link:
        rows.append([InlineKeyboardButton(reply.link[0], url=reply.link[1])])
    return InlineKeyboardMarkup(rows) if rows else None


def pieces(text: str, limit: int = TELEGRAM_MAX_TEXT) -> list[str]:
    """Texts over Telegram's limit, cut at line ends."""
    out: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        out.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*out, text]


class TelegramChannel:
    def __init__(self, conversations: Conversations, application: Application) -> None:
        self.conversations = conversations
        self.application = application
        self._chat_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._sending: set[asyncio.Task] = set()
        private = filters.ChatType.PRIVATE
        readable = filters.TEXT | filters.LOCATION
        application.add_handler(MessageHandler(private & readable, self.on_message))
        application.add_handler(
            MessageHandler(private & ~readable & ~filters.StatusUpdate.ALL, self.on_media)
        )
        application.add_handler(CallbackQueryHandler(self.on_button))

    async def on_message(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        event: Event
        if message.location is not None:
            event = Location(message.location.latitude, message.location.longitude)
        else:
            event = Text(message.text or "")
        await self.process(update, event)

    async def on_media(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo, a voice message, a sticker…: answered, never ignored."""
        await self.process(update, Media())

    async def on_button(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if update.effective_chat is None or update.effective_chat.type != "private":
            return
        await self.process(update, parse_callback(query.data))
        try:
            await query.answer()
        except (BadRequest, NetworkError):
            log.info("a button press could not be acknowledged (it was too old)")

    async def process(self, update: Update, event: Event) -> None:
        user = update.effective_user
        chat_id = update.effective_chat.id
        handled = await self.conversations.handle(
            CHANNEL,
            str(chat_id),
            event,
            external_id=str(update.update_id),
            lang=user.language_code if user else None,
        )
        if handled.replies:
            task = asyncio.create_task(self.send(chat_id, handled.replies))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for the replies being sent (in tests), or at shutdown for `timeout` seconds
        at most: what is still queued then is logged as not sent."""
        try:
            async with asyncio.timeout(timeout):
                while self._sending:
                    await asyncio.gather(*list(self._sending), return_exceptions=True)
        except TimeoutError:
            log.error("shutting down with %d chats' replies not sent", len(self._sending))
            for task in list(self._sending):
                task.cancel()

    async def send(self, chat_id: int, replies: Sequence[Reply]) -> None:
        """Send in order; a person who blocked the bot is marked as stopped."""
        async with self._chat_locks[chat_id]:
            try:
                for reply in replies:
                    await self._send_one(chat_id, reply)
            except Forbidden:
                log.info("a Telegram user blocked the bot: marked as stopped")
                await self.conversations.set_stopped(CHANNEL, str(chat_id), True)

    async def _send_one(self, chat_id: int, reply: Reply) -> None:
        bot = self.application.bot
        texts = pieces(for_display(reply.text, reply.lang))
        markup = keyboard(reply)
        for i, text in enumerate(texts):
            last = i == len(texts) - 1
            markup_here = markup if last else None
            await self._retry(
                bot.send_message, chat_id=chat_id, text=text, reply_markup=markup_here
            )
        if reply.place:
            place = reply.place
            await self._retry(
                bot.send_venue,
                chat_id=chat_id,
                latitude=place.latitude,
                longitude=place.longitude,
                title=place.title,
                address=place.address or place.title,
            )

    async def _retry(self, call, **kwargs) -> None:
        """Network trouble and 5xx are retried with backoff; 429 waits as Telegram asks."""
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                await call(**kwargs)
                return
            except RetryAfter as exc:
                delay = exc.retry_after if isinstance(exc.retry_after, int | float) else 1
            except (TimedOut, NetworkError) as exc:
                if isinstance(exc, BadRequest | Forbidden) or attempt == SEND_ATTEMPTS:
                    raise
                delay = 0.5 * 2**attempt
            await asyncio.sleep(float(delay))
        log.error("Telegram did not take a message after %d attempts", SEND_ATTEMPTS)


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
