"""SMS and WhatsApp through Twilio: signed webhooks in, TwiML out, REST for later messages."""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit
from xml.sax.saxutils import escape

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels.sms import sms_messages
from bot.config import TwilioSettings
from bot.conversations import Conversations
from bot.engine import Event, Location, Media, Reply, Text
from bot.outbox import OutsideWindow, Sender, TryLater, Undeliverable, replies_of
from bot.window import Window

log = logging.getLogger(__name__)

OPTED_OUT = 21610
"""Twilio's error: the recipient answered STOP; nothing may be sent to them."""
OUTSIDE_WINDOW = 63016
"""Twilio's error: WhatsApp free text outside the 24-hour window."""
STATUS_PATH = "/webhooks/twilio/status"
"""Where Twilio reports what became of a message it accepted (status callbacks)."""
WHATSAPP_MAX = 1600


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


TWIML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
EMPTY_TWIML = TWIML_HEAD + "<Response />"
"""An answer that sends nothing."""


def twiml(channel: str, replies: Sequence[Reply], budget: int) -> str:
    """The TwiML answer: the text Twilio's `MessagingResponse` writes for these messages,
    written directly (its XML tree cost a quarter of a millisecond a webhook)."""
    bodies = outgoing(channel, replies, budget)
    if not bodies:
        return EMPTY_TWIML
    messages = "".join(
        f"<Message>{escape(body)}</Message>" if body else "<Message />" for body in bodies
    )
    return f"{TWIML_HEAD}<Response>{messages}</Response>"


def outgoing(channel: str, replies: Sequence[Reply], budget: int) -> list[str]:
    """SMS: joined and split to the segment budget. WhatsApp: one message a reply."""
    if channel == "sms":
        return sms_messages(replies, budget)
    bodies = []
    for body in sms_messages(replies, None):
        bodies.extend(body[i : i + WHATSAPP_MAX] for i in range(0, len(body), WHATSAPP_MAX))
    return bodies


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


class ElsewhereHttpClient(AsyncTwilioHttpClient):
    """Twilio's own async HTTP client, sending to another address than api.twilio.com (a
    proxy, a local test double): the way Twilio documents for changing where requests go
    (a custom HTTP client, https://www.twilio.com/docs/libraries/python/custom-http-clients-python)."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    async def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        url = self.base_url + urlunsplit(("", "", parts.path, parts.query, ""))
        return await super().request(method, url, *args, **kwargs)


class TwilioSender:
    """Messages Relais sends later (a mediator's answer), for the outbox: one try each time,
    the outbox retries what Twilio could not take."""

    def __init__(
        self,
        settings: TwilioSettings,
        conversations: Conversations,
        http_client: AsyncTwilioHttpClient | None = None,
        budget: int = 3,
        public_url: str = "",
    ) -> None:
        self.settings = settings
        self.conversations = conversations
        self.budget = budget
        self.status_callback = public_url.rstrip("/") + STATUS_PATH if public_url else ""
        if http_client is None:
            api = settings.api_url
            http_client = ElsewhereHttpClient(api) if api else AsyncTwilioHttpClient()
        self.client = Client(settings.account_sid, settings.auth_token, http_client=http_client)

    async def close(self) -> None:
        await self.client.http_client.close()

    def senders(self) -> dict[str, Sender]:
        """The outbox's senders for the channels this account serves."""
        out: dict[str, Sender] = {"sms": functools.partial(self.deliver, "sms")}
        if self.settings.whatsapp_sender:
            out["whatsapp"] = functools.partial(self.deliver, "whatsapp")
        return out

    def windows(self) -> dict[str, Window]:
        """WhatsApp's 24-hour window, with this account's approved templates."""
        if not self.settings.whatsapp_sender:
            return {}
        return {
            "whatsapp": Window(
                self.settings.templates, self.send_template, self.settings.reminder_templates
            )
        }

    def _sender(self, channel: str) -> dict[str, str]:
        if channel == "whatsapp":
            return {"from_": f"whatsapp:{self.settings.whatsapp_sender.removeprefix('whatsapp:')}"}
        if self.settings.sender.startswith("MG"):
            return {"messaging_service_sid": self.settings.sender}
        return {"from_": self.settings.sender}

    async def deliver(self, channel: str, to: str, payload: list[dict]) -> list[str]:
        """Send queued replies in order, in as few SMS as the segment budget allows; Twilio's
        ids of the messages."""
        sids = []
        for body in outgoing(channel, replies_of(payload), self.budget):
            sids.append(await self._create(channel, to, body=body))
        return sids

    async def send_template(self, channel: str, to: str, content_sid: str) -> str:
        """An approved WhatsApp template, by its ContentSid (the only thing WhatsApp delivers
        outside the 24-hour window)."""
        return await self._create(channel, to, content_sid=content_sid)

    async def _create(self, channel: str, to: str, **content: str) -> str:
        extra = {"status_callback": self.status_callback} if self.status_callback else {}
        try:
            message = await self.client.messages.create_async(
                to=to, **content, **self._sender(channel), **extra
            )
        except TwilioRestException as exc:
            if exc.code == OPTED_OUT:
                await self.conversations.set_stopped(channel, to, True)
                raise Undeliverable("la personne a répondu STOP à Relais") from None
            if exc.code == OUTSIDE_WINDOW and "body" in content:
                raise OutsideWindow(exc.msg) from None
            if exc.status == 429 or exc.status >= 500:
                raise TryLater(f"Twilio {exc.status}: {exc.msg}") from None
            raise Undeliverable(f"Twilio a refusé ({exc.code}) : {exc.msg}") from None
        except (OSError, TimeoutError, aiohttp.ClientError) as exc:
            raise TryLater(f"Twilio injoignable : {exc}") from None
        return message.sid
