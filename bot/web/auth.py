"""Sign-in for the mediators' web inbox: sessions, CSRF tokens, throttling, security headers.

The browser holds a random token in an HttpOnly cookie; the database keeps only its SHA-256,
so a copy of the database does not let anyone sign in. A session lasts a fixed time from
sign-in, whatever the activity. Every POST carries the session's CSRF token in a hidden
field and, when the browser says where it comes from (Origin, Referer), must come from this
site. The sign-in form, which has no session yet, uses a double-submit cookie instead.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import logging
import math
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from bot.handoff.mediators import Mediator, find_mediator, get_mediator, verify_password
from bot.store import Database

log = logging.getLogger(__name__)

SESSION_SECONDS = 12 * 3600
"""A session ends 12 h after sign-in: one working day, then sign in again."""
MAX_FAILURES = 5
FAILURE_WINDOW = 15 * 60
"""After MAX_FAILURES wrong passwords within FAILURE_WINDOW seconds, a login waits."""
MAX_LOGIN = 254

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class WebSession:
    mediator: Mediator
    csrf: str
    expires_at: float


class SignInRefused(Exception):
    """Sign-in did not succeed; the message says why, in French, for the page."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def secure_cookies(public_url: str) -> bool:
    return public_url.startswith("https://")


def cookie_name(base: str, secure: bool) -> str:
    """`__Host-` cookies cannot be set by a sibling subdomain (browsers enforce it on https)."""
    return f"__Host-{base}" if secure else base


def set_cookie(response: Response, name: str, value: str, *, max_age: int, secure: bool) -> None:
    response.set_cookie(
        cookie_name(name, secure),
        value,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, name: str, *, secure: bool) -> None:
    response.delete_cookie(
        cookie_name(name, secure), path="/", secure=secure, httponly=True, samesite="lax"
    )


def read_cookie(request: Request, name: str, secure: bool) -> str:
    return request.cookies.get(cookie_name(name, secure), "")


def same_token(given: str, expected: str) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same_origin(request: Request, public_url: str) -> bool:
    """False when Origin (or, without it, Referer) names another site; True when absent.

    The site is the public address when one is set (behind a proxy), or the address the
    browser used (its Host header), which a page of another site cannot choose.
    """
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        return True
    try:
        parts = urlsplit(source)
    except ValueError:  # "http://[::1": not a URL at all
        log.info("a form was refused: its %s header is not a URL", which_header(request))
        return False
    if not parts.scheme or not parts.netloc:
        return False  # "null" (sandboxed or privacy-redirected) or garbage
    if public_url:
        public = urlsplit(public_url)
        if (parts.scheme, parts.netloc) == (public.scheme, public.netloc):
            return True
    return parts.netloc == request.headers.get("host", "")


def which_header(request: Request) -> str:
    return "Origin" if request.headers.get("origin") else "Referer"


# Sessions.


async def create_session(db: Database, mediator: Mediator, now: float) -> tuple[str, str]:
    """A new session for the mediator: (cookie token, CSRF token)."""
    token, csrf = new_token(), new_token()
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (now,))
        await conn.execute(
            "INSERT INTO web_sessions (token_hash, mediator_id, csrf, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (_hash(token), mediator.id, csrf, now + SESSION_SECONDS),
        )
    return token, csrf


async def find_session(db: Database, token: str, now: float) -> WebSession | None:
    """The live session of this cookie token; an expired one is deleted (with all others)."""
    if not token or len(token) > 200:
        return None
    rows = await db.conn.execute_fetchall(
        "SELECT mediator_id, csrf, expires_at FROM web_sessions WHERE token_hash = ?",
        (_hash(token),),
    )
    if not rows:
        return None
    mediator_id, csrf, expires_at = rows[0]
    if expires_at <= now:
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (now,))
        return None
    mediator = await get_mediator(db.conn, mediator_id)
    return WebSession(mediator, csrf, expires_at) if mediator else None


async def end_session(db: Database, token: str) -> None:
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM web_sessions WHERE token_hash = ?", (_hash(token),))


# Sign-in.


@functools.cache
def _dummy_hash() -> str:
    from bot.handoff.mediators import hash_password

    return hash_password(new_token())


async def _count_attempt(db: Database, login: str, now: float) -> list[float]:
    """The login's recent failures; unless there are too many, this attempt is counted as
    one more before the password is checked, so attempts sent all at once count too."""
    login = db.keyed(login)  # only compared: kept as a keyed hash
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "SELECT at FROM login_failures WHERE login = ? AND at > ? ORDER BY at",
            (login, now - FAILURE_WINDOW),
        )
        if len(rows) < MAX_FAILURES:
            await conn.execute("DELETE FROM login_failures WHERE at <= ?", (now - FAILURE_WINDOW,))
            await conn.execute("INSERT INTO login_failures (login, at) VALUES (?, ?)", (login, now))
    return [at for (at,) in rows]


def _minutes(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


async def sign_in(db: Database, login: str, password: str, now: float) -> Mediator:
    """The mediator whose login and password these are, or SignInRefused.

    An unknown login costs the same password check as a known one and gives the same
    message, so the page does not tell which logins exist; failures count for both.
    """
    login = login.strip().lower()[:MAX_LOGIN]
    if not login or not password:
        raise SignInRefused("Indiquez votre identifiant et votre mot de passe.", 400)
    failures = await _count_attempt(db, login, now)
    if len(failures) >= MAX_FAILURES:
        wait = failures[-MAX_FAILURES] + FAILURE_WINDOW - now
        raise SignInRefused(
            f"Trop d'essais pour cet identifiant. Attendez {_minutes(wait)} avant de "
            "réessayer, ou demandez un nouveau mot de passe à la personne qui gère Relais.",
            429,
        )
    found = await find_mediator(db.conn, login)
    password_hash = found[1] if found else await asyncio.to_thread(_dummy_hash)
    ok = await asyncio.to_thread(verify_password, password_hash, password[:1024])
    if ok and found:
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM login_failures WHERE login = ?", (db.keyed(login),))
        return found[0]
    left = MAX_FAILURES - len(failures) - 1
    if left == 0:
        raise SignInRefused(
            "Identifiant ou mot de passe incorrect. C'était le dernier essai : attendez "
            f"{_minutes(FAILURE_WINDOW)} avant de réessayer."
        )
    tries = "essai" if left == 1 else "essais"
    raise SignInRefused(f"Identifiant ou mot de passe incorrect. Il vous reste {left} {tries}.")
