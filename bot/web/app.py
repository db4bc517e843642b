"""The Starlette application served by `relais serve`."""

from __future__ import annotations

import logging
import sqlite3

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.app import Relais

log = logging.getLogger(__name__)


def create_app(relais: Relais) -> Starlette:
    async def healthz(_: Request) -> JSONResponse:
        """Up when the database answers and the flows are loaded (for probes and monitors)."""
        checks = {"flows": len(relais.engine.flows.flows)}
        try:
            checks["schema_version"] = await relais.db.schema_version()
        except (sqlite3.Error, ValueError) as exc:
            log.error("health check: the database %s does not answer: %s", relais.db.path, exc)
            return JSONResponse({"status": "error", "database": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok", **checks})

    return Starlette(routes=[Route("/healthz", healthz, methods=["GET"])])
