"""A fake API served on 127.0.0.1 in a background thread, for the real clients to talk to."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from starlette.applications import Starlette


def serve_locally(app: Starlette) -> tuple[uvicorn.Server, int]:
    """Start `app` on a free port of 127.0.0.1; returns once it accepts connections. The port
    the OS picked stays bound from the start: no other test (xdist worker) can take it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, port
