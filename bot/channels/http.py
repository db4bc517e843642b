"""What every channel's webhook shares: the body size limit and the answer that makes a
channel deliver again."""

from __future__ import annotations

from starlette.responses import PlainTextResponse, Response

MAX_BODY = 64 * 1024
"""Webhook bodies larger than this are refused before parsing (a real one is a few KB)."""


def unavailable() -> Response:
    """Nothing was processed (the database stayed locked): the channel delivers it again."""
    return PlainTextResponse("busy, try again", status_code=503, headers={"Retry-After": "5"})
