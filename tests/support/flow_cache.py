"""Flows loaded once per test process for the same files, instead of at every `start()`.

Loading the shipped flows (YAML, JSON schema, the checker) takes about a second of CPU, and
hundreds of tests start Relais in-process: that was a fifth of the suite's time. The cache is
keyed by the files' names and *contents* (not their times: the fuzz tests rewrite files
faster than the clock ticks), the options and today's date, so a changed file is loaded
again; a load that fails is never cached (each broken flow is reported every time).
The `relais` commands the tests run in child processes load their flows as usual.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from collections import OrderedDict
from datetime import date
from pathlib import Path

from bot.flows import loader
from bot.flows.model import FlowSet
from bot.flows.reader import flow_files

KEEP = 16
"""Flow sets kept (the shipped ones, the test ones, a few more): fuzzed folders come and go."""

_real = loader.load_flows
_loaded: OrderedDict[tuple, FlowSet] = OrderedDict()


def _key(paths, main: str, handoff: str) -> tuple | None:
    try:
        files = flow_files(paths)
        contents = tuple(hashlib.sha256(Path(f).read_bytes()).digest() for f in files)
    except OSError:
        return None  # the real loader says what is missing
    return tuple(map(str, files)), contents, main, handoff, date.today()


@functools.wraps(_real)
def load_flows(
    paths: list[str | Path] | None = None, *, main: str = "menu", handoff: str = "aide"
) -> FlowSet:
    key = _key(paths, main, handoff)
    if key is None:
        return _real(paths, main=main, handoff=handoff)
    if key in _loaded:
        _loaded.move_to_end(key)
        return _loaded[key]
    flows = _real(paths, main=main, handoff=handoff)
    _loaded[key] = flows
    if len(_loaded) > KEEP:
        _loaded.popitem(last=False)
    return flows


def install() -> None:
    """Every module that holds `load_flows` (bot.app, the CLIs, tests) gets the cached one."""
    for module in list(sys.modules.values()):
        if getattr(module, "load_flows", None) is _real:
            module.load_flows = load_flows
