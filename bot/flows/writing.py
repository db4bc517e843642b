"""How readable and how costly a flow's texts are: FALC sentence length and SMS segments.

FALC ("Facile à lire et à comprendre") asks for short sentences: at most 12 words on
average, none over 20. On SMS, a reply over 3 segments is split into too many messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bot.display.segments import sms_cost
from bot.display.sms import sms_text
from bot.flows.model import Flow, Link, Node, Question

MAX_SENTENCE_WORDS = 20
MAX_AVERAGE_WORDS = 12
MAX_SMS_SEGMENTS = 3
MAX_BUTTON_CHARS = 30

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"https?://\S+|[^\W_]+(?:['’-][^\W_]+)*")


@dataclass(frozen=True)
class Sentence:
    words: int
    text: str
    node: str
    line: int


@dataclass
class Writing:
    """The figures of one flow, for the checker's report."""

    flow: Flow
    sentences: list[Sentence] = field(default_factory=list)
    replies: int = 0
    ucs2_replies: int = 0
    max_segments: int = 0
    costliest: str = ""

    @property
    def average_words(self) -> float:
        return sum(s.words for s in self.sentences) / len(self.sentences) if self.sentences else 0


def sentences(text: str) -> Iterator[str]:
    for part in _SENTENCE_END.split(text):
        if part.strip():
            yield part.strip()


def word_count(sentence: str) -> int:
    return len(_WORD.findall(sentence))


def sms_of(node: Node, translate: Callable[[str], str] = str) -> str | None:
    """The node's reply as an SMS shows it, its texts passed through `translate` (None for
    nodes that say nothing)."""
    if isinstance(node, Question):
        return sms_text(translate(node.text), [translate(c.label) for c in node.choices])
    if isinstance(node, Link):
        return sms_text(translate(node.text), url=node.url)
    text = getattr(node, "text", None)  # any other node type that says something
    return translate(text) if text else None


def measure(flow: Flow) -> Writing:
    writing = Writing(flow)
    for node in flow.nodes.values():
        text = getattr(node, "text", None)
        if text:
            writing.sentences.extend(
                Sentence(word_count(s), s, node.id, node.line) for s in sentences(text)
            )
        sms = sms_of(node)
        if sms:
            cost = sms_cost(sms)
            writing.replies += 1
            writing.ucs2_replies += cost.encoding == "UCS-2"
            if cost.segments > writing.max_segments:
                writing.max_segments, writing.costliest = cost.segments, node.id
    return writing
