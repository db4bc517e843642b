"""The Starlette application served by `relais serve`: health, the channels' webhooks, the
mediators' web inbox and the figures page."""

from __future__ import annotations

import asyncio
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.app import Relais
from bot.channels.base import Channel
from bot.channels.registry import mounted
from bot.i18n import missing_texts
from bot.outbox import health as outbox_health
from bot.store.errors import driver_errors
from bot.web.figures import figures_routes
from bot.web.inbox import inbox_routes

log = logging.getLogger(__name__)

HEALTH_SECONDS = 5.0
"""How long /healthz waits for the database: a probe must hear "down", not time out
(PostgreSQL's pool would otherwise wait 30 s for a connection while the server is away)."""


def create_app(relais: Relais, *opened: Channel) -> Starlette:
    """The app; the channels' routes are those of the channels opened (`relais serve` opens
    every configured one), and of configured channels whose webhooks need nothing opened."""
    channels = mounted(relais, opened)

    async def healthz(_: Request) -> JSONResponse:
        """Up when the database answers and the flows are loaded (for probes and monitors)."""
        checks = {"flows": len(relais.engine.flows.flows)}
        try:
            async with asyncio.timeout(HEALTH_SECONDS):
                checks["schema_version"] = await relais.db.schema_version()
                checks["outbox"] = await outbox_health(relais.db.conn)
        except TimeoutError:
            why = f"no answer within {HEALTH_SECONDS:g} s: is the database server up and reachable?"
            log.error("health check: the database %s: %s", relais.db.path, why)
            return JSONResponse({"status": "error", "database": why}, status_code=503)
        except (*driver_errors(), ValueError) as exc:
            log.error("health check: the database %s does not answer: %s", relais.db.path, exc)
            return JSONResponse({"status": "error", "database": str(exc)}, status_code=503)
        checks["places"] = len(relais.engine.places or ())
        checks["texts_shown_in_french"] = dict(missing_texts)
        checks["channels"] = [channel.name for channel in channels]
        return JSONResponse({"status": "ok", **checks})

    routes = [Route("/healthz", healthz, methods=["GET"])]
    for channel in channels:
        routes += channel.routes(relais.settings)
    routes += inbox_routes(relais)
    routes += figures_routes(relais)
    return Starlette(routes=routes)
