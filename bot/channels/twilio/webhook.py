"""The Twilio channel for `relais serve`: its two signed webhooks (messages, and status
callbacks) and, once opened, the REST sender for what is sent later."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.http import MAX_BODY, unavailable
from bot.channels.twilio.inbound import handle_webhook, signature_ok
from bot.channels.twilio.sender import STATUS_PATH, TwilioSender
from bot.channels.twilio.status import record_status
from bot.store.errors import DatabaseError, driver_errors
from bot.web.bodies import read_body

if TYPE_CHECKING:
    from bot.app import Relais
    from bot.config import Settings
    from bot.outbox import Sender
    from bot.window import Window

log = logging.getLogger(__name__)

NAME = "twilio"
TWILIO_PATH = "/webhooks/twilio"


class TwilioChannel:
    """SMS and WhatsApp on one Twilio account: one webhook for both, one signature check,
    one REST client (made when `relais serve` opens the channel)."""

    name = NAME

    def __init__(self, relais: Relais, sender: TwilioSender | None = None) -> None:
        self.relais = relais
        self.settings = relais.settings
        self.sender = sender

    def routes(self, settings: Settings) -> list[BaseRoute]:
        """Messages and status callbacks, both signed with the account's token."""
        return [
            Route(TWILIO_PATH, self.message, methods=["POST"]),
            Route(STATUS_PATH, self.status, methods=["POST"]),
        ]

    def senders(self) -> dict[str, Sender]:
        return self.sender.senders() if self.sender else {}

    def windows(self) -> dict[str, Window]:
        return self.sender.windows() if self.sender else {}

    async def close(self) -> None:
        if self.sender is not None:
            await self.sender.close()

    async def signed_form(self, request: Request) -> dict[str, str] | Response:
        """The form of a Twilio request whose signature is right, else the answer to give."""
        body = await read_body(request, MAX_BODY)
        if body is None:
            return PlainTextResponse("too large", status_code=413)
        try:
            form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        except UnicodeDecodeError:
            return PlainTextResponse("bad form", status_code=400)
        url = self.settings.public_url + request.url.path
        if request.url.query:
            url += "?" + request.url.query
        signature = request.headers.get("x-twilio-signature", "")
        if not signature_ok(self.settings.twilio.auth_token, url, form, signature):
            log.warning("a Twilio request with a missing or wrong signature was refused")
            return PlainTextResponse("forbidden", status_code=403)
        return form

    async def status(self, request: Request) -> Response:
        form = await self.signed_form(request)
        if isinstance(form, Response):
            return form
        try:
            await record_status(self.relais.db, form)
        except (DatabaseError, *driver_errors()):
            return unavailable()
        return PlainTextResponse("ok")

    async def message(self, request: Request) -> Response:
        form = await self.signed_form(request)
        if isinstance(form, Response):
            return form
        try:
            reply = await handle_webhook(
                self.relais.conversations, form, self.settings.sms_segments
            )
        except (DatabaseError, *driver_errors()):
            return unavailable()
        return Response(reply, media_type="application/xml")
