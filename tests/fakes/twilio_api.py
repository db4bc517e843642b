"""A fake Twilio REST API on 127.0.0.1 that records what the real twilio client sends.

It answers Messages.json like Twilio (201 and a message resource), checks the account's
Basic credentials, and fails on demand: 429 (too many requests), 5xx (Twilio down), 400 with
error 63016 (WhatsApp free text outside the 24-hour window) or 21610 (the person answered
STOP). Run alone (`python -m tests.fakes.twilio_api`) it prints its port.
"""

from __future__ import annotations

import base64
import itertools
import threading
import time
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.local import serve_locally

ERRORS = {
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
    63016: (
        63016,
        "Failed to send freeform message because you are outside the allowed window. "
        "If you are using WhatsApp, please use a Message Template.",
    ),
    21610: (21610, "Attempt to send to unsubscribed recipient"),
}


@dataclass
class FakeTwilioApi:
    account_sid: str
    auth_token: str
    messages: list[dict] = field(default_factory=list)
    """The accepted Messages.json POSTs, in order (their form fields)."""
    refused: list[dict] = field(default_factory=list)
    """The POSTs answered with an error."""
    failing: list[int] = field(default_factory=list)
    """What the next POSTs get, one each: 429, 500, 503 (HTTP status) or 63016, 21610
    (Twilio error codes, HTTP 400)."""
    down: bool = False
    """Every POST answers 503 while set (Twilio down)."""
    accept_at_most: int | None = None
    """Once this many messages were accepted, the others answer 503."""
    port: int = 0
    _server: uvicorn.Server | None = None
    _sids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def to(self, recipient: str) -> list[dict]:
        return [m for m in self.messages if m.get("To") == recipient]

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("authorization", "") == f"Basic {expected}"

    def _failure(self) -> int | None:
        with self._lock:
            if self.failing:
                return self.failing.pop(0)
            if self.down:
                return 503
            if self.accept_at_most is not None and len(self.messages) >= self.accept_at_most:
                return 503
        return None

    async def _messages(self, request: Request) -> JSONResponse:
        if not self._authorised(request) or request.path_params["sid"] != self.account_sid:
            body = {"code": 20003, "message": "Authenticate", "status": 401}
            return JSONResponse(body, status_code=401)
        form = {k: v for k, v in (await request.form()).items()}
        failure = self._failure()
        if failure is not None:
            code, message = ERRORS[failure]
            status = failure if failure < 1000 else 400
            self.refused.append({**form, "_error": failure})
            body = {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            }
            return JSONResponse(body, status_code=status)
        sid = f"SM{next(self._sids):032x}"
        with self._lock:
            self.messages.append({**form, "_sid": sid})
        now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        resource = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form.get("To"),
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body", ""),
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "price": None,
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
        return JSONResponse(resource, status_code=201)

    def start(self) -> None:
        route = Route("/2010-04-01/Accounts/{sid}/Messages.json", self._messages, methods=["POST"])
        self._server, self.port = serve_locally(Starlette(routes=[route]))

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True


if __name__ == "__main__":
    import sys

    fake = FakeTwilioApi("AC" + "0" * 32, sys.argv[1] if len(sys.argv) > 1 else "token")
    fake.start()
    print(fake.port, flush=True)
    sys.stdin.read()
