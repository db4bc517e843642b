"""Checks on translations that a translator can run: facts kept intact, SMS cost per reply."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from babel.messages.catalog import Catalog

from bot.display.bidi import for_display
from bot.display.segments import sms_cost
from bot.display.sms import sms_text
from bot.flows import FlowSet
from bot.flows.writing import sms_of
from bot.i18n import Catalogs, Translator

RUNTIME_BUDGET = 3
"""SMS segments a reply may cost (RELAIS_SMS_SEGMENTS's default): translations get the same."""
MAX_SEGMENTS_TRANSLATED = RUNTIME_BUDGET
MENU_BUDGET_UCS2 = 2
"""The main menu is sent most: in Arabic, Cyrillic or Ge'ez script it must cost 2 at most."""
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


def bot_text_costs(catalogs: Catalogs, template: Catalog) -> Iterator[ReplyCost]:
    """What each of the bot's own texts costs in each language (every plural form), and the
    privacy notice and its details as sent, with their choices."""
    from bot.engine import texts

    days = {texts.KEPT_SESSIONS: 30, texts.KEPT_TICKETS: 365}
    for lang in catalogs.languages:
        t = catalogs.get(lang)
        for message in template:
            if not message.id or (isinstance(message.id, str) and "|" in message.id):
                continue  # the header, and lists of words a resident may type
            if isinstance(message.id, tuple):
                shown = [t.plural(message.id, n) for n in (1, 2, 5, 11, 101)]
            else:
                shown = [t.text(message.id)]
            for text in shown:
                cost = sms_cost(for_display(text, lang))
                yield ReplyCost(lang, "bot", _short(message.id), cost.segments, cost.encoding)
        for name, notice, choices in (
            ("privacy notice", texts.PRIVACY_NOTICE, (texts.PRIVACY_MORE, texts.PRIVACY_CONTINUE)),
            ("privacy details", texts.PRIVACY_DETAILS, ()),
        ):
            lines = [
                t.plural(line, days[line]).format(days=days[line])
                if isinstance(line, tuple)
                else t.text(line)
                for line in notice
            ]
            sms = sms_text("\n".join(lines), [t.text(choice) for choice in choices])
            cost = sms_cost(for_display(sms, lang))
            yield ReplyCost(lang, "bot", name, cost.segments, cost.encoding)


def _short(message: str | tuple[str, ...]) -> str:
    text = message[0] if isinstance(message, tuple) else message
    return text if len(text) <= 40 else text[:39] + "…"


def lost_facts(source: str, translation: str) -> list[str]:
    """Links and numbers of the French text that the translation does not carry."""
    return [fact for fact in _FACTS.findall(source) if fact not in translation]
