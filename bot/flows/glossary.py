"""The shared glossary (flows/glossary.yaml): one word for one thing, hard words explained.

The checker warns when a flow uses a variant the glossary forbids ("e-mail" for "mail"),
and when a flow uses a hard word or an abbreviation of the glossary without explaining it
where it first appears. Translators read the same file (locales/<lang>/glossary.yaml
translates its French terms).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.flows.model import Flow, Link, Node, Question
from bot.flows.problems import Problem
from bot.paths import SHIPPED_FLOWS

GLOSSARY = SHIPPED_FLOWS / "glossary.yaml"


@dataclass(frozen=True)
class Term:
    fr: str
    explanation: str
    forbidden: tuple[str, ...] = ()
    jargon: bool = False
    explained_by: tuple[str, ...] = ()


@cache
def load_glossary(path: Path = GLOSSARY) -> tuple[Term, ...]:
    """The glossary's terms; none when the file is missing (a deployment without it)."""
    if not path.exists():
        return ()
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(
        Term(
            fr=str(raw["fr"]),
            explanation=str(raw.get("explanation", "")),
            forbidden=tuple(str(v) for v in raw.get("forbidden") or ()),
            jargon=bool(raw.get("jargon", False)),
            explained_by=tuple(str(v) for v in raw.get("explained_by") or ()),
        )
        for raw in document.get("terms") or ()
    )


def _pattern(word: str, *, exact_case: bool) -> re.Pattern[str]:
    flags = 0 if exact_case else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", flags)


def _texts(node: Node) -> list[str]:
    """What the resident reads at this node (not the choice words they may type)."""
    texts = [getattr(node, "text", None) or ""]
    if isinstance(node, Question):
        texts.extend(c.label for c in node.choices)
    if isinstance(node, Link):
        texts.append(node.label)
    return [t for t in texts if t]


def glossary_problems(flow: Flow, terms: tuple[Term, ...]) -> Iterator[Problem]:
    nodes = sorted(flow.nodes.values(), key=lambda n: n.line)
    for term in terms:
        for variant in term.forbidden:
            found = _pattern(variant, exact_case=False)
            for node in nodes:
                if any(found.search(text) for text in _texts(node)):
                    yield Problem(
                        flow.path,
                        node.line,
                        f"node '{node.id}' writes {variant!r}: the glossary says "
                        f"{term.fr!r} (flows/glossary.yaml)",
                        warning=True,
                    )
        if term.jargon:
            yield from _unexplained(flow, nodes, term)


def _unexplained(flow: Flow, nodes: list[Node], term: Term) -> Iterator[Problem]:
    """A hard word must be explained in the message where the flow first uses it (a button
    has no room for it: the first text after it explains)."""
    used = _pattern(term.fr, exact_case=term.fr.isupper())
    first = next((n for n in nodes if used.search(getattr(n, "text", None) or "")), None)
    if first is None:
        return
    said = (getattr(first, "text", None) or "").casefold()
    if any(words.casefold() in said for words in term.explained_by):
        return
    yield Problem(
        flow.path,
        first.line,
        f"'{term.fr}' is not explained where the flow first uses it (node '{first.id}'): "
        f'add a few words, e.g. "{term.explanation}"',
        warning=True,
    )
