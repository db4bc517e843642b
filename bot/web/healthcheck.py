"""`python -m bot.web.healthcheck`: exit 0 when the `relais serve` of this configuration
answers GET /healthz with "ok", 1 otherwise, with one line saying why.

The Docker image's HEALTHCHECK: it reads RELAIS_LISTEN (and a .env file, as `relais serve`
does), so the probe follows the address the server really listens on; a server listening
on every address (0.0.0.0, ::) is probed on the loopback."""

from __future__ import annotations

import json
import sys
import urllib.request

from bot.config import ConfigError, load_listen

TIMEOUT = 5.0


def health_url(host: str, port: int) -> str:
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/healthz"


def check() -> str | None:
    """None when healthy, else why not."""
    try:
        url = health_url(*load_listen())
    except ConfigError as exc:
        return str(exc)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            status = json.loads(response.read()).get("status")
    except (OSError, ValueError) as exc:
        return f"{url} does not answer: {exc}"
    return None if status == "ok" else f"{url} says {status!r}"


def main() -> int:
    problem = check()
    if problem is not None:
        print(f"relais is not healthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
