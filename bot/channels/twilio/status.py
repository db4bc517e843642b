"""Twilio's status callbacks: what became of a message it accepted (delivered, read, failed,
undelivered and why), written on the mediator's message so that they see it."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.handoff.tickets import set_delivery
from bot.store import Database

log = logging.getLogger(__name__)

FINAL = ("delivered", "read", "failed", "undelivered")
"""The statuses worth showing; queued, sending and sent change nothing for the mediator."""
BAD = ("failed", "undelivered")
RANK = {"sent": 0, "delivered": 1, "read": 2}
ERRORS_FR = {
    "30003": "téléphone éteint ou injoignable",
    "30004": "la personne a bloqué les messages",
    "30005": "numéro inconnu ou qui n'existe plus",
    "30006": "ligne fixe, ou opérateur injoignable",
    "30007": "filtré par l'opérateur",
    "30008": "erreur inconnue de l'opérateur",
    "63016": "hors de la fenêtre WhatsApp de 24 h : il fallait un modèle approuvé",
    "63024": "destinataire WhatsApp invalide",
}


def error_fr(code: str) -> str:
    code = code.strip()
    if not code:
        return "sans raison donnée par Twilio"
    return f"{ERRORS_FR.get(code, 'erreur Twilio')} (code {code})"


async def record_status(db: Database, form: Mapping[str, str]) -> bool:
    """Apply one status callback; False when it concerns nothing Relais tracks."""
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "").lower()
    if status not in FINAL or not sid:
        return False
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "SELECT t.ticket_message_id, t.kind, m.delivery FROM twilio_messages t "
            "JOIN ticket_messages m ON m.id = t.ticket_message_id WHERE t.sid = ?",
            (sid,),
        )
        if not rows:
            return False
        message_id, kind, current = rows[0]
        if status in BAD:
            why = error_fr(form.get("ErrorCode", ""))
            if kind == "template":
                note = f"le modèle WhatsApp n'a pas été distribué ({why}) : la personne ne sait "
                note += "pas qu'une réponse l'attend"
                await set_delivery(conn, message_id, "undelivered", note)
            else:
                await set_delivery(conn, message_id, status, why)
            log.warning("Twilio reports a message %s: %s", status, why)
        elif kind == "message" and current not in BAD and RANK.get(current, 0) < RANK[status]:
            await set_delivery(conn, message_id, status)
    return True
