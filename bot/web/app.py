"""The Starlette application served by `relais serve`: health, the channels' webhooks, the
mediators' web inbox and the figures page."""

from __future__ import annotations

import hmac
import json
import logging
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.app import Relais
from bot.channels import twilio
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_checks import BadUpdate, check_update
from bot.channels.twilio_status import record_status
from bot.i18n import missing_texts
from bot.outbox import health as outbox_health
from bot.store.errors import DatabaseError, driver_errors
from bot.web.bodies import read_body
from bot.web.figures import figures_routes
from bot.web.inbox import inbox_routes

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/webhooks/telegram"
TWILIO_PATH = "/webhooks/twilio"


def unavailable() -> Response:
    """Nothing was processed (the database stayed locked): the channel delivers it again."""
    return PlainTextResponse("busy, try again", status_code=503, headers={"Retry-After": "5"})


MAX_BODY = 64 * 1024
"""Webhook bodies larger than this are refused before parsing (a real one is a few KB)."""


def create_app(relais: Relais, telegram: TelegramChannel | None = None) -> Starlette:
    settings = relais.settings

    async def healthz(_: Request) -> JSONResponse:
        """Up when the database answers and the flows are loaded (for probes and monitors)."""
        checks = {"flows": len(relais.engine.flows.flows)}
        try:
            checks["schema_version"] = await relais.db.schema_version()
        except (*driver_errors(), ValueError) as exc:
            log.error("health check: the database %s does not answer: %s", relais.db.path, exc)
            return JSONResponse({"status": "error", "database": str(exc)}, status_code=503)
        checks["places"] = len(relais.engine.places or ())
        checks["outbox"] = await outbox_health(relais.db.conn)
        checks["texts_shown_in_french"] = dict(missing_texts)
        checks["channels"] = [
            name
            for name, on in (("telegram", telegram), ("twilio", settings.twilio))
            if on is not None
        ]
        return JSONResponse({"status": "ok", **checks})

    async def telegram_webhook(request: Request) -> Response:
        secret = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not hmac.compare_digest(secret.encode(), settings.telegram.secret.encode()):
            return PlainTextResponse("forbidden", status_code=403)
        body = await read_body(request, MAX_BODY)
        if body is None:
            return PlainTextResponse("too large", status_code=413)
        try:
            data = json.loads(body)
            check_update(data)
            update = Update.de_json(data, telegram.application.bot)
        except BadUpdate as exc:
            log.warning("a Telegram update was refused (400): %s", exc)
            return PlainTextResponse(f"bad update: {exc}", status_code=400)
        except (
            ValueError,
            TypeError,
            KeyError,
            AttributeError,
            OverflowError,
            RecursionError,
            OSError,
        ) as exc:
            log.warning("a Telegram webhook body could not be read (400): %s", type(exc).__name__)
            return PlainTextResponse("bad update", status_code=400)
        if update is None:
            return PlainTextResponse("bad update", status_code=400)
        await telegram.application.process_update(update)
        if telegram.failed(update.update_id):
            return unavailable()
        return PlainTextResponse("ok")

    async def signed_form(request: Request) -> dict[str, str] | Response:
        """The form of a Twilio request whose signature is right, else the answer to give."""
        body = await read_body(request, MAX_BODY)
        if body is None:
            return PlainTextResponse("too large", status_code=413)
        try:
            form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        except UnicodeDecodeError:
            return PlainTextResponse("bad form", status_code=400)
        url = settings.public_url + request.url.path
        if request.url.query:
            url += "?" + request.url.query
        signature = request.headers.get("x-twilio-signature", "")
        if not twilio.signature_ok(settings.twilio.auth_token, url, form, signature):
            log.warning("a Twilio request with a missing or wrong signature was refused")
            return PlainTextResponse("forbidden", status_code=403)
        return form

    async def twilio_status(request: Request) -> Response:
        form = await signed_form(request)
        if isinstance(form, Response):
            return form
        try:
            await record_status(relais.db, form)
        except (DatabaseError, *driver_errors()):
            return unavailable()
        return PlainTextResponse("ok")

    async def twilio_webhook(request: Request) -> Response:
        form = await signed_form(request)
        if isinstance(form, Response):
            return form
        try:
            reply = await twilio.handle_webhook(relais.conversations, form, settings.sms_segments)
        except (DatabaseError, *driver_errors()):
            return unavailable()
        return Response(reply, media_type="application/xml")

    routes = [Route("/healthz", healthz, methods=["GET"])]
    if telegram is not None:
        routes.append(Route(TELEGRAM_PATH, telegram_webhook, methods=["POST"]))
    if settings.twilio is not None:
        routes.append(Route(TWILIO_PATH, twilio_webhook, methods=["POST"]))
        routes.append(Route(twilio.STATUS_PATH, twilio_status, methods=["POST"]))
    routes += inbox_routes(relais)
    routes += figures_routes(relais)
    return Starlette(routes=routes)
