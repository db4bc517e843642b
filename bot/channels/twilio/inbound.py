"""What Twilio posts: the signature check, and a message (SMS or WhatsApp) made an engine
event, processed, and answered with TwiML."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from twilio.request_validator import RequestValidator

from bot.channels.twilio.render import EMPTY_TWIML, twiml
from bot.engine import Event, Location, Media, Text

if TYPE_CHECKING:
    from bot.conversations import Conversations


@dataclass(frozen=True)
class Inbound:
    channel: str  # "sms" or "whatsapp"
    user_id: str
    message_sid: str
    event: Event
    opt_out: str = ""  # "STOP", "START" or ""


def parse_inbound(form: Mapping[str, str]) -> Inbound:
    sender = form.get("From", "")
    channel = "whatsapp" if sender.startswith("whatsapp:") else "sms"
    body = form.get("Body", "")
    event: Event = Text(body)
    try:
        lat, lon = float(form.get("Latitude", "")), float(form.get("Longitude", ""))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also refuses NaN
            raise ValueError("not a position on Earth")
        event = Location(lat, lon)
    except ValueError:
        if not body.strip() and form.get("NumMedia", "0") not in ("", "0"):
            event = Media()
    opt_out = form.get("OptOutType", "").upper()
    return Inbound(channel, sender, form.get("MessageSid", ""), event, opt_out)


@functools.lru_cache(maxsize=4)
def _validator(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)


def signature_ok(auth_token: str, url: str, form: Mapping[str, str], signature: str) -> bool:
    """Twilio signs the public URL it called and the form fields (HMAC-SHA1), with or
    without the default port. Twilio's own `validate` computes both forms each time; here
    the second only when the first does not match (one HMAC a genuine request)."""
    if not signature:
        return False
    expected = signature.encode(errors="replace")
    validator = _validator(auth_token)
    for candidate in _url_forms(url):
        computed = validator.compute_signature(candidate, form).encode()
        if hmac.compare_digest(computed, expected):
            return True
    return False


def _url_forms(url: str) -> tuple[str, ...]:
    """The URL as given, then with its default port added or removed (Twilio signs
    either)."""
    parts = urlsplit(url)
    if parts.port:
        other = parts._replace(netloc=parts.netloc.rsplit(":", 1)[0])
    else:
        port = 443 if parts.scheme == "https" else 80
        other = parts._replace(netloc=f"{parts.netloc}:{port}")
    return (url, urlunsplit(other))


async def handle_webhook(conversations: Conversations, form: Mapping[str, str], budget: int) -> str:
    """Process one signed webhook; the TwiML to answer with."""
    inbound = parse_inbound(form)
    if inbound.opt_out == "STOP":
        await conversations.set_stopped(inbound.channel, inbound.user_id, True)
        return EMPTY_TWIML
    if inbound.opt_out == "START":
        await conversations.set_stopped(inbound.channel, inbound.user_id, False)
        return EMPTY_TWIML
    handled = await conversations.handle(
        inbound.channel,
        inbound.user_id,
        inbound.event,
        external_id=inbound.message_sid or None,
    )
    return twiml(inbound.channel, handled.replies, budget)
