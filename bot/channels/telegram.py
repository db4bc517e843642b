"""Telegram through python-telegram-bot: replies as messages with buttons, updates as events.

One `Application` serves both the webhook (`relais serve`, no updater of its own) and long
polling (`relais poll`). Its handlers turn an update into an engine event and process it
durably (the update id is the message id); the replies go to the outbox, which sends them
in order per chat. Mediators work in their organisation's group chat: buttons on a ticket's
post, and replies to its posts.
"""

from __future__ import annotations

import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import TelegramSettings
from bot.conversations import Conversations
from bot.display.bidi import for_display
from bot.display.telegram import pieces
from bot.engine import Button, Event, Location, Media, Reply, Text
from bot.engine.events import button_token
from bot.handoff import actions, audit, tickets
from bot.handoff.mediators import organisation_by_chat
from bot.handoff.relay import CLAIM, CLOSE
from bot.outbox import CHAT, Sender, TryLater, Undeliverable, replies_of

log = logging.getLogger(__name__)

CHANNEL = "telegram"


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


class TelegramChannel:
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
        groups = filters.ChatType.GROUPS
        application.add_handler(MessageHandler(groups & filters.TEXT, self.on_chat_message))

    def senders(self) -> dict[str, Sender]:
        """The outbox's senders: residents in private chats, organisations' group chats."""
        return {CHANNEL: self.deliver, CHAT: self.post}

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
            await self.on_ticket_button(update)
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
        texts = pieces(for_display(reply.text, reply.lang))
        markup = keyboard(reply)
        for i, text in enumerate(texts):
            last = i == len(texts) - 1
            markup_here = markup if last else None
            await bot.send_message(chat_id=chat_id, text=text, reply_markup=markup_here)
        if reply.place:
            place = reply.place
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

    async def post(self, chat_id: str, payload: dict) -> None:
        """A ticket's post in its organisation's chat; its later lines reply to the first, so
        they show under it; every post is remembered to take mediators' replies to it."""
        db = self.conversations.db
        rows = await db.conn.execute_fetchall(
            "SELECT MIN(message_id) FROM telegram_posts WHERE chat_id = ? AND ticket_id = ?",
            (int(chat_id), payload["ticket_id"]),
        )
        first = rows[0][0] if rows else None
        buttons = payload.get("buttons") or []
        under = None
        if first is not None and not buttons:
            under = ReplyParameters(first, allow_sending_without_reply=True)
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(label, callback_data=data) for label, data in buttons]]
        )
        try:
            message = await self.application.bot.send_message(
                chat_id=int(chat_id),
                text=pieces(payload["text"])[0],
                reply_markup=markup if buttons else None,
                reply_parameters=under,
            )
        except Forbidden:
            raise Undeliverable(f"le bot n'est plus dans le groupe Telegram {chat_id}") from None
        except BadRequest as exc:
            raise Undeliverable(f"Telegram a refusé : {exc.message}") from None
        except (TimedOut, NetworkError, RetryAfter) as exc:
            raise TryLater(f"Telegram injoignable : {exc}") from None
        if payload.get("closed") and first is not None:
            try:  # "Je prends" / "Clore" on a closed ticket would only mislead
                await self.application.bot.edit_message_reply_markup(
                    chat_id=int(chat_id), message_id=first, reply_markup=None
                )
            except TelegramError as exc:
                log.info("the buttons of a closed ticket's post stay (%s)", exc)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO telegram_posts (chat_id, message_id, ticket_id) "
                "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (int(chat_id), message.message_id, payload["ticket_id"]),
            )
            if buttons:  # the ticket's summary is now in the group: its members see it
                ticket = await tickets.ticket_by_id(conn, payload["ticket_id"])
                if ticket is not None:
                    await audit.record(conn, f"telegram-chat:{chat_id}", "post", ticket.code)

    # -- mediators in their organisation's group chat -----------------------------------------

    async def _ticket_here(self, chat_id: int, ticket_id: int) -> tickets.Ticket | None:
        """The ticket, if this chat is the chat of the ticket's organisation."""
        conn = self.conversations.db.conn
        org = await organisation_by_chat(conn, chat_id)
        if org is None:
            log.info(
                "Telegram chat %s is no organisation's chat; to make it one: "
                "relais mediators org NAME --telegram-chat %s",
                chat_id,
                chat_id,
            )
            return None
        ticket = await tickets.ticket_by_id(conn, ticket_id)
        return ticket if ticket is not None and ticket.organisation_id == org.id else None

    async def on_chat_message(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """A mediator's reply to a ticket's post is a message to that resident."""
        message = update.effective_message
        chat_id = update.effective_chat.id
        replied = message.reply_to_message
        if replied is None or not isinstance(message.text, str) or not message.text:
            await self._ticket_here(chat_id, -1)  # logs the chat id of an unknown group
            return
        rows = await self.conversations.db.conn.execute_fetchall(
            "SELECT ticket_id FROM telegram_posts WHERE chat_id = ? AND message_id = ?",
            (chat_id, replied.message_id),
        )
        ticket = await self._ticket_here(chat_id, rows[0][0]) if rows else None
        if ticket is None:
            return
        name, actor = mediator_of(update)
        try:
            await actions.reply(
                self.conversations,
                ticket,
                name,
                message.text,
                actor=actor,
                external_id=str(update.update_id),
            )
        except actions.TicketError as exc:
            try:
                await self.application.bot.send_message(
                    chat_id=chat_id,
                    text=f"{ticket.code} : {exc}",
                    reply_parameters=ReplyParameters(message.message_id),
                )
            except TelegramError as error:
                log.warning("could not tell a mediators' chat why a reply was refused: %s", error)

    async def on_ticket_button(self, update: Update) -> None:
        query = update.callback_query
        kind, _, ticket_id = (query.data or "").removeprefix("tk:").partition(":")
        ticket = None
        if kind in (CLAIM, CLOSE) and ticket_id.isdigit():
            ticket = await self._ticket_here(update.effective_chat.id, int(ticket_id))
        if ticket is None:
            await self._answer(query, "Cette demande n'est pas à ce groupe.")
            return
        name, actor = mediator_of(update)
        try:
            if kind == CLAIM:
                await actions.claim(self.conversations, ticket, name, actor=actor)
                await self._answer(query, f"{ticket.code} : vous la prenez en charge.")
            else:
                await actions.close(self.conversations, ticket, name, actor=actor)
                await self._answer(query, f"{ticket.code} : close.")
        except actions.TicketError as exc:
            await self._answer(query, str(exc))

    async def _answer(self, query, text: str | None = None) -> None:
        """Stops the spinner on the pressed button (with a short notice in groups)."""
        try:
            await query.answer(text)
        except (BadRequest, NetworkError):
            log.info("a button press could not be acknowledged (it was too old)")


def mediator_of(update: Update) -> tuple[str, str]:
    """(the name shown to the resident, who it is for the audit log)."""
    user = update.effective_user
    if user is None:
        return "Médiateur", "telegram:?"
    return user.full_name, f"telegram:{user.id} ({user.full_name})"


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
