"""The engine is pure: it imports nothing of the store, the channels, the web or the hand-off,
reads neither the environment nor the clock, and loading it loads none of them."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).parent.parent / "bot" / "engine"
NOT_LOADED = (
    "aiosqlite",
    "httpx",
    "bot.store",
    "bot.channels",
    "bot.web",
    "bot.handoff",
    "bot.flows.check",
)
FORBIDDEN_IMPORTS = ("bot.store", "bot.channels", "bot.web", "bot.handoff")
FORBIDDEN_CALLS = {"os.environ", "os.getenv", "time.time", "datetime.now", "datetime.today"}


def test_importing_the_engine_loads_no_store_channel_web_or_checker() -> None:
    script = (
        "import sys, bot.engine\n"
        f"print('\\n'.join(m for m in sys.modules if m.startswith({NOT_LOADED!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [], "bot.engine loads these (follow the imports)"


def _module(node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    return ".".join([*["bot", "engine"][: 3 - node.level], node.module or ""])


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _violations(source: str, name: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _module(node)
            names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        for imported in names:
            if imported.startswith(FORBIDDEN_IMPORTS) or imported in FORBIDDEN_CALLS:
                found.append(f"{name}:{node.lineno} imports {imported}")
        if isinstance(node, ast.Attribute) and _dotted(node) in FORBIDDEN_CALLS:
            found.append(f"{name}:{node.lineno} uses {_dotted(node)}")
    return found


def test_no_engine_module_imports_io_layers_or_reads_environment_or_clock() -> None:
    found = []
    for path in sorted(ENGINE.glob("*.py")):
        found += _violations(path.read_text(encoding="utf-8"), path.name)
    assert found == []


def test_the_purity_scan_finds_each_kind_of_breach() -> None:
    bad = (
        "import os\n"
        "from bot.store.sessions import load_session\n"
        "from ..handoff import relay\n"
        "from time import time\n"
        "x = os.environ['RELAIS_DB']\n"
        "y = datetime.now()\n"
    )
    found = _violations(bad, "bad.py")
    assert found == [
        "bad.py:2 imports bot.store.sessions",
        "bad.py:2 imports bot.store.sessions.load_session",
        "bad.py:3 imports bot.handoff",
        "bad.py:3 imports bot.handoff.relay",
        "bad.py:4 imports time.time",
        "bad.py:5 uses os.environ",
        "bad.py:6 uses datetime.now",
    ]
