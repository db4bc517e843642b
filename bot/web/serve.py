"""`relais serve`: the configured channels in production, wired through their registrations
(`bot/channels/registry.py`). Telegram's own commands are in `bot/channels/telegram/commands.py`."""

from __future__ import annotations

import argparse
import signal
from collections.abc import Callable
from pathlib import Path

from bot.app import Relais
from bot.store.address import SQLITE, parse_address
from bot.store.leases import release_all
from bot.store.owner import hold_serving_lock


def register(commands: argparse._SubParsersAction, db_option: Callable) -> None:
    serve_parser = commands.add_parser(
        "serve", help="the HTTP service: webhooks, mediators' inbox, health"
    )
    serve_parser.add_argument(
        "--listen", metavar="HOST:PORT", help="default: RELAIS_LISTEN or 127.0.0.1:8000"
    )
    db_option(serve_parser)


async def serve(relais: Relais) -> None:
    """One process: health, the mediators' pages, and the webhooks of the configured
    channels, their senders given to the outbox."""
    import uvicorn

    from bot.channels.registry import close_all, open_configured
    from bot.web.app import create_app

    settings = relais.settings
    served = parse_address(settings.db)
    if served.dialect == SQLITE:
        if served.location != ":memory:":
            hold_serving_lock(Path(served.location))  # (PostgreSQL: any number of workers)
        # The only server of this file: what a killed one had claimed goes at once.
        await release_all(relais.db)
    channels = await open_configured(relais)
    senders = {name: send for c in channels for name, send in c.senders().items()}
    windows = {name: window for c in channels for name, window in c.windows().items()}
    # uvicorn re-raises SIGTERM once it has stopped serving: make that a clean exit, so the
    # cleanup below runs (a container stop sends SIGTERM).
    signal.signal(signal.SIGTERM, _stop)
    host, port = settings.listen
    config = uvicorn.Config(
        create_app(relais, *channels), host=host, port=port, log_level=settings.log_level.lower()
    )
    try:
        async with relais.outbox(senders, windows), relais.reminders():
            await uvicorn.Server(config).serve()
    finally:
        await close_all(channels)


def _stop(_signum: int, _frame: object) -> None:
    raise SystemExit(0)
