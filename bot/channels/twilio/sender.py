"""Messages Relais sends later by SMS or WhatsApp (a mediator's answer, a reminder), through
Twilio's REST API, for the outbox."""

from __future__ import annotations

import functools
import logging
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.channels.twilio.render import outgoing
from bot.config import TwilioSettings
from bot.conversations import Conversations
from bot.outbox import OutsideWindow, Sender, TryLater, Undeliverable, replies_of
from bot.window import Window

log = logging.getLogger(__name__)

OPTED_OUT = 21610
"""Twilio's error: the recipient answered STOP; nothing may be sent to them."""
OUTSIDE_WINDOW = 63016
"""Twilio's error: WhatsApp free text outside the 24-hour window."""
STATUS_PATH = "/webhooks/twilio/status"
"""Where Twilio reports what became of a message it accepted (status callbacks)."""


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
