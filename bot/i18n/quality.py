"""Checks on translations that a translator can run: facts kept intact, SMS cost per reply."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.channels.bidi import for_display
from bot.channels.segments import sms_cost
from bot.flows import FlowSet
from bot.flows.writing import sms_of
from bot.i18n import Catalogs, Translator

MAX_SEGMENTS_TRANSLATED = 4
_FACTS = re.compile(r"https?://[^\s\"')]+|\b\d{2,}\b|\{\w+\}")
"""Links, numbers (phone lines, dates, amounts) and {placeholders} must survive unchanged."""


@dataclass(frozen=True)
class ReplyCost:
    lang: str
    flow: str
    node: str
    segments: int
    encoding: str


def node_sms(flows: FlowSet, translator: Translator, flow_id: str, node_id: str) -> str | None:
    """A node's reply as an SMS shows it in the translator's language."""
    node = flows.flows[flow_id].nodes[node_id]
    context = f"{flow_id}/{node_id}"
    sms = sms_of(node, lambda text: translator.text(text, context))
    return None if sms is None else for_display(sms, translator.lang)


def reply_costs(flows: FlowSet, catalogs: Catalogs) -> Iterator[ReplyCost]:
    for lang in catalogs.languages:
        translator = catalogs.get(lang)
        for flow in flows.flows.values():
            for node in flow.nodes.values():
                sms = node_sms(flows, translator, flow.id, node.id)
                if sms:
                    cost = sms_cost(sms)
                    yield ReplyCost(lang, flow.id, node.id, cost.segments, cost.encoding)


def lost_facts(source: str, translation: str) -> list[str]:
    """Links and numbers of the French text that the translation does not carry."""
    return [fact for fact in _FACTS.findall(source) if fact not in translation]
