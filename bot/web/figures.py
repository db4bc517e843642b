"""The figures page at /operateurs: what works, where people drop out, who was handed off.

Operators see everything; a mediator who signs in sees only their own organisation's
hand-offs. Every count from 1 to 4 shows as "<5", in the page and in its CSV. Charts are
SVG drawn here; the page prints as a one-page report for a funder.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.app import Relais
from bot.flows import FlowSet
from bot.stats.cli import current_figures
from bot.stats.days import PARIS
from bot.stats.report import csv_text, hide_small
from bot.web.auth import SECURITY_HEADERS
from bot.web.charts import Step, columns, funnel

PREFIX = "/operateurs"
CSS = Path(__file__).parent / "static" / "figures.css"
PRESETS = (("7 jours", 7), ("30 jours", 30), ("12 mois", 365))
NAMES_FR = {
    "fr": "français",
    "en": "anglais",
    "ar": "arabe",
    "prs": "dari",
    "ps": "pachto",
    "uk": "ukrainien",
    "ru": "russe",
    "ti": "tigrigna",
    "und": "pas encore choisie",
}


def _day(raw: str | None) -> str | None:
    try:
        return date.fromisoformat(raw).isoformat() if raw else None
    except ValueError:
        return None


def period(request: Request) -> tuple[str, str]:
    """The days asked for (a wrong date falls back to the last 30 days, never an error)."""
    today = datetime.now(PARIS).date()
    since = _day(request.query_params.get("du")) or (today - timedelta(days=29)).isoformat()
    until = _day(request.query_params.get("au")) or today.isoformat()
    return (since, until) if since <= until else (until, since)


def _label(flows: FlowSet, flow_id: str, node_id: str) -> str:
    node = flows.get(flow_id, node_id)
    text = " ".join((getattr(node, "text", "") or "").split()) if node else ""
    text = text if len(text) <= 34 else text[:33] + "…"
    return f"{node_id} · {text}" if text else node_id


class FiguresPage:
    def __init__(self, relais: Relais, inbox) -> None:
        self.relais = relais
        self.inbox = inbox
        self.flows = relais.engine.flows
        self.css = CSS.read_bytes()

    async def _figures(self, request: Request) -> tuple[dict, object, str, str]:
        session = await self.inbox.require(request, then=PREFIX)
        mediator = session.mediator
        since, until = period(request)
        raw = await current_figures(
            self.relais.db,
            self.flows,
            self.relais.settings.idle_after.total_seconds(),
            since=since,
            until=until,
            organisation=None if mediator.is_operator else mediator.organisation,
        )
        return hide_small(raw), session, since, until

    async def show(self, request: Request) -> Response:
        public, session, since, until = await self._figures(request)
        funnels = {
            flow_id: funnel(
                f"Parcours {flow_id} : personnes arrivées à chaque étape, et parties",
                [
                    Step(_label(self.flows, flow_id, node), n["reached"], n["left_here"])
                    for node, n in flow["nodes"].items()
                    if n["reached"] != 0
                ],
            )
            for flow_id, flow in public.get("flows", {}).items()
        }
        weeks = columns(
            "Mises en relation par semaine",
            [(week[-3:], n) for week, n in sorted(public["handoffs"]["weeks"].items())[-12:]],
        )
        today = datetime.now(PARIS).date()
        presets = [
            (name, (today - timedelta(days=days - 1)).isoformat(), today.isoformat())
            for name, days in PRESETS
        ]
        return self.inbox.render(
            "figures.html",
            figures=public,
            funnels=funnels,
            weeks=weeks,
            since=since,
            until=until,
            presets=presets,
            names_fr=NAMES_FR,
            idle_hours=round(self.relais.settings.idle_after.total_seconds() / 3600),
            operator=session.mediator.is_operator,
            mediator=session.mediator,
            csrf=session.csrf,
        )

    async def download(self, request: Request) -> Response:
        public, _, since, until = await self._figures(request)
        name = f"relais-chiffres-{since}-{until}.csv"
        return Response(
            csv_text(public),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def stylesheet(self, _: Request) -> Response:
        headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"}
        return Response(self.css, media_type="text/css", headers=headers)


def figures_routes(relais: Relais) -> list[BaseRoute]:
    """The figures page's routes; it signs people in with the inbox's page and sessions."""
    from bot.web.inbox import Inbox

    inbox = Inbox(relais)
    page = FiguresPage(relais, inbox)
    return [
        Route(PREFIX, inbox.page(page.show), methods=["GET"]),
        Route(f"{PREFIX}/chiffres.csv", inbox.page(page.download), methods=["GET"]),
        Route(f"{PREFIX}/figures.css", page.stylesheet, methods=["GET"]),
    ]
