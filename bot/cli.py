"""The `relais` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import replace

from bot.config import ConfigError, Settings, load_settings, parse_listen
from bot.flows import FlowError
from bot.store.db import DatabaseError


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help="SQLite file (path or sqlite:///path) or postgresql://… URL "
        "(default: RELAIS_DB or relais.db)",
    )


def build_parser() -> argparse.ArgumentParser:
    from bot.channels.registry import views
    from bot.channels.telegram import commands as telegram_cli
    from bot.flows import cli as flows_cli
    from bot.handoff import cli as handoff_cli
    from bot.i18n import cli as i18n_cli
    from bot.places import cli as places_cli
    from bot.privacy import cli as privacy_cli
    from bot.reminders import cli as reminders_cli
    from bot.stats import cli as stats_cli
    from bot.store import cli as store_cli
    from bot.web import serve as serve_cli

    parser = argparse.ArgumentParser(
        prog="relais", description="Relais: help with online procedures, by chat."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", help="talk to Relais in this terminal")
    channels = tuple(sorted(views()))
    chat.add_argument("--channel", choices=channels, default="sms")
    chat.add_argument("--lang", metavar="CODE", help="language of a new conversation")
    chat.add_argument(
        "--no-history", action="store_true", help="keep no history of typed lines on disk"
    )
    _db_option(chat)

    simulate = commands.add_parser("simulate", help="JSON lines in, JSON lines out (for tests)")
    simulate.add_argument("--channel", choices=channels, required=True)
    simulate.add_argument("--user", metavar="ID", default="simulator")
    simulate.add_argument("--lang", metavar="CODE", help="language of a new conversation")
    simulate.add_argument("--now", metavar="ISO-8601", help="time of the messages")
    _db_option(simulate)

    serve_cli.register(commands, _db_option)
    telegram_cli.register(commands, _db_option)
    places_cli.register(commands)
    handoff_cli.register(commands)
    privacy_cli.register(commands)
    reminders_cli.register(commands, _db_option)
    stats_cli.register(commands)
    store_cli.register(commands, _db_option)
    flows_cli.register(commands)
    i18n_cli.register(commands)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    # `relais chat`: the terminal shows the conversation, not the INFO lines
    settings = load_settings(log_level="WARNING" if args.command == "chat" else "INFO")
    if getattr(args, "db", None):
        settings = replace(settings, db=args.db)
    if getattr(args, "listen", None):
        settings = replace(settings, listen=parse_listen(args.listen, "--listen"))
    return settings


def _loop_factory(command: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop for the long-running service, where its faster I/O pays; the default elsewhere."""
    if command not in ("serve", "poll"):
        return None
    try:
        import uvloop
    except ImportError:  # not installed on Windows
        return None
    return uvloop.new_event_loop


async def _run_with_relais(args: argparse.Namespace) -> int:
    from bot.app import start
    from bot.channels.telegram.commands import poll
    from bot.web.serve import serve

    relais = await start(_settings(args))
    try:
        if args.command == "chat":
            from bot.channels.console.chat import chat

            await chat(relais, args.channel, args.lang, history=not args.no_history)
        elif args.command == "simulate":
            from bot.simulator import parse_time, run

            now = parse_time(args.now, "--now") if args.now else None
            await run(relais, args.channel, args.user, args.lang, now)
        elif args.command == "serve":
            await serve(relais)
        elif args.command == "poll":
            await poll(relais)
    finally:
        await relais.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "i18n":
            from bot.i18n.cli import run as run_i18n

            return run_i18n(args)
        if args.command == "webhook":
            from bot.channels.telegram.commands import webhook_set

            return asyncio.run(webhook_set())
        if args.command == "telegram":
            from bot.channels.telegram.commands import telegram_setup

            return asyncio.run(telegram_setup())
        if args.command == "places":
            from bot.places.cli import run as run_places

            return run_places(args, _settings(args))
        if args.command == "purge":
            from bot.privacy.cli import run as run_purge

            return run_purge(args, _settings(args))
        if args.command == "stats":
            from bot.stats.cli import run as run_stats

            return run_stats(args, _settings(args))
        if args.command in ("mediators", "tickets", "audit"):
            from bot.handoff.cli import run as run_handoff

            return run_handoff(args, _settings(args))
        if args.command == "reminders":
            from bot.reminders.cli import run as run_reminders

            return run_reminders(args, _settings(args))
        if args.command == "db":
            from bot.store.cli import run as run_db

            return run_db(args, _settings(args))
        if args.command == "flows":
            from bot.flows.cli import run as run_flows

            return run_flows(args)
        with asyncio.Runner(loop_factory=_loop_factory(args.command)) as runner:
            return runner.run(_run_with_relais(args))
    except (ConfigError, DatabaseError) as exc:
        print(f"relais: {exc}", file=sys.stderr)
        return 2
    except FlowError as exc:
        print("relais: the flows have errors; fix them (relais flows check):", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
