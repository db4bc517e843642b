"""Babel extractor for flow YAML files: every text a resident sees, with its file and line.

Registered as the `relais_flows` extractor (see pyproject.toml and babel.cfg). Each message
carries the context `flow/node`, so the same French words may be translated differently
in two places. Choice words are one message, joined by `|`, translated as a whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import yaml

from bot.flows import yamlsrc


def flow_messages(document: Any) -> Iterator[tuple[int, str, str, str]]:
    """(line, context, message, comment) for each translatable text of a parsed flow."""
    if not isinstance(document, dict) or not isinstance(document.get("nodes"), list):
        return
    flow_id = document.get("id", "")
    for node in document["nodes"]:
        if not isinstance(node, yamlsrc.Located):
            continue
        context = f"{flow_id}/{node.get('id', '')}"
        for key, comment in (("text", "text"), ("label", "link button"), ("retry", "retry")):
            value = node.get(key)
            if isinstance(value, str) and value:
                yield node.key_lines.get(key, node.line), context, value, comment
        for choice in node.get("choices") or []:
            if not isinstance(choice, yamlsrc.Located):
                continue
            label = choice.get("label")
            if isinstance(label, str) and label:
                yield choice.key_lines.get("label", choice.line), context, label, "choice"
            words = [w for w in choice.get("words") or [] if isinstance(w, str)]
            if words:
                yield (
                    choice.key_lines.get("words", choice.line),
                    context,
                    "|".join(words),
                    f"words that also pick the choice '{label}': keep the | between them, "
                    "add your language's own words",
                )


def extract_flows(
    fileobj: BinaryIO, keywords: Any, comment_tags: Any, options: dict
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    try:
        document = yamlsrc.parse(fileobj.read().decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return
    for line, context, message, comment in flow_messages(document):
        yield line, "pgettext", (context, message), [comment]
