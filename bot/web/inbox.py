"""The mediators' web inbox under /mediateurs: their organisation's tickets, one page each.

Plain HTML forms, no JavaScript: every action is a POST answered by a redirect (so a reload
does not send twice), or by the page again with the problem written on it. A ticket of
another organisation answers 404, exactly like a code that does not exist. Its words and
error pages are in bot/web/inbox_pages.py.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot import window
from bot.app import Relais
from bot.handoff import actions, audit, tickets
from bot.handoff.codes import normalise
from bot.handoff.tickets import Ticket
from bot.web import auth
from bot.web.auth import SECURITY_HEADERS, WebSession
from bot.web.inbox_pages import (
    FORBIDDEN,
    HERE,
    LOGIN_COOKIE,
    NEXT_PAGE,
    NOT_FOUND,
    NOTICES,
    PREFIX,
    SESSION_COOKIE,
    SIGN_IN,
    Problem,
    SignInFirst,
    environment,
    read_form,
    window_fr,
)

log = logging.getLogger(__name__)

Handler = Callable[[Request], Awaitable[Response]]


class Inbox:
    def __init__(self, relais: Relais) -> None:
        self.db = relais.db
        self.conversations = relais.conversations
        self.public_url = relais.settings.public_url
        self.secure = auth.secure_cookies(self.public_url)
        self.env = environment()
        self.css = (HERE / "static" / "inbox.css").read_bytes()

    # Plumbing.

    def render(self, template: str, status: int = 200, **context: object) -> HTMLResponse:
        html = self.env.get_template(template).render(**context)
        return HTMLResponse(html, status_code=status)

    def page(self, handler: Handler) -> Handler:
        """The handler, with the security headers, and its problems as French pages."""

        async def endpoint(request: Request) -> Response:
            try:
                response = await handler(request)
            except SignInFirst as exc:
                then = f"?suite={quote(exc.then)}" if NEXT_PAGE.fullmatch(exc.then) else ""
                response = RedirectResponse(SIGN_IN + then, status_code=303)
            except Problem as exc:
                response = self.error(exc, request)
            except Exception:
                log.exception("the inbox failed on %s %s", request.method, request.url.path)
                response = self.error(
                    Problem(500, "Erreur du serveur", "Réessayez dans un moment."), request
                )
            response.headers.update(SECURITY_HEADERS)
            return response

        return endpoint

    def error(self, problem: Problem, request: Request) -> HTMLResponse:
        session: WebSession | None = getattr(request.state, "session", None)
        return self.render(
            "error.html",
            problem.status,
            problem=problem,
            mediator=session.mediator if session else None,
            csrf=session.csrf if session else "",
        )

    async def session(self, request: Request) -> WebSession | None:
        token = auth.read_cookie(request, SESSION_COOKIE, self.secure)
        found = await auth.find_session(self.db, token, time.time())
        request.state.session = found
        return found

    async def require(self, request: Request, then: str = "") -> WebSession:
        found = await self.session(request)
        if found is None:
            raise SignInFirst(then)
        return found

    async def checked_form(self, request: Request, session: WebSession) -> dict[str, str]:
        """The POST's form, once it has proved it comes from a page of this session."""
        form = await read_form(request)
        if not auth.same_token(form.get("csrf", ""), session.csrf):
            raise FORBIDDEN
        if not auth.same_origin(request, self.public_url):
            raise FORBIDDEN
        return form

    async def ticket(self, session: WebSession, code: str) -> Ticket:
        """The ticket under this code if it is the mediator's organisation's, else 404."""
        if len(code) > 40:
            raise NOT_FOUND
        found = await tickets.ticket_by_code(self.db.conn, normalise(code))
        if found is None or found.organisation_id != session.mediator.organisation_id:
            raise NOT_FOUND
        return found

    # Sign-in and out.

    def sign_in_page(
        self, request: Request, *, status: int = 200, error: str = "", login: str = ""
    ) -> Response:
        token = auth.read_cookie(request, LOGIN_COOKIE, self.secure)
        if not 30 <= len(token) <= 100:
            token = auth.new_token()
        then = request.query_params.get("suite", "")
        response = self.render(
            "login.html",
            status,
            error=error,
            notice=NOTICES.get(request.query_params.get("ok", ""), ""),
            login=login,
            csrf=token,
            then=then if NEXT_PAGE.fullmatch(then) else "",
            mediator=None,
        )
        auth.set_cookie(response, LOGIN_COOKIE, token, max_age=12 * 3600, secure=self.secure)
        return response

    async def show_sign_in(self, request: Request) -> Response:
        if await self.session(request):
            return RedirectResponse(PREFIX, status_code=303)
        return self.sign_in_page(request)

    async def sign_in(self, request: Request) -> Response:
        form = await read_form(request)
        login = form.get("identifiant", "")
        expected = auth.read_cookie(request, LOGIN_COOKIE, self.secure)
        if not auth.same_token(form.get("csrf", ""), expected) or not auth.same_origin(
            request, self.public_url
        ):
            error = "La page de connexion avait expiré. Recommencez, s'il vous plaît."
            return self.sign_in_page(request, status=403, error=error, login=login)
        try:
            mediator = await auth.sign_in(self.db, login, form.get("mot_de_passe", ""), time.time())
        except auth.SignInRefused as refused:
            return self.sign_in_page(
                request, status=refused.status, error=str(refused), login=login
            )
        old = auth.read_cookie(request, SESSION_COOKIE, self.secure)
        if old:
            await auth.end_session(self.db, old)
        token, _ = await auth.create_session(self.db, mediator, time.time())
        then = form.get("suite", "") or ("/operateurs" if mediator.is_operator else PREFIX)
        response = RedirectResponse(then if NEXT_PAGE.fullmatch(then) else PREFIX, status_code=303)
        auth.set_cookie(
            response, SESSION_COOKIE, token, max_age=auth.SESSION_SECONDS, secure=self.secure
        )
        auth.clear_cookie(response, LOGIN_COOKIE, secure=self.secure)
        return response

    async def sign_out(self, request: Request) -> Response:
        session = await self.session(request)
        if session is not None:
            await self.checked_form(request, session)
            await auth.end_session(self.db, auth.read_cookie(request, SESSION_COOKIE, self.secure))
        response = RedirectResponse(f"{SIGN_IN}?ok=deconnexion", status_code=303)
        auth.clear_cookie(response, SESSION_COOKIE, secure=self.secure)
        return response

    # Tickets.

    async def windows(self, found: list[Ticket]) -> dict[int, str]:
        """Each WhatsApp ticket's window, in words: the time left, or what is awaited."""
        now = self.conversations.clock()
        out = {}
        for ticket in found:
            if ticket.channel == "whatsapp" and ticket.user_id:
                state = await window.state(self.db.conn, ticket.channel, ticket.user_id)
                out[ticket.id] = window_fr(state, now)
        return out

    async def home(self, request: Request) -> Response:
        session = await self.require(request)
        mediator = session.mediator
        waiting = await tickets.list_tickets(self.db.conn, organisation_id=mediator.organisation_id)
        return self.render(
            "list.html",
            tickets=waiting,
            windows=await self.windows(waiting),
            now=time.time(),
            mediator=mediator,
            csrf=session.csrf,
            notice=NOTICES.get(request.query_params.get("ok", ""), ""),
        )

    async def show_ticket(self, request: Request) -> Response:
        session = await self.require(request, then=request.url.path)
        ticket = await self.ticket(session, request.path_params["code"])
        await audit.log_view(self.db, session.mediator.login, ticket.code)
        notice = NOTICES.get(request.query_params.get("ok", ""), "")
        return await self.ticket_page(session, ticket, notice=notice)

    async def ticket_page(
        self,
        session: WebSession,
        ticket: Ticket,
        *,
        status: int = 200,
        notice: str = "",
        error: str = "",
        draft: str = "",
        confirm_close: bool = False,
    ) -> Response:
        return self.render(
            "ticket.html",
            status,
            ticket=ticket,
            messages=await tickets.messages(self.db.conn, ticket.id),
            window=(await self.windows([ticket])).get(ticket.id, ""),
            held=await self.held(ticket),
            now=time.time(),
            mediator=session.mediator,
            csrf=session.csrf,
            notice=notice,
            error=error,
            draft=draft,
            confirm_close=confirm_close,
            sending_id=secrets.token_urlsafe(12),
        )

    async def held(self, ticket: Ticket) -> bool:
        """The person's messages wait for them to write (their WhatsApp window closed)."""
        if ticket.channel != "whatsapp" or not ticket.user_id:
            return False
        rows = await self.db.conn.execute_fetchall(
            "SELECT 1 FROM outbox WHERE channel = ? AND user_id = ? AND next_at >= ? LIMIT 1",
            (ticket.channel, ticket.user_id, window.HELD),
        )
        return bool(rows)

    async def act(self, request: Request) -> Response:
        """Reply, claim or close; then back to the page (or the page again, with the problem)."""
        action = request.path_params["action"]
        if action not in ("repondre", "prendre", "clore"):
            raise NOT_FOUND
        session = await self.require(request)
        form = await self.checked_form(request, session)
        ticket = await self.ticket(session, request.path_params["code"])
        name, actor = session.mediator.name, session.mediator.login
        here = f"{PREFIX}/demandes/{ticket.code}"
        text = form.get("texte", "")
        try:
            if action == "repondre":
                sending = form.get("envoi", "")[:40] or None  # a double submit is sent once
                await actions.reply(
                    self.conversations, ticket, name, text, actor=actor, external_id=sending
                )
                return RedirectResponse(f"{here}?ok=envoye#dernier", status_code=303)
            if action == "prendre":
                await actions.claim(self.conversations, ticket, name, actor=actor)
                return RedirectResponse(f"{here}?ok=pris", status_code=303)
            if form.get("confirme") != "oui":
                return await self.ticket_page(session, ticket, confirm_close=True)
            await actions.close(self.conversations, ticket, name, actor=actor)
            return RedirectResponse(f"{PREFIX}?ok=close", status_code=303)
        except actions.TicketError as refused:
            fresh = await tickets.ticket_by_id(self.db.conn, ticket.id) or ticket
            return await self.ticket_page(
                session, fresh, status=409, error=str(refused), draft=text
            )

    async def not_found(self, request: Request) -> Response:
        if request.url.path == f"{PREFIX}/":
            return RedirectResponse(PREFIX, status_code=308)
        await self.session(request)
        raise NOT_FOUND

    async def stylesheet(self, _: Request) -> Response:
        """The one stylesheet (a file, so the CSP needs no 'unsafe-inline'); not secret."""
        headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"}
        return Response(self.css, media_type="text/css", headers=headers)


def inbox_routes(relais: Relais) -> list[BaseRoute]:
    """The inbox's routes, to add to the application's."""
    inbox = Inbox(relais)
    page = inbox.page
    return [
        Route(PREFIX, page(inbox.home), methods=["GET"]),
        Route(f"{PREFIX}/inbox.css", inbox.stylesheet, methods=["GET"]),
        Route(SIGN_IN, page(inbox.show_sign_in), methods=["GET"]),
        Route(SIGN_IN, page(inbox.sign_in), methods=["POST"]),
        Route(f"{PREFIX}/deconnexion", page(inbox.sign_out), methods=["POST"]),
        Route(f"{PREFIX}/demandes/{{code}}", page(inbox.show_ticket), methods=["GET"]),
        Route(f"{PREFIX}/demandes/{{code}}/{{action}}", page(inbox.act), methods=["POST"]),
        Route(f"{PREFIX}/{{rest:path}}", page(inbox.not_found)),
    ]
