"""Reading one flow file: YAML, then the JSON Schema, then the typed model."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from bot.flows import yamlsrc
from bot.flows.model import (
    KIND_OF,
    SPEC_VERSION,
    Answered,
    Choice,
    End,
    Flow,
    Handoff,
    Input,
    Jump,
    Link,
    Message,
    Node,
    Places,
    Question,
    Route,
    Router,
)
from bot.flows.problems import Problem
from bot.paths import FLOW_SCHEMA, SHIPPED_FLOWS

__all__ = ["ParsedFile", "flow_files", "read_flow_file"]

METADATA = ("spec_version", "id", "title", "sources", "last_reviewed", "start")
# Files of the flows folder that are not flows (the shared glossary of words).
NOT_FLOWS = frozenset({"glossary.yaml", "deadlines.yaml"})
"""glossary.yaml: bot/flows/glossary.py; deadlines.yaml: bot/reminders/deadlines.py."""


@dataclass
class ParsedFile:
    path: str
    document: Any = None
    flow: Flow | None = None
    problems: list[Problem] = field(default_factory=list)


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(FLOW_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def flow_files(paths: list[str | Path] | None = None) -> list[Path]:
    """The YAML files named, or found in the folders named (the shipped flows by default)."""
    found: list[Path] = []
    for path in [_relative(Path(p)) for p in (paths or [SHIPPED_FLOWS])]:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in [*path.glob("*.yaml"), *path.glob("*.yml")]
                    if p.name not in NOT_FLOWS
                )
            )
        else:
            found.append(path)
    return found


def _relative(path: Path) -> Path:
    """Shorter paths in reports when the file is below the working folder."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def read_flow_file(path: Path) -> ParsedFile:
    parsed = ParsedFile(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        parsed.problems.append(Problem(parsed.path, 1, f"cannot read the file: {exc}"))
        return parsed
    try:
        document = yamlsrc.parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc)
        parsed.problems.append(Problem(parsed.path, line, f"YAML syntax error: {reason}"))
        return parsed
    except RecursionError:
        parsed.problems.append(Problem(parsed.path, 1, "nested too deeply to be a flow"))
        return parsed
    except ValueError as exc:  # e.g. an integer of thousands of digits
        parsed.problems.append(Problem(parsed.path, 1, f"a value cannot be read: {exc}"))
        return parsed
    parsed.document = document
    if not isinstance(document, dict):
        content = [
            i for i, ln in enumerate(text.splitlines(), 1) if ln.strip()[:1] not in ("", "#")
        ]
        parsed.problems.append(
            Problem(
                parsed.path,
                content[0] if content else 1,
                "a flow file must be a mapping (spec_version, id, title, …)",
            )
        )
        return parsed
    version = document.get("spec_version")
    if isinstance(version, int) and version > SPEC_VERSION:
        parsed.problems.append(
            Problem(
                parsed.path,
                yamlsrc.line_of(document, ["spec_version"]),
                f"spec_version {version} is newer than this Relais understands "
                f"({SPEC_VERSION}): upgrade Relais or write the flow for version {SPEC_VERSION}",
            )
        )
        return parsed
    parsed.problems.extend(_schema_problems(parsed.path, document))
    if not parsed.problems:
        try:
            parsed.flow = _build(parsed.path, document)
        except ValueError as exc:
            line = yamlsrc.line_of(document, ["last_reviewed"])
            parsed.problems.append(Problem(parsed.path, line, str(exc)))
    return parsed


def _schema_problems(path: str, document: Any) -> list[Problem]:
    problems = []
    for error in sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = list(error.absolute_path)
        line = yamlsrc.line_of(document, where)
        problems.append(Problem(path, line, _describe(error, where, document)))
    return list(dict.fromkeys(problems))


def _describe(error: jsonschema.ValidationError, where: list, document: Any) -> str:
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        if not where and any(name in METADATA for name in missing):
            return f"missing metadata: {', '.join(missing)}"
        owner = _node_label(document, where)
        return f"{owner} misses {', '.join(missing)}"
    if error.validator == "additionalProperties":
        return f"{_node_label(document, where)}: {error.message}"
    if len(where) >= 2 and where[0] == "nodes":
        field = ".".join(str(step) for step in where[2:])
        return f"{_node_label(document, where)}: {field + ' ' if field else ''}{error.message}"
    place = ".".join(str(step) for step in where) or "the flow"
    return f"{place}: {error.message}"


def _node_label(document: Any, where: list) -> str:
    if len(where) >= 2 and where[0] == "nodes":
        node = document["nodes"][where[1]]
        node_id = node.get("id", f"#{where[1] + 1}") if isinstance(node, dict) else where[1]
        if len(where) >= 4 and where[2] == "choices":
            return f"choice {where[3] + 1} of node '{node_id}'"
        return f"node '{node_id}'"
    return "the flow"


def _build(path: str, doc: dict) -> Flow:
    try:
        reviewed = date.fromisoformat(doc["last_reviewed"])
    except ValueError:
        raise ValueError(f"last_reviewed {doc['last_reviewed']!r} is not a real date") from None
    nodes: dict[str, Node] = {}
    for raw in doc["nodes"]:
        node = _build_node(raw)
        nodes.setdefault(node.id, node)
    return Flow(
        id=doc["id"],
        title=doc["title"],
        spec_version=doc["spec_version"],
        sources=tuple(doc["sources"]),
        last_reviewed=reviewed,
        start=doc["start"],
        nodes=nodes,
        topic=doc.get("topic", "other"),
        path=path,
        line=getattr(doc, "line", 1),
        meta_lines=dict(getattr(doc, "key_lines", {})),
    )


def _listed(value: str | list[str] | None) -> tuple[str, ...]:
    """A condition written as one value or a list of values."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _route(raw: dict) -> Route:
    answer = raw.get("answer")
    return Route(
        next=raw["next"],
        topics=_listed(raw.get("topic")),
        channels=_listed(raw.get("channel")),
        langs=_listed(raw.get("lang")),
        answer=Answered(answer["node"], str(answer["is"])) if answer else None,
        line=getattr(raw, "line", 0),
    )


def _build_node(raw: dict) -> Node:
    kind = KIND_OF[raw["type"]]
    common = {"id": raw["id"], "line": getattr(raw, "line", 0)}
    if kind is Message:
        return Message(**common, text=raw["text"], next=raw.get("next"))
    if kind is Question:
        choices = tuple(
            Choice(
                label=c["label"],
                next=c.get("next"),
                words=tuple(c.get("words", ())),
                line=getattr(c, "line", 0),
                topic=c.get("topic"),
                command=c.get("command"),
            )
            for c in raw["choices"]
        )
        return Question(**common, text=raw["text"], choices=choices)
    if kind is Input:
        return Input(
            **common,
            text=raw["text"],
            validate=raw["validate"],
            next=raw.get("next"),
            save=raw.get("save"),
            retry=raw.get("retry"),
        )
    if kind is Link:
        return Link(
            **common, text=raw["text"], url=raw["url"], label=raw["label"], next=raw.get("next")
        )
    if kind is Places:
        return Places(**common, text=raw["text"], next=raw.get("next"), need=raw.get("need"))
    if kind is Jump:
        return Jump(**common, flow=raw["flow"], node=raw.get("node"))
    if kind is Router:
        return Router(
            **common, routes=tuple(_route(r) for r in raw["routes"]), default=raw["default"]
        )
    if kind is Handoff:
        return Handoff(**common, text=raw.get("text"))
    return End(**common, text=raw.get("text"))
