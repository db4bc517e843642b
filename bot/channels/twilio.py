"""SMS and WhatsApp through Twilio: signed webhooks in, TwiML out, REST for later messages."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.sms import sms_messages
from bot.config import TwilioSettings
from bot.conversations import Conversations
from bot.engine import Event, Location, Media, Reply, Text
from bot.outbox import Sender, TryLater, Undeliverable, replies_of

log = logging.getLogger(__name__)

OPTED_OUT = 21610
"""Twilio's error: the recipient answered STOP; nothing may be sent to them."""
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


def signature_ok(auth_token: str, url: str, form: Mapping[str, str], signature: str) -> bool:
    """Twilio signs the public URL it called and the form fields (HMAC-SHA1)."""
    return bool(signature) and RequestValidator(auth_token).validate(url, dict(form), signature)


def twiml(channel: str, replies: Sequence[Reply], budget: int) -> str:
    response = MessagingResponse()
    for body in outgoing(channel, replies, budget):
        response.message(body)
    return str(response)


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
        return str(MessagingResponse())
    if inbound.opt_out == "START":
        await conversations.set_stopped(inbound.channel, inbound.user_id, False)
        return str(MessagingResponse())
    handled = await conversations.handle(
        inbound.channel,
        inbound.user_id,
        inbound.event,
        external_id=inbound.message_sid or None,
    )
    return twiml(inbound.channel, handled.replies, budget)


class TwilioSender:
    """Messages Relais sends later (a mediator's answer), for the outbox: one try each time,
    the outbox retries what Twilio could not take."""

    def __init__(
        self,
        settings: TwilioSettings,
        conversations: Conversations,
        http_client: AsyncTwilioHttpClient | None = None,
        budget: int = 3,
    ) -> None:
        self.settings = settings
        self.conversations = conversations
        self.budget = budget
        self.client = Client(
            settings.account_sid,
            settings.auth_token,
            http_client=http_client or AsyncTwilioHttpClient(),
        )

    async def close(self) -> None:
        await self.client.http_client.close()

    def senders(self) -> dict[str, Sender]:
        """The outbox's senders for the channels this account serves."""
        out: dict[str, Sender] = {"sms": functools.partial(self.deliver, "sms")}
        if self.settings.whatsapp_sender:
            out["whatsapp"] = functools.partial(self.deliver, "whatsapp")
        return out

    def _sender(self, channel: str) -> dict[str, str]:
        if channel == "whatsapp":
            return {"from_": f"whatsapp:{self.settings.whatsapp_sender.removeprefix('whatsapp:')}"}
        if self.settings.sender.startswith("MG"):
            return {"messaging_service_sid": self.settings.sender}
        return {"from_": self.settings.sender}

    async def deliver(self, channel: str, to: str, payload: list[dict]) -> None:
        """Send queued replies in order, in as few SMS as the segment budget allows."""
        for body in outgoing(channel, replies_of(payload), self.budget):
            try:
                await self.client.messages.create_async(to=to, body=body, **self._sender(channel))
            except TwilioRestException as exc:
                if exc.code == OPTED_OUT:
                    await self.conversations.set_stopped(channel, to, True)
                    raise Undeliverable("la personne a répondu STOP à Relais") from None
                if exc.status == 429 or exc.status >= 500:
                    raise TryLater(f"Twilio {exc.status}: {exc.msg}") from None
                raise Undeliverable(f"Twilio a refusé ({exc.code}) : {exc.msg}") from None
            except (OSError, TimeoutError, aiohttp.ClientError) as exc:
                raise TryLater(f"Twilio injoignable : {exc}") from None
