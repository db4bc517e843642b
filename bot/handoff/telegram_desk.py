"""The mediators' desk in Telegram: each organisation's group chat gets its tickets' posts,
with "Je prends" / "Clore" buttons; a mediator's reply to a post goes to the resident.

A hand-off concern on the residents' bot client: the Telegram channel wires it on its
Application (`bot/channels/telegram/channel.py`) and passes it group button presses.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.display.telegram import pieces
from bot.handoff import actions, audit, tickets
from bot.handoff.mediators import organisation_by_chat
from bot.handoff.relay import CLAIM, CLOSE
from bot.outbox import CHAT, Sender, TryLater, Undeliverable

if TYPE_CHECKING:
    from bot.conversations import Conversations

log = logging.getLogger(__name__)


class TelegramDesk:
    def __init__(self, conversations: Conversations, application: Application) -> None:
        self.conversations = conversations
        self.db = conversations.database()
        self.application = application
        groups = filters.ChatType.GROUPS
        application.add_handler(MessageHandler(groups & filters.TEXT, self.on_chat_message))

    def senders(self) -> dict[str, Sender]:
        """The outbox's sender for organisations' group chats."""
        return {CHAT: self.post}

    async def post(self, chat_id: str, payload: dict) -> None:
        """A ticket's post in its organisation's chat; its later lines reply to the first, so
        they show under it; every post is remembered to take mediators' replies to it."""
        db = self.db
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

    async def _ticket_here(self, chat_id: int, ticket_id: int) -> tickets.Ticket | None:
        """The ticket, if this chat is the chat of the ticket's organisation."""
        conn = self.db.conn
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
        rows = await self.db.conn.execute_fetchall(
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

    async def on_button(self, update: Update) -> str:
        """A button pressed in a group chat ("Je prends", "Clore"); the notice to show."""
        query = update.callback_query
        kind, _, ticket_id = (query.data or "").removeprefix("tk:").partition(":")
        ticket = None
        if kind in (CLAIM, CLOSE) and ticket_id.isdigit():
            ticket = await self._ticket_here(update.effective_chat.id, int(ticket_id))
        if ticket is None:
            return "Cette demande n'est pas à ce groupe."
        name, actor = mediator_of(update)
        try:
            if kind == CLAIM:
                await actions.claim(self.conversations, ticket, name, actor=actor)
                return f"{ticket.code} : vous la prenez en charge."
            await actions.close(self.conversations, ticket, name, actor=actor)
            return f"{ticket.code} : close."
        except actions.TicketError as exc:
            return str(exc)


def mediator_of(update: Update) -> tuple[str, str]:
    """(the name shown to the resident, who it is for the audit log)."""
    user = update.effective_user
    if user is None:
        return "Médiateur", "telegram:?"
    return user.full_name, f"telegram:{user.id} ({user.full_name})"
