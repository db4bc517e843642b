"""The `relais` command."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.flows import FlowError, load_flows
from bot.store.db import DatabaseError


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="PATH", help="SQLite database file (default: RELAIS_DB or relais.db)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="relais", description="Relais: help with online procedures, by chat."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", help="talk to Relais in this terminal")
    chat.add_argument("--channel", choices=("sms", "telegram"), default="sms")
    chat.add_argument("--lang", metavar="CODE", help="language of a new conversation")
    _db_option(chat)

    simulate = commands.add_parser("simulate", help="JSON lines in, JSON lines out (for tests)")
    simulate.add_argument("--channel", choices=("sms", "telegram"), required=True)
    simulate.add_argument("--user", metavar="ID", default="simulator")
    simulate.add_argument("--lang", metavar="CODE", help="language of a new conversation")
    simulate.add_argument("--now", metavar="ISO-8601", help="time of the messages")
    _db_option(simulate)

    i18n = commands.add_parser("i18n", help="translations: extract, init, update, compile, status")
    i18n_commands = i18n.add_subparsers(dest="i18n_command", required=True, metavar="ACTION")
    i18n_commands.add_parser("extract", help="write locales/*.pot from the code and the flows")
    init = i18n_commands.add_parser("init", help="start the catalogs of a new language")
    init.add_argument("lang", metavar="LANG", help="language code, e.g. bn or tr")
    i18n_commands.add_parser("update", help="merge new and changed texts into every catalog")
    i18n_commands.add_parser("compile", help="build the .mo files the bot loads")
    i18n_commands.add_parser("status", help="per language: translated, missing, fuzzy, review")
    i18n_check = i18n_commands.add_parser("check", help="links, numbers and SMS cost of a language")
    i18n_check.add_argument("langs", nargs="*", metavar="LANG")

    from bot.places.cli import register as register_places

    register_places(commands)

    serve = commands.add_parser("serve", help="run the HTTP service (health, webhooks)")
    serve.add_argument(
        "--listen", metavar="HOST:PORT", help="default: RELAIS_LISTEN or 127.0.0.1:8000"
    )
    _db_option(serve)

    poll_parser = commands.add_parser("poll", help="Telegram by long polling (no public URL)")
    _db_option(poll_parser)
    webhook = commands.add_parser("webhook", help="Telegram webhook registration")
    webhook_commands = webhook.add_subparsers(dest="webhook_command", required=True)
    webhook_commands.add_parser("set", help="register RELAIS_PUBLIC_URL and the secret")

    flows = commands.add_parser("flows", help="work with the decision flows")
    flow_commands = flows.add_subparsers(dest="flows_command", required=True, metavar="ACTION")
    check = flow_commands.add_parser("check", help="check flow files; exit 1 on any error")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders")
    graph = flow_commands.add_parser("graph", help="draw a flow (Mermaid, or SVG with Graphviz)")
    graph.add_argument("flow", metavar="FLOW", help="flow id, e.g. caf")
    graph.add_argument("--format", choices=("mermaid", "svg", "dot"), default="mermaid")
    export = flow_commands.add_parser("export", help="every flow as one readable document")
    export.add_argument("--format", choices=("markdown",), default="markdown")
    for sub in (graph, export):
        sub.add_argument("--output", "-o", metavar="FILE", help="write there instead of stdout")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    if getattr(args, "db", None):
        settings = replace(settings, db=args.db)
    if getattr(args, "listen", None):
        os.environ["RELAIS_LISTEN"] = args.listen
        settings = replace(settings, listen=load_settings().listen)
    return settings


def flows_check(paths: list[str]) -> int:
    from bot.flows.check import check_files
    from bot.flows.reader import flow_files, read_flow_file

    settings = load_settings()
    named = paths or list(settings.flows) or None
    files = flow_files(named)
    if not files:
        print("no flow files found", file=sys.stderr)
        return 1
    parsed = [read_flow_file(f) for f in files]
    whole_set = not paths
    problems = check_files(
        parsed,
        today=date.today(),
        main="menu" if whole_set else None,
        handoff="aide" if whole_set else None,
    )
    for problem in problems:
        print(problem)
    flows = [p.flow for p in parsed if p.flow]
    if flows:
        print(writing_report(flows), file=sys.stderr)
    errors = sum(not p.warning for p in problems)
    warnings = len(problems) - errors
    print(f"{len(files)} flow files checked: {errors} errors, {warnings} warnings", file=sys.stderr)
    return 1 if errors else 0


def flows_render(args: argparse.Namespace) -> int:
    from bot.flows import render

    flows = load_flows(list(load_settings().flows) or None)
    if args.flows_command == "export":
        text = render.markdown(flows)
    else:
        flow = flows.flows.get(args.flow)
        if flow is None:
            known = ", ".join(sorted(flows.flows))
            print(f"relais: no flow '{args.flow}' (known: {known})", file=sys.stderr)
            return 1
        try:
            text = {"mermaid": render.mermaid, "svg": render.svg, "dot": render.dot}[args.format](
                flow
            )
        except render.GraphvizMissing as exc:
            print(f"relais: {exc}", file=sys.stderr)
            return 1
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def i18n_command(args: argparse.Namespace) -> int:
    from bot.i18n import workflow

    if args.i18n_command == "extract":
        for domain, count in workflow.extract().items():
            print(f"locales/{domain}.pot: {count} texts")
    elif args.i18n_command == "init":
        workflow.extract()
        for path in workflow.init(args.lang):
            print(f"created {path}: translate it, then run `relais i18n compile`")
    elif args.i18n_command == "update":
        workflow.extract()
        for path in workflow.update():
            print(f"updated {path}")
    elif args.i18n_command == "compile":
        problems = workflow.compile_all()
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"compiled {len(workflow.languages())} languages")
        return 1 if problems else 0
    elif args.i18n_command == "status":
        print(workflow.status_table(workflow.status()))
    else:
        return i18n_check(args.langs)
    return 0


def i18n_check(langs: list[str]) -> int:
    """What a translator must fix: lost links or numbers, replies over the SMS budget."""
    from bot.i18n import Catalogs
    from bot.i18n.quality import MAX_SEGMENTS_TRANSLATED, reply_costs
    from bot.i18n.workflow import catalog_problems, languages

    problems = [p for lang in langs or languages() for p in catalog_problems(lang)]
    flows = load_flows(list(load_settings().flows) or None)
    for cost in reply_costs(flows, Catalogs()):
        if (not langs or cost.lang in langs) and cost.segments > MAX_SEGMENTS_TRANSLATED:
            problems.append(
                f"{cost.lang}: the SMS of {cost.flow}/{cost.node} costs {cost.segments} "
                f"segments (at most {MAX_SEGMENTS_TRANSLATED}): make it shorter"
            )
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


def writing_report(flows) -> str:
    """Per flow: sentence length (FALC) and SMS cost; then the longest sentences."""
    from bot.flows.writing import measure

    rows = [f"{'flow':<16}{'sentences':>10}{'avg words':>10}{'UCS-2 replies':>15}{'max SMS':>9}"]
    everything = []
    for flow in flows:
        w = measure(flow)
        everything.extend((s, flow) for s in w.sentences)
        rows.append(
            f"{flow.id:<16}{len(w.sentences):>10}{w.average_words:>10.1f}"
            f"{f'{w.ucs2_replies}/{w.replies}':>15}{w.max_segments:>9}"
        )
    rows.append("longest sentences:")
    for sentence, flow in sorted(everything, key=lambda pair: -pair[0].words)[:5]:
        rows.append(f"  {flow.path}:{sentence.line}: {sentence.words} words: {sentence.text[:70]}")
    return "\n".join(rows)


async def _run_with_relais(args: argparse.Namespace) -> int:
    from bot.app import start

    relais = await start(_settings(args))
    try:
        if args.command == "chat":
            from bot.channels.console import chat

            await chat(relais, args.channel, args.lang)
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


async def serve(relais) -> None:
    """One process: health, the Telegram webhook and the Twilio webhook, as configured."""
    import uvicorn

    from bot.channels.telegram import TelegramChannel, build_application
    from bot.web.app import create_app

    settings = relais.settings
    telegram = None
    if settings.telegram is not None:
        if not settings.telegram.secret:
            raise ConfigError("RELAIS_TELEGRAM_SECRET is required to serve the Telegram webhook")
        application = build_application(settings.telegram)
        await application.initialize()
        telegram = TelegramChannel(relais.conversations, application)
    if settings.twilio is not None and not settings.public_url:
        raise ConfigError("RELAIS_PUBLIC_URL is required to check Twilio's signatures")
    # uvicorn re-raises SIGTERM once it has stopped serving: make that a clean exit, so the
    # cleanup below runs (a container stop sends SIGTERM).
    signal.signal(signal.SIGTERM, _stop)
    host, port = settings.listen
    config = uvicorn.Config(
        create_app(relais, telegram), host=host, port=port, log_level=settings.log_level.lower()
    )
    try:
        await uvicorn.Server(config).serve()
    finally:
        if telegram is not None:
            await telegram.drain(timeout=SHUTDOWN_GRACE)
            await telegram.application.shutdown()


SHUTDOWN_GRACE = 10.0
"""Seconds a stopping server gives the replies still queued for Telegram."""


def _stop(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


async def poll(relais) -> None:
    """Telegram by long polling, for a developer without a public address."""
    from bot.channels.telegram import TelegramChannel, build_application

    if relais.settings.telegram is None:
        raise ConfigError("RELAIS_TELEGRAM_TOKEN is missing: create a bot with @BotFather")
    application = build_application(relais.settings.telegram, webhook=False)
    channel = TelegramChannel(relais.conversations, application)
    async with application:
        await application.bot.delete_webhook()
        await application.updater.start_polling()
        await application.start()
        print("Polling Telegram; Ctrl-C to stop.", file=sys.stderr)
        try:
            await asyncio.Event().wait()
        finally:
            await application.updater.stop()
            await application.stop()
            await channel.drain(timeout=SHUTDOWN_GRACE)


async def webhook_set() -> int:
    from bot.channels.telegram import build_application
    from bot.web.app import TELEGRAM_PATH

    settings = load_settings()
    if settings.telegram is None or not settings.telegram.secret:
        raise ConfigError("RELAIS_TELEGRAM_TOKEN and RELAIS_TELEGRAM_SECRET are required")
    if not settings.public_url.startswith("https://"):
        raise ConfigError("RELAIS_PUBLIC_URL must be the public https address of relais serve")
    application = build_application(settings.telegram)
    url = settings.public_url + TELEGRAM_PATH
    async with application:
        await application.bot.set_webhook(
            url=url,
            secret_token=settings.telegram.secret,
            allowed_updates=["message", "callback_query"],
        )
    print(f"Telegram will call {url}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "i18n":
            return i18n_command(args)
        if args.command == "webhook":
            return asyncio.run(webhook_set())
        if args.command == "places":
            from bot.places.cli import run as run_places

            return run_places(args, _settings(args))
        if args.command == "flows":
            if args.flows_command == "check":
                return flows_check(args.paths)
            return flows_render(args)
        return asyncio.run(_run_with_relais(args))
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
