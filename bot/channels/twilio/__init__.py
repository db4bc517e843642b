"""SMS and WhatsApp through Twilio, as one channel package.

One package, not two: Twilio posts both to the same webhook (WhatsApp senders start with
`whatsapp:`), signs both with the account's token, reports on both through the same status
callbacks, and sends both with the same REST client. They differ only in rendering (the SMS
segment budget; WhatsApp's 1,600 characters) and in WhatsApp's 24-hour window
(`bot/window.py`), which the sender declares.

`render.py` (replies → SMS/WhatsApp texts, TwiML), `inbound.py` (signature, message → event),
`sender.py` (REST, for the outbox), `status.py` (delivery callbacks), `webhook.py` (the
routes and the channel `relais serve` opens).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels.base import Registration, View
from bot.channels.twilio.render import console_view, simulate_view
from bot.config import ConfigError

if TYPE_CHECKING:
    from bot.app import Relais
    from bot.channels.base import Channel
    from bot.config import Settings


def _configured(settings: Settings) -> bool:
    return settings.twilio is not None


def _webhooks(relais: Relais) -> Channel:
    from bot.channels.twilio.webhook import TwilioChannel

    return TwilioChannel(relais)


async def _open(relais: Relais) -> Channel:
    from bot.channels.twilio.sender import TwilioSender
    from bot.channels.twilio.webhook import TwilioChannel

    settings = relais.settings
    if not settings.public_url:
        raise ConfigError("RELAIS_PUBLIC_URL is required to check Twilio's signatures")
    sender = TwilioSender(
        settings.twilio,
        relais.conversations,
        budget=settings.sms_segments,
        public_url=settings.public_url,
    )
    return TwilioChannel(relais, sender)


REGISTRATION = Registration(
    name="twilio",
    configured=_configured,
    open=_open,
    webhooks=_webhooks,
    views={"sms": View(console_view, simulate_view)},
)
