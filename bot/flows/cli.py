"""`relais flows …`: check the flows, draw them, export them for reviewers."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from bot.config import load_settings
from bot.flows.loader import load_flows


def register(commands: argparse._SubParsersAction) -> None:
    flows = commands.add_parser("flows", help="work with the decision flows")
    flow_commands = flows.add_subparsers(dest="flows_command", required=True, metavar="ACTION")
    check = flow_commands.add_parser("check", help="check flow files; exit 1 on any error")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders")
    graph = flow_commands.add_parser("graph", help="draw a flow (Mermaid, or SVG with Graphviz)")
    graph.add_argument("flow", metavar="FLOW", help="flow id, e.g. caf")
    graph.add_argument("--format", choices=("mermaid", "svg", "dot"), default="mermaid")
    graph.add_argument(
        "--with-stats", action="store_true", help="colour each node by how many people left there"
    )
    graph.add_argument("--db", metavar="PATH", help="for --with-stats (default: RELAIS_DB)")
    export = flow_commands.add_parser("export", help="every flow as one readable document")
    export.add_argument("--format", choices=("markdown",), default="markdown")
    for sub in (graph, export):
        sub.add_argument("--output", "-o", metavar="FILE", help="write there instead of stdout")


def run(args: argparse.Namespace) -> int:
    if args.flows_command == "check":
        return flows_check(args.paths)
    return flows_render(args)


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
    if whole_set:
        errors += check_deadlines(named, [p.flow for p in parsed if p.flow])
    warnings = len(problems) - errors
    print(f"{len(files)} flow files checked: {errors} errors, {warnings} warnings", file=sys.stderr)
    return 1 if errors else 0


def check_deadlines(named: list[str] | None, flows: list) -> int:
    """flows/deadlines.yaml beside the flows: its schema, dates and the nodes it names."""
    from bot.flows import FlowSet
    from bot.reminders.deadlines import (
        DeadlineError,
        check_against_flows,
        deadlines_path,
        read_deadlines,
    )

    path = deadlines_path(named or ())
    if path is None:
        return 0
    try:
        deadlines = read_deadlines(path)
    except DeadlineError as exc:
        print(exc)
        return 1
    flow_set = FlowSet(flows={f.id: f for f in flows}, main="menu", handoff="aide")
    problems = check_against_flows(deadlines, flow_set)
    for problem in problems:
        print(f"{path}: {problem}")
    return len(problems)


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
        left = _left_at(flows, flow.id, args.db) if args.with_stats else None
        try:
            text = {"mermaid": render.mermaid, "svg": render.svg, "dot": render.dot}[args.format](
                flow, left
            )
        except render.GraphvizMissing as exc:
            print(f"relais: {exc}", file=sys.stderr)
            return 1
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _left_at(flows, flow_id: str, db_path: str | None) -> dict:
    """How many people left at each node of the flow, ever (small counts hidden)."""
    import asyncio

    from bot.stats.cli import current_figures
    from bot.stats.report import hide_small
    from bot.store import open_database

    settings = load_settings()

    async def read() -> dict:
        db = await open_database(db_path or settings.db, hash_key=settings.hash_key)
        try:
            idle = settings.idle_after.total_seconds()
            return await current_figures(db, flows, idle, flow=flow_id)
        finally:
            await db.close()

    nodes = hide_small(asyncio.run(read()))["flows"].get(flow_id, {}).get("nodes", {})
    return {node: counts["left_here"] for node, counts in nodes.items()}


def writing_report(flows) -> str:
    """Per flow: sentence length (FALC) and SMS cost; then the longest sentences."""
    from bot.flows.writing import measure

    rows = [
        f"{'flow':<16}{'sentences':>10}{'avg words':>10}{'UCS-2 replies':>15}{'max SMS':>9}"
        "  costliest reply"
    ]
    everything = []
    for flow in flows:
        w = measure(flow)
        everything.extend((s, flow) for s in w.sentences)
        rows.append(
            f"{flow.id:<16}{len(w.sentences):>10}{w.average_words:>10.1f}"
            f"{f'{w.ucs2_replies}/{w.replies}':>15}{w.max_segments:>9}  {w.costliest}"
        )
    rows.append("longest sentences:")
    for sentence, flow in sorted(everything, key=lambda pair: -pair[0].words)[:5]:
        rows.append(f"  {flow.path}:{sentence.line}: {sentence.words} words: {sentence.text[:70]}")
    return "\n".join(rows)
