"""The layout of bot/ holds (issue 13): no import cycle, no module over 400 lines, the
environment read in one module, ticket state written by one module.

(That no test module imports another is held by tests/test_fresh_clone.py.)
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import TESTS

BOT = TESTS.parent / "bot"
MAX_LINES = 400


def modules() -> dict[str, Path]:
    """Every module of bot/ by its dotted name (a package by its own name)."""
    found = {}
    for path in sorted(BOT.rglob("*.py")):
        parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of bot/ that `name` imports, anywhere in it: at the top, inside a
    function (a late import hides a cycle, it does not remove it) or for type checking.
    `from package import module` imports that module (as `import package.module` does);
    `from package import Name` needs what the package's `__init__` defines, so a package
    whose `__init__` re-exports from a module that takes names back from the package
    is a cycle."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                module = f"{base}.{alias.name}"
                if module in known:  # a submodule: Python loads it by that name
                    found.add(module)
                elif base in known:  # a name from the package's `__init__` (or a module)
                    found.add(base)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle in each group of modules that import each other (strongly connected
    components, Tarjan), written as the path that closes it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [shortest_cycle(graph, group) for group in groups]


def shortest_cycle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """The shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for other in sorted(graph[node] & group):
                if other == start:
                    return [*paths[node], start]
                if other not in paths:
                    paths[other] = [*paths[node], other]
                    following.append(other)
        frontier = following
    raise AssertionError(f"{sorted(group)} is no cycle")


def test_the_cycle_finder_finds_a_cycle_and_names_its_path() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_bot() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles in bot/:\n" + "\n".join(" -> ".join(c) for c in found)


def test_no_module_in_bot_over_400_lines() -> None:
    long = {
        str(path.relative_to(BOT.parent)): lines
        for path in modules().values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines (split them by job): {long}"


def reads_environment(tree: ast.AST) -> list[int]:
    """Lines that read the environment: os.environ, os.getenv, os.environb, or those
    names imported from os."""
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr in ("environ", "environb", "getenv", "getenvb")
        ) or (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(a.name in ("environ", "environb", "getenv", "getenvb") for a in node.names)
        ):
            lines.append(node.lineno)
    return sorted(lines)


def test_the_environment_read_finder_sees_each_way() -> None:
    code = "import os\nfrom os import getenv\nos.environ.get('A')\nos.getenv('B')\nos.path"
    assert reads_environment(ast.parse(code)) == [2, 3, 4]


def test_only_config_reads_the_environment() -> None:
    """Settings come from bot/config.py, passed explicitly: a module that read RELAIS_*
    itself would escape the settings' checks and the tests' control."""
    found = [
        f"{path.relative_to(BOT.parent)}:{line}"
        for name, path in modules().items()
        if name != "bot.config"
        for line in reads_environment(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not found, f"the environment is read outside bot/config.py: {found}"


TICKET_WRITE = re.compile(
    r"\b(UPDATE|INSERT\s+(OR\s+\w+\s+)?INTO|DELETE\s+FROM)\s+(tickets|ticket_messages)\b",
    re.IGNORECASE,
)


def sql_texts(tree: ast.AST) -> list[tuple[int, str]]:
    """The string constants of a module, adjacent literals joined (as Python joins them)."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_the_ticket_write_finder_sees_each_statement() -> None:
    code = "\n".join(
        [
            '"UPDATE tickets SET a = 1"',
            '"INSERT OR IGNORE INTO tickets (a)"',
            '"DELETE FROM tickets"',
            '"UPDATE ticket_messages SET a = 1"',
            '"SELECT id FROM tickets"',
            '"DELETE FROM ticket_messages_old"',
        ]
    )
    found = [line for line, text in sql_texts(ast.parse(code)) if TICKET_WRITE.search(text)]
    assert found == [1, 2, 3, 4]


def test_ticket_state_is_written_by_one_module() -> None:
    """Status, owner, closing and content of a ticket, and its messages, change in
    bot/handoff/tickets.py only (the others call its functions)."""
    found = [
        f"{path.relative_to(BOT.parent)}:{line}"
        for name, path in modules().items()
        if name != "bot.handoff.tickets"
        for line, text in sql_texts(ast.parse(path.read_text(encoding="utf-8")))
        if TICKET_WRITE.search(text)
    ]
    assert not found, f"tickets or their messages written outside bot/handoff/tickets.py: {found}"
