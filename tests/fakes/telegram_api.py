"""A fake Telegram Bot API on 127.0.0.1 that records what the real client library sends."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.local import serve_locally

BOT_USER = {"id": 999, "is_bot": True, "first_name": "Relais", "username": "relais_test_bot"}


@dataclass
class FakeBotApi:
    calls: list[tuple[str, dict]] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    updates: list[dict] = field(default_factory=list)
    """Handed out by getUpdates, for long polling."""
    failing: int = 0
    """The next `failing` calls answer 502, as Telegram does when it is down."""
    port: int = 0
    _server: uvicorn.Server | None = None
    _next_id: int = 100

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sent(self, method: str, chat_id: int | None = None) -> list[dict]:
        return [
            data
            for name, data in self.calls
            if name == method and (chat_id is None or int(data.get("chat_id", 0)) == chat_id)
        ]

    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        if request.headers.get("content-type", "").startswith("application/json"):
            data = await request.json()
        else:
            data = {k: v for k, v in (await request.form()).items()}
        for key in ("reply_markup", "reply_parameters", "commands"):
            if isinstance(data.get(key), str):
                data[key] = json.loads(data[key])
        if self.failing > 0:
            self.failing -= 1
            return JSONResponse(
                {"ok": False, "error_code": 502, "description": "Bad Gateway"}, status_code=502
            )
        self.calls.append((method, data))
        chat_id = int(data.get("chat_id", 0) or 0)
        if chat_id in self.blocked:
            return JSONResponse(
                {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                },
                status_code=403,
            )
        code = data.get("language_code")
        if method.startswith("setMy") and code and not re.fullmatch(r"[a-z]{2}", code):
            # Telegram takes two-letter ISO 639-1 codes only.
            return JSONResponse(
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: invalid language code",
                },
                status_code=400,
            )
        if method == "getUpdates":
            handed, self.updates[:] = list(self.updates), []
            return JSONResponse({"ok": True, "result": handed})
        if method == "getMe":
            return JSONResponse({"ok": True, "result": BOT_USER})
        if method in ("sendMessage", "sendVenue"):
            self._next_id += 1
            message = {
                "message_id": self._next_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": BOT_USER,
                "text": data.get("text", ""),
            }
            return JSONResponse({"ok": True, "result": message})
        return JSONResponse({"ok": True, "result": True})

    def start(self) -> None:
        app = Starlette(
            routes=[Route("/bot{token}/{method}", self._endpoint, methods=["POST", "GET"])]
        )
        self._server, self.port = serve_locally(app)

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True


if __name__ == "__main__":
    import sys

    fake = FakeBotApi()
    fake.start()
    print(fake.port, flush=True)
    sys.stdin.read()
