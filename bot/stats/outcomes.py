"""Which questions of the flows ask whether the procedure worked, and what yes and no are.

No flow field is needed: a question whose French text is "Est-ce que ça a marché ?" (or
"Est-ce que cela vous a aidé ?", "Ça a marché ?") counts, with its choices starting with
"Oui" as yes and with "Non" as no. Writers keep the words they already use.
"""

from __future__ import annotations

from functools import lru_cache

from bot.flows import FlowSet, Question
from bot.text import normalize

QUESTIONS = frozenset(
    {
        "est-ce que ca a marche",
        "est-ce que cela a marche",
        "est-ce que ca a fonctionne",
        "est-ce que cela vous a aide",
        "est-ce que ca vous a aide",
        "ca a marche",
    }
)


def is_outcome_question(node: object) -> bool:
    return isinstance(node, Question) and _folded(node.text) in QUESTIONS


@lru_cache(maxsize=4096)
def _folded(text: str) -> str:
    return normalize(text)


def outcome_of(flows: FlowSet, flow: str, node_id: str, choice: int | None) -> str | None:
    """ "yes", "no" or None (not such a question, or another choice)."""
    node = flows.get(flow, node_id)
    if choice is None or not is_outcome_question(node) or choice >= len(node.choices):
        return None
    label = _folded(node.choices[choice].label)
    if label == "oui" or label.startswith("oui "):
        return "yes"
    if label == "non" or label.startswith("non "):
        return "no"
    return None
