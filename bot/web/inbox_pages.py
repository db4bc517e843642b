"""What the mediators' web inbox says and how its pages are drawn: its addresses, its
French words, its error pages, the templates' environment and the reading of its forms
(the pages themselves and the actions are in bot/web/inbox.py)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import jinja2
from starlette.requests import Request

from bot import window
from bot.handoff.actions import MAX_REPLY
from bot.handoff.summary import CHANNELS_FR, TOPICS_FR, language_fr
from bot.handoff.tickets import STATUS_FR
from bot.web.bodies import read_body

PREFIX = "/mediateurs"
SIGN_IN = f"{PREFIX}/connexion"
HERE = Path(__file__).parent
PARIS = ZoneInfo("Europe/Paris")
MAX_FORM = 32 * 1024
"""Bytes of a form: a 2,000-character reply in any script, percent-encoded, fits."""
SESSION_COOKIE, LOGIN_COOKIE = "relais_session", "relais_login"
NEXT_PAGE = re.compile(r"/mediateurs/demandes/[A-Za-z0-9-]{1,20}|/operateurs")
"""Where the sign-in may send the mediator back to: a ticket page or the figures page."""

NOTICES = {
    "envoye": "Message enregistré : il part vers la personne.",
    "pris": "Vous avez pris cette demande.",
    "close": "La demande est close. La personne a reçu un message pour le lui dire.",
    "deconnexion": "Vous êtes déconnecté.",
}
"""Messages a redirect may ask for by key (never text from the address itself)."""
DELIVERY_FR = {
    "queued": "en cours d'envoi",
    "retrying": "nouvel essai",
    "sent": "envoyé",
    "waiting": "en attente de réponse de la personne",
    "delivered": "distribué",
    "read": "lu",
    "failed": "non envoyé",
    "undelivered": "non distribué",
}
AUTHORS_FR = {"resident": "La personne", "relais": "Relais"}


class Problem(Exception):
    """Answer with the error page: an HTTP status and a French explanation."""

    def __init__(self, status: int, title: str, text: str = "") -> None:
        super().__init__(title)
        self.status, self.title, self.text = status, title, text


NOT_FOUND = Problem(
    404,
    "Demande introuvable",
    "Aucune demande de votre structure ne porte ce code. Vérifiez le code, ou revenez à la "
    "liste des demandes.",
)
FORBIDDEN = Problem(
    403,
    "Action refusée",
    "La page était trop ancienne, ou l'envoi ne venait pas de ce site. Rien n'a été changé. "
    "Revenez à la demande, rechargez la page et recommencez.",
)


class SignInFirst(Exception):
    """No live session: go to the sign-in page, then come back to `then`."""

    def __init__(self, then: str = "") -> None:
        super().__init__(then)
        self.then = then


def ago(seconds: float) -> str:
    """How long ago, the way one says it: "il y a 12 min"."""
    minutes = int(max(seconds, 0) // 60)
    if minutes < 1:
        return "à l'instant"
    if minutes < 60:
        return f"il y a {minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"il y a {hours} h" + (f" {minutes:02d}" if minutes else "")
    days = hours // 24
    return "il y a 1 jour" if days == 1 else f"il y a {days} jours"


def window_fr(state: window.WindowState, now: float) -> str:
    """WhatsApp's window of a ticket, for the mediator."""
    if state.waiting:
        return "fermée : en attente de réponse de la personne (modèle WhatsApp envoyé)"
    left = state.left(now)
    if left <= window.MARGIN:
        return "fermée : votre message partira quand la personne répondra au modèle WhatsApp"
    hours, minutes = divmod(round(left / 60), 60)
    return f"ouverte, encore {hours} h {minutes:02d}" if hours else f"ouverte, encore {minutes} min"


def clock(timestamp: float) -> str:
    """A moment in Paris time: "21/11 à 13:05"."""
    return datetime.fromtimestamp(timestamp, PARIS).strftime("%d/%m à %H:%M")


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, PARIS).isoformat(timespec="minutes")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(ago=ago, clock=clock, iso=iso)
    env.globals.update(
        prefix=PREFIX,
        status_fr=STATUS_FR,
        topics_fr=TOPICS_FR,
        channels_fr=CHANNELS_FR,
        delivery_fr=DELIVERY_FR,
        authors_fr=AUTHORS_FR,
        language_fr=language_fr,
        max_reply=MAX_REPLY,
    )
    return env


async def read_form(request: Request) -> dict[str, str]:
    """The urlencoded form of a POST, or Problem: too large, not a form, not UTF-8."""
    body = await read_body(request, MAX_FORM)
    if body is None:
        raise Problem(413, "Message trop long", "Le formulaire envoyé est trop gros.")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if body and kind != "application/x-www-form-urlencoded":
        raise Problem(400, "Formulaire illisible", "Renvoyez le formulaire depuis la page.")
    try:
        return dict(parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=20))
    except (UnicodeDecodeError, ValueError):
        raise Problem(
            400, "Formulaire illisible", "Renvoyez le formulaire depuis la page."
        ) from None
