"""Loading the flows a deployment runs: read every file, check them together, refuse errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.flows.check import check_files
from bot.flows.model import FlowSet
from bot.flows.problems import FlowError
from bot.flows.reader import flow_files, read_flow_file

__all__ = ["FlowError", "load_flows"]


def load_flows(
    paths: list[str | Path] | None = None, *, main: str = "menu", handoff: str = "aide"
) -> FlowSet:
    """Load and check flows; raise `FlowError` if any error would make them unsafe to run."""
    files = flow_files(paths)
    parsed = [read_flow_file(f) for f in files]
    problems = check_files(parsed, today=date.today(), main=main, handoff=handoff)
    if any(not p.warning for p in problems):
        raise FlowError(problems)
    flows = {p.flow.id: p.flow for p in parsed if p.flow}
    return FlowSet(flows=flows, main=main, handoff=handoff, files=tuple(map(str, files)))
