"""WhatsApp's 24-hour window: free text reaches a person only within 24 hours of their last
message; after that only an approved template does.

Relais records when each resident last wrote, per channel. Before free text goes out on
WhatsApp, the outbox asks `Window.check`: inside the window it is sent; outside, the "a
reply is waiting for you, answer OUI to read it" template goes once (by its ContentSid, in
the person's language, else English, else French), and the person's messages stay queued,
in order, until they write again (`seen`), whatever they write.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.languages import french_name
from bot.store import Database
from bot.store.connection import Connection

log = logging.getLogger(__name__)

WINDOW = 24 * 3600.0
MARGIN = 10 * 60.0
"""Free text is not started in the window's last minutes: it could arrive after its end."""
HELD = 2.0**42
"""`next_at` of a message held until the person writes (far beyond any real date)."""
FALLBACKS = ("en", "fr")
CHANNELS = frozenset({"whatsapp"})
"""The channels with a window (SMS and Telegram reach a person at any time): only their
residents' messages are recorded, which spares every other message four statements."""
WAITING = "waiting"

TemplateSender = Callable[[str, str, str], Awaitable[str]]
"""(channel, recipient, ContentSid) -> Twilio's id of the message; raises like a Sender."""


@dataclass(frozen=True)
class WindowState:
    last_inbound: float | None
    template_at: float | None
    template_lang: str

    def left(self, now: float) -> float:
        """Seconds of the window left (0 when closed or never opened)."""
        if self.last_inbound is None:
            return 0.0
        return max(0.0, self.last_inbound + WINDOW - now)

    def open(self, now: float) -> bool:
        return self.left(now) > MARGIN

    @property
    def waiting(self) -> bool:
        """A template went and the person has not answered yet."""
        return self.template_at is not None


async def state(conn: Connection, channel: str, user_id: str) -> WindowState:
    rows = await conn.execute_fetchall(
        "SELECT last_inbound, template_at, template_lang FROM channel_windows "
        "WHERE channel = ? AND user_id = ?",
        (channel, user_id),
    )
    return WindowState(*rows[0]) if rows else WindowState(None, None, "")


@dataclass(frozen=True)
class Seen:
    """What a resident's message did to their window."""

    waited: bool
    """A template was waiting for this answer."""
    released: int
    """Held messages now due."""
    ticket_message: int | None
    """The first mediator's message among them (the hand-off tells its desk)."""

    @property
    def answered(self) -> bool:
        """The message answers the template or releases held messages."""
        return self.waited or self.released > 0


async def seen(conn: Connection, channel: str, user_id: str, now: float) -> Seen:
    """The person wrote: the window opens again and their held messages are due now (what
    it means for the tickets: bot/handoff/deliveries.py)."""
    before = await state(conn, channel, user_id)
    await conn.execute(
        "INSERT INTO channel_windows (channel, user_id, last_inbound) VALUES (?, ?, ?) "
        "ON CONFLICT (channel, user_id) DO UPDATE SET last_inbound = CASE WHEN "
        "excluded.last_inbound > channel_windows.last_inbound THEN excluded.last_inbound "
        "ELSE channel_windows.last_inbound END, template_at = NULL, template_lang = ''",
        (channel, user_id, now),
    )
    rows = await conn.execute_fetchall(
        "SELECT ticket_message_id FROM outbox WHERE channel = ? AND user_id = ? "
        "AND next_at >= ? AND ticket_message_id IS NOT NULL",
        (channel, user_id, HELD),
    )
    held = await conn.execute(
        "UPDATE outbox SET next_at = ?, error = '' WHERE channel = ? AND user_id = ? "
        "AND next_at >= ?",
        (now, channel, user_id, HELD),
    )
    return Seen(before.waiting, max(held.rowcount, 0), rows[0][0] if rows else None)


async def forget(conn: Connection, channel: str, user_id: str) -> None:
    await conn.execute(
        "DELETE FROM channel_windows WHERE channel = ? AND user_id = ?", (channel, user_id)
    )


def pick_template(templates: dict[str, str], lang: str) -> tuple[str, str] | None:
    """(language, ContentSid) of the template for `lang`, else English, else French."""
    for code in (lang, *FALLBACKS):
        if code in templates:
            return code, templates[code]
    return None


def template_note(lang: str, used: str | None) -> str:
    """What the mediator reads under a held message (French, like the whole inbox)."""
    base = (
        "hors de la fenêtre WhatsApp de 24 h : en attente de réponse de la personne. "
        "Relais lui a envoyé le modèle « une réponse vous attend »"
    )
    if used is None:
        return (
            "hors de la fenêtre WhatsApp de 24 h, et aucun modèle WhatsApp n'est configuré "
            f"(RELAIS_WHATSAPP_TEMPLATE_{(lang or 'fr').upper()}) : le message partira quand la "
            "personne écrira"
        )
    if used != lang:
        return (
            f"{base} en {french_name(used)}, faute de modèle approuvé en {french_name(lang)}"
            f" (RELAIS_WHATSAPP_TEMPLATE_{lang.upper()})"
        )
    return base


class Window:
    """The outbox's check before free text on a channel with a window (WhatsApp)."""

    def __init__(
        self,
        templates: dict[str, str],
        send_template: TemplateSender,
        reminder_templates: dict[str, str] | None = None,
    ) -> None:
        self.templates = templates
        self.send_template = send_template
        self.reminder_templates = reminder_templates or {}

    async def check(
        self,
        db: Database,
        channel: str,
        user_id: str,
        lang: str,
        now: float,
        *,
        closed: bool = False,
        reminder: bool = False,
    ) -> tuple[str, str] | None:
        """None: send now. Else (note for the mediator, template sid or ""): hold the
        person's messages. `closed`: Twilio itself said the window is closed (63016);
        `reminder`: a reminder is held, its own template goes when there is one.
        The template is sent outside any transaction (a slow Twilio holds up no writer)."""
        found = await state(db.conn, channel, user_id)
        if closed:
            async with db.transaction() as conn:
                await conn.execute(
                    "UPDATE channel_windows SET last_inbound = CASE WHEN last_inbound > ? "
                    "THEN ? ELSE last_inbound END WHERE channel = ? AND user_id = ?",
                    (now - WINDOW, now - WINDOW, channel, user_id),
                )
        elif found.open(now):
            return None
        lang = lang or "fr"
        picked = pick_template(self.reminder_templates, lang) if reminder else None
        picked = picked or pick_template(self.templates, lang)
        if found.waiting:  # the template went already: nothing more until they answer
            return template_note(lang, found.template_lang or None), ""
        sid = ""
        if picked is not None:
            sid = await self.send_template(channel, user_id, picked[1])
            log.info("%s window closed: a %s template was sent", channel, picked[0])
        else:
            log.warning("%s window closed and no template for %s is configured", channel, lang)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO channel_windows (channel, user_id, last_inbound, template_at, "
                "template_lang) VALUES (?, ?, 0, ?, ?) ON CONFLICT (channel, user_id) DO "
                "UPDATE SET template_at = excluded.template_at, "
                "template_lang = excluded.template_lang",
                (channel, user_id, now, picked[0] if picked else ""),
            )
        return template_note(lang, picked[0] if picked else None), sid
