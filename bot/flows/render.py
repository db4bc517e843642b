"""Flows drawn for people who review content without reading YAML: diagrams and a document."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

from bot.flows.model import (
    KIND_OF,
    Choice,
    End,
    Flow,
    FlowSet,
    Handoff,
    Input,
    Jump,
    Link,
    Node,
    Places,
    Question,
    Route,
    Router,
)

SHAPES = {
    Question: ('{"', '"}'),
    Input: ('[/"', '"/]'),
    Handoff: ('[["', '"]]'),
    End: ('(["', '"])'),
    Jump: ('>"', '"]'),
    Router: ('{{"', '"}}'),
}
KIND = {cls: name for name, cls in KIND_OF.items()}
"""The YAML name of each node type (from the model: a new type needs no line here)."""


class GraphvizMissing(RuntimeError):
    pass


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _caption(node: Node) -> str:
    if isinstance(node, Jump):
        return f"→ {node.flow}" + (f" / {node.node}" if node.node else "")
    if isinstance(node, Handoff):
        return "Personne : " + _short(node.text or "hand-off")
    if isinstance(node, Router):
        return "Aiguillage (sans question)"
    return _short(getattr(node, "text", None) or KIND[type(node)])


def _edges(node: Node) -> Iterator[tuple[str, str | None]]:
    """The arrows of a node (from the flow model's edges), with their labels."""
    for edge in node.edges():
        if isinstance(edge.via, Choice):
            label = edge.via.label
        elif isinstance(edge.via, Route):
            label = condition(edge.via)
        else:
            label = "sinon" if isinstance(node, Router) else None
        if edge.target:
            yield edge.target, label


def condition(route: Route) -> str:
    """A route's conditions in a few words, as a reviewer reads them."""
    parts = []
    if route.topics:
        parts.append("sujet " + " ou ".join(route.topics))
    if route.channels:
        parts.append("canal " + " ou ".join(route.channels))
    if route.langs:
        parts.append("langue " + " ou ".join(route.langs))
    if route.answer:
        parts.append(f"{route.answer.node} = {route.answer.is_}")
    return " et ".join(parts)


Left = dict[str, int | str]
"""People who left the conversation at each node (`relais stats`; "<5" when 1 to 4)."""
BANDS = ("#fde0c5", "#f9a66c", "#e5532d", "#a4161a")
"""Lightest: 1 to 4 people; then thirds of the flow's largest drop-off."""


def leave_colour(left: Left, node_id: str) -> str | None:
    value = left.get(node_id, 0)
    if value == 0:
        return None
    if not isinstance(value, int):
        return BANDS[0]
    top = max(v for v in left.values() if isinstance(v, int))
    return BANDS[1 + min(2, 3 * value // (top + 1))]


def _with_left(caption: str, left: Left | None, node_id: str) -> str:
    value = (left or {}).get(node_id, 0)
    return f"{caption} · partis : {value}" if value else caption


def mermaid(flow: Flow, left: Left | None = None) -> str:
    """The flow as Mermaid; with `left`, each node coloured by how many people left there."""

    def ident(node_id: str) -> str:
        return "n_" + node_id.replace("-", "_")

    def quote(text: str) -> str:
        return text.replace('"', "#quot;")

    lines = ["flowchart TD", f"  %% {flow.title} (last reviewed {flow.last_reviewed})"]
    for node in flow.nodes.values():
        opening, closing = SHAPES.get(type(node), ('["', '"]'))
        caption = _with_left(_caption(node), left, node.id)
        lines.append(f"  {ident(node.id)}{opening}{quote(caption)}{closing}")
    for node in flow.nodes.values():
        for target, label in _edges(node):
            arrow = f' -- "{quote(_short(label, 30))}" -->' if label else " -->"
            lines.append(f"  {ident(node.id)}{arrow} {ident(target)}")
    if left is not None:
        lines.append("  %% colour: how many people left the conversation at the node")
        for node in flow.nodes.values():
            colour = leave_colour(left, node.id)
            if colour:
                text = "#fff" if colour == BANDS[-1] else "#000"
                lines.append(f"  style {ident(node.id)} fill:{colour},color:{text}")
    return "\n".join(lines) + "\n"


def dot(flow: Flow, left: Left | None = None) -> str:
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    shapes = {
        Question: "diamond",
        Input: "parallelogram",
        Handoff: "doubleoctagon",
        End: "oval",
        Jump: "cds",
        Link: "note",
        Router: "hexagon",
    }
    lines = [f"digraph {quote(flow.id)} {{", "  node [shape=box, fontname=sans];"]
    for node in flow.nodes.values():
        shape = shapes.get(type(node), "box")
        label = quote(_with_left(_caption(node), left, node.id))
        colour = leave_colour(left, node.id) if left is not None else None
        fill = f', style=filled, fillcolor="{colour}"' if colour else ""
        if colour == BANDS[-1]:
            fill += ", fontcolor=white"
        lines.append(f"  {quote(node.id)} [label={label}, shape={shape}{fill}];")
    for node in flow.nodes.values():
        for target, label in _edges(node):
            extra = f" [label={quote(_short(label, 30))}]" if label else ""
            lines.append(f"  {quote(node.id)} -> {quote(target)}{extra};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def svg(flow: Flow, left: Left | None = None) -> str:
    executable = shutil.which("dot")
    if executable is None:
        raise GraphvizMissing(
            "Graphviz is not installed (no `dot` command): install it (apt-get install "
            "graphviz) or use --format mermaid"
        )
    result = subprocess.run(
        [executable, "-Tsvg"], input=dot(flow, left), capture_output=True, text=True, check=True
    )
    return result.stdout


def markdown(flows: FlowSet) -> str:
    """Every flow as a readable document: metadata, then each node in file order."""
    out = ["# Relais: the content of every flow", ""]
    for flow in sorted(flows.flows.values(), key=lambda f: f.id):
        out += [f"## {flow.title} (`{flow.id}`)", ""]
        out.append(f"- File: `{flow.path}` · last reviewed: {flow.last_reviewed}")
        out.append("- Sources: " + ", ".join(f"<{url}>" for url in flow.sources))
        out.append(f"- Starts at: [{flow.start}](#{flow.id}-{flow.start})")
        out.append("")
        for node in flow.nodes.values():
            out += _markdown_node(flow, node)
    return "\n".join(out)


def _markdown_node(flow: Flow, node: Node) -> list[str]:
    anchor = f"{flow.id}-{node.id}"
    out = [f'<a id="{anchor}"></a>', f"### {node.id} · {KIND[type(node)]}", ""]
    text = getattr(node, "text", None)
    if text:
        out += ["> " + line for line in text.splitlines()] + [""]
    if isinstance(node, Question):
        for i, choice in enumerate(node.choices, 1):
            words = f" (also: {', '.join(choice.words)})" if choice.words else ""
            target = f"[{choice.next}](#{flow.id}-{choice.next})"
            if choice.command:
                target = f"`{choice.command}` (system)"
            topic = f" · topic `{choice.topic}`" if choice.topic else ""
            out.append(f"{i}. **{choice.label}**{words}{topic} → {target}")
        out.append("")
    if isinstance(node, Input):
        saved = f", kept as `{node.save}`" if node.save else ""
        out.append(f"Answer checked as `{node.validate}`{saved}.")
        out.append("")
    if isinstance(node, Link):
        out += [f"Link: [{node.label}]({node.url})", ""]
    if isinstance(node, Jump):
        target = node.node or "start"
        out += [f"Continues in flow `{node.flow}` at `{target}`.", ""]
    if isinstance(node, Router):
        out.append("Chooses the next step without asking anything, from what Relais knows:")
        out.append("")
        for i, route in enumerate(node.routes, 1):
            out.append(f"{i}. if {_route_words(route)} → [{route.next}](#{flow.id}-{route.next})")
        out.append(
            f"{len(node.routes) + 1}. otherwise → [{node.default}](#{flow.id}-{node.default})"
        )
        out.append("")
    if isinstance(node, Handoff):
        out += ["Hands the person over to a mediator.", ""]
    if isinstance(node, Places):
        out += ["Shows the 3 nearest help places (or the phone line when none is near).", ""]
    next_id = getattr(node, "next", None)
    if next_id and not isinstance(node, Question):
        out += [f"Then → [{next_id}](#{flow.id}-{next_id})", ""]
    return out


def _route_words(route: Route) -> str:
    """A route's conditions as a sentence, for the Markdown export."""
    from bot.handoff.summary import TOPICS_FR  # the mediators' names of the topics

    parts = []
    if route.topics:
        names = [f"{TOPICS_FR.get(t, t)} (`{t}`)" for t in route.topics]
        parts.append("the person came from a procedure about " + " or ".join(names))
    if route.channels:
        parts.append("they write by " + " or ".join(f"`{c}`" for c in route.channels))
    if route.langs:
        parts.append("their language is " + " or ".join(f"`{lang}`" for lang in route.langs))
    if route.answer:
        parts.append(f"they answered **{route.answer.is_}** at `{route.answer.node}`")
    return " and ".join(parts)
