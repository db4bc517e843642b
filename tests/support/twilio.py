"""Twilio as the tests play it: the test account, signed webhooks, TwiML read back, and
Twilio's own HTTP client with the network replaced by a script."""

from __future__ import annotations

import json

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator

from bot.channels.twilio.webhook import TWILIO_PATH

SID = "AC" + "0" * 32
TOKEN = "twilio-auth-token-for-tests"
PUBLIC = "https://relais.example.org"
URL = PUBLIC + TWILIO_PATH


def signed(params: dict, token: str = TOKEN) -> dict:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(URL, params)}


def sms(body: str, sid: str, sender: str = "+33612345678", **extra) -> dict:
    return {"From": sender, "To": "+33700000000", "Body": body, "MessageSid": sid, **extra}


def messages(twiml: str) -> list[str]:
    import xml.etree.ElementTree as ET

    return [m.text or "" for m in ET.fromstring(twiml).iter("Message")]


async def post(client, params: dict, headers: dict):
    return await client.post(TWILIO_PATH, data=params, headers=headers)


class RecordingHttpClient(AsyncTwilioHttpClient):
    """Twilio's own async HTTP client class, with the network replaced by a script."""

    def __init__(self, statuses: list[int]) -> None:
        super().__init__()
        self.statuses = statuses
        self.requests: list[dict] = []

    async def request(
        self,
        method,
        url,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ):
        self.requests.append({"method": method, "url": url, "data": dict(data or {})})
        status = self.statuses.pop(0) if self.statuses else 201
        if status == 201:
            body = {"sid": f"SM{len(self.requests):032d}", "status": "queued", "body": data["Body"]}
        elif status == 400:
            body = {
                "code": 21610,
                "message": "Attempt to send to unsubscribed recipient",
                "status": 400,
            }
        else:
            body = {"code": 20500, "message": "Internal Server Error", "status": status}
        return TwilioResponse(status, json.dumps(body))
