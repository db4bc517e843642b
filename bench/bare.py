"""The ceiling of the webhook benches: a bare Starlette endpoint served like `relais serve`
(uvicorn, httptools, uvloop, one process), which reads the body and answers "ok".

Run by bench/webhooks.py as `python -m bench.bare PORT`.
"""

from __future__ import annotations

import asyncio
import sys

import uvicorn
import uvloop
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def webhook(request: Request) -> PlainTextResponse:
    await request.body()
    return PlainTextResponse("ok")


async def healthz(_: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def app() -> Starlette:
    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/webhooks/twilio", webhook, methods=["POST"]),
            Route("/webhooks/telegram", webhook, methods=["POST"]),
        ]
    )


def main() -> None:
    config = uvicorn.Config(app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="error")
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
