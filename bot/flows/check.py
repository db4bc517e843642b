"""The flow checker: everything a content writer can get wrong, each with its own message."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import urlparse

from bot.display.segments import sms_cost
from bot.display.telegram import TELEGRAM_MAX_TEXT
from bot.flows.glossary import glossary_problems, load_glossary
from bot.flows.model import Flow, Input, Jump, Link, Message, Node, Places, Question, Router
from bot.flows.problems import Problem
from bot.flows.reader import ParsedFile
from bot.flows.writing import (
    MAX_AVERAGE_WORDS,
    MAX_BUTTON_CHARS,
    MAX_SENTENCE_WORDS,
    MAX_SMS_SEGMENTS,
    measure,
    sms_of,
)
from bot.text import normalize

MAX_CHOICES = 8
REVIEW_EVERY = timedelta(days=365)


def check_files(
    parsed: list[ParsedFile],
    *,
    today: date,
    main: str | None = None,
    handoff: str | None = None,
) -> list[Problem]:
    """Every problem of these files, checked together (jumps may cross files)."""
    problems = [p for f in parsed for p in f.problems]
    for f in parsed:
        problems.extend(_duplicate_node_ids(f))
    flows: dict[str, Flow] = {}
    for f in parsed:
        if f.flow is None:
            continue
        if f.flow.id in flows:
            first = flows[f.flow.id]
            problems.append(
                Problem(
                    f.path, f.flow.line, f"duplicate flow id '{f.flow.id}' (also in {first.path})"
                )
            )
            continue
        flows[f.flow.id] = f.flow
    entries = _jump_entries(flows.values())
    for flow in flows.values():
        problems.extend(_check_flow(flow, flows, entries.get(flow.id, set()), today))
    problems.extend(_passing_loops(flows))
    for role, flow_id in (("main menu", main), ("hand-off", handoff)):
        if flow_id and flow_id not in flows and parsed:
            problems.append(Problem(parsed[0].path, 1, f"the {role} flow '{flow_id}' is missing"))
    return sorted(problems, key=lambda p: (p.path, p.line, p.message))


def _duplicate_node_ids(f: ParsedFile) -> Iterator[Problem]:
    nodes = f.document.get("nodes") if isinstance(f.document, dict) else None
    if not isinstance(nodes, list):
        return
    first_line: dict[str, int] = {}
    for raw in nodes:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            continue
        line = getattr(raw, "line", 1)
        if raw["id"] in first_line:
            yield Problem(
                f.path,
                line,
                f"duplicate node id '{raw['id']}' (first at line {first_line[raw['id']]})",
            )
        else:
            first_line[raw["id"]] = line


def _jump_entries(flows) -> dict[str, set[str]]:
    """Nodes that other flows jump into: they count as reachable."""
    entries: dict[str, set[str]] = {}
    for flow in flows:
        for node in flow.nodes.values():
            if isinstance(node, Jump) and node.node:
                entries.setdefault(node.flow, set()).add(node.node)
    return entries


def _successors(node: Node) -> list[str | None]:
    return [edge.target for edge in node.edges()]


def _check_flow(
    flow: Flow, flows: dict[str, Flow], entries: set[str], today: date
) -> list[Problem]:
    out: list[Problem] = []

    def report(line: int, message: str, warning: bool = False) -> None:
        out.append(Problem(flow.path, line, message, warning))

    for i, source in enumerate(flow.sources):
        if not _is_https(source):
            report(flow.meta_line("sources"), f"source {i + 1} is not an https URL: {source!r}")
    reviewed_line = flow.meta_line("last_reviewed")
    if flow.last_reviewed > today:
        report(reviewed_line, f"last_reviewed {flow.last_reviewed} is in the future")
    elif today - flow.last_reviewed > REVIEW_EVERY:
        report(
            reviewed_line,
            f"last_reviewed {flow.last_reviewed} is over 12 months old: check the sources again",
            warning=True,
        )
    if flow.start not in flow.nodes:
        report(flow.meta_line("start"), f"start node '{flow.start}' does not exist")

    for node in flow.nodes.values():
        for target in _successors(node):
            if target is not None and target not in flow.nodes:
                report(node.line, f"unknown target '{target}' from node '{node.id}'")
        out.extend(_dead_ends(flow, node))
        if isinstance(node, Jump):
            target_flow = flows.get(node.flow)
            if target_flow is None:
                report(node.line, f"jump to unknown flow '{node.flow}'")
            elif node.node and node.node not in target_flow.nodes:
                report(node.line, f"jump to unknown node '{node.node}' of flow '{node.flow}'")
        if isinstance(node, Link) and not _is_https(node.url):
            report(node.line, f"link of node '{node.id}' is not an https URL: {node.url!r}")
        for text in _texts(node):
            if len(text) > TELEGRAM_MAX_TEXT:
                report(
                    node.line,
                    f"text of node '{node.id}' has {len(text)} characters, over Telegram's "
                    f"limit of {TELEGRAM_MAX_TEXT}",
                )
        if isinstance(node, Question):
            if len(node.choices) > MAX_CHOICES:
                report(
                    node.line,
                    f"question '{node.id}' has {len(node.choices)} choices: more than "
                    f"{MAX_CHOICES} do not fit a phone screen, split the question",
                )
            out.extend(_ambiguous_words(flow, node))
        if isinstance(node, Router):
            out.extend(_route_problems(flow, node))

    out.extend(_writing_problems(flow))
    out.extend(glossary_problems(flow, load_glossary()))
    reachable = _reachable(flow, {flow.start, *entries})
    for node in flow.nodes.values():
        if node.id not in reachable:
            report(node.line, f"node '{node.id}' is unreachable from the start")
    return out


def _writing_problems(flow: Flow) -> Iterator[Problem]:
    writing = measure(flow)
    for sentence in writing.sentences:
        if sentence.words > MAX_SENTENCE_WORDS:
            yield Problem(
                flow.path,
                sentence.line,
                f"sentence of {sentence.words} words in node '{sentence.node}' (at most "
                f"{MAX_SENTENCE_WORDS}, split it): {sentence.text[:60]!r}",
            )
    if writing.average_words > MAX_AVERAGE_WORDS:
        yield Problem(
            flow.path,
            flow.line,
            f"sentences have {writing.average_words:.1f} words on average (at most "
            f"{MAX_AVERAGE_WORDS}): shorten the longest ones first",
        )
    for node in flow.nodes.values():
        sms = sms_of(node)
        segments = sms_cost(sms).segments if sms else 0
        if segments > MAX_SMS_SEGMENTS:
            yield Problem(
                flow.path,
                node.line,
                f"the SMS of node '{node.id}' costs {segments} segments (at most "
                f"{MAX_SMS_SEGMENTS}): shorten it, or avoid letters like ê ç œ « » ’ …",
            )
        if isinstance(node, Question):
            for i, choice in enumerate(node.choices):
                if len(choice.label) > MAX_BUTTON_CHARS:
                    yield Problem(
                        flow.path,
                        choice.line or node.line,
                        f"choice {i + 1} of question '{node.id}' has {len(choice.label)} "
                        f"characters: Telegram buttons show about {MAX_BUTTON_CHARS}",
                        warning=True,
                    )


def _dead_ends(flow: Flow, node: Node) -> Iterator[Problem]:
    if isinstance(node, Question):
        for i, choice in enumerate(node.choices):
            if choice.next is None and choice.command is None:
                yield Problem(
                    flow.path,
                    choice.line or node.line,
                    f"dead end: choice {i + 1} of question '{node.id}' leads nowhere "
                    "(add next or command)",
                )
    elif isinstance(node, Message | Link | Input | Places) and node.next is None:
        yield Problem(
            flow.path,
            node.line,
            f"dead end: node '{node.id}' neither continues, ends nor hands off (add next)",
        )


def _route_problems(flow: Flow, node: Router) -> Iterator[Problem]:
    """A route that tests an answer must name a question or input of this flow, and for a
    question one of its choices' labels."""
    for i, route in enumerate(node.routes):
        if route.answer is None:
            continue
        where = f"route {i + 1} of router '{node.id}'"
        asked = flow.nodes.get(route.answer.node)
        if not isinstance(asked, Question | Input):
            yield Problem(
                flow.path,
                route.line or node.line,
                f"{where} tests the answer of '{route.answer.node}', which is not a question "
                "or input of this flow",
            )
        elif isinstance(asked, Question) and route.answer.is_ not in [
            c.label for c in asked.choices
        ]:
            labels = ", ".join(repr(c.label) for c in asked.choices)
            yield Problem(
                flow.path,
                route.line or node.line,
                f"{where} tests the answer {route.answer.is_!r}, not a choice of question "
                f"'{asked.id}' ({labels})",
            )


def _ambiguous_words(flow: Flow, node: Question) -> Iterator[Problem]:
    owner: dict[str, int] = {}
    for i, choice in enumerate(node.choices):
        for word in {normalize(w) for w in (choice.label, *choice.words)}:
            if word in owner and owner[word] != i:
                yield Problem(
                    flow.path,
                    choice.line or node.line,
                    f"the answer '{word}' selects choices {owner[word] + 1} and {i + 1} "
                    f"of question '{node.id}'",
                )
            owner.setdefault(word, i)


def _texts(node: Node) -> list[str]:
    texts = [getattr(node, "text", None) or ""]
    if isinstance(node, Question):
        texts.extend(c.label for c in node.choices)
    return texts


def _reachable(flow: Flow, starts: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = [s for s in starts if s in flow.nodes]
    while todo:
        node_id = todo.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        todo.extend(t for t in _successors(flow.nodes[node_id]) if t in flow.nodes)
    return seen


def _passing_loops(flows: dict[str, Flow]) -> Iterator[Problem]:
    """Messages, links, routers and jumps that lead back to themselves without asking."""
    reported: set[tuple[str, str]] = set()
    done: set[tuple[str, str]] = set()
    for flow in flows.values():
        for node in flow.nodes.values():
            start = (flow.id, node.id)
            if start in done:
                continue
            # Depth-first walk along passing edges; a node met again on the trail is a loop.
            trail: list[tuple[str, str]] = []
            stack: list[tuple[tuple[str, str], int]] = [(start, 0)]
            while stack:
                here, depth = stack.pop()
                del trail[depth:]
                if here in trail:
                    loop = trail[trail.index(here) :]
                    if not reported.intersection(loop):
                        reported.update(loop)
                        start_flow = flows[here[0]]
                        names = " → ".join(f"{f}/{n}" for f, n in [*loop, here])
                        yield Problem(
                            start_flow.path,
                            start_flow.nodes[here[1]].line,
                            f"endless loop without a question: {names}",
                        )
                    continue
                if here in done:
                    continue
                trail.append(here)
                nexts = _passing_next(flows, *here)
                if not nexts:
                    done.add(here)
                stack.extend((n, depth + 1) for n in reversed(nexts))


def _passing_next(flows: dict[str, Flow], flow_id: str, node_id: str) -> list[tuple[str, str]]:
    flow = flows.get(flow_id)
    node = flow.nodes.get(node_id) if flow else None
    if node is None or not node.passing:
        return []
    if isinstance(node, Jump):
        target = node.target(flows)
        return [target] if target and target[1] in flows[target[0]].nodes else []
    targets = dict.fromkeys(edge.target for edge in node.edges())
    return [(flow_id, t) for t in targets if t in flow.nodes]


def _is_https(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme == "https" and bool(parsed.netloc)
