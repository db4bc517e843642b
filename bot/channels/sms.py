"""SMS rendering: plain text, choices as a numbered list, links written out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.display.bidi import for_display
from bot.display.segments import sms_cost
from bot.display.sms import sms_text

if TYPE_CHECKING:
    from bot.engine import Reply


def render_sms(reply: Reply) -> str:
    """The reply as one SMS text; a help place as its short card (two segments at most)."""
    body = reply.place.compact if reply.place else reply.text
    text = sms_text(body, reply.choices, reply.link[1] if reply.link else None)
    return for_display(text, reply.lang)


_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\n+")


def sms_messages(replies: Sequence[Reply], budget: int | None) -> list[str]:
    """The texts to send, in order: short replies joined, long ones split at sentences, so
    that each message costs at most `budget` segments (no budget: one message a reply)."""
    texts = [render_sms(reply) for reply in replies]
    if budget is None:
        return texts
    messages: list[str] = []
    for text in texts:
        for piece in _split(text, budget):
            joined = f"{messages[-1]}\n\n{piece}" if messages else piece
            if messages and sms_cost(joined).segments <= budget:
                messages[-1] = joined
            else:
                messages.append(piece)
    return messages


def _split(text: str, budget: int) -> list[str]:
    if sms_cost(text).segments <= budget:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        if not sentence:
            continue
        candidate = f"{current}\n{sentence}" if current else sentence
        if sms_cost(candidate).segments <= budget:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while sms_cost(sentence).segments > budget:
            cut = len(sentence)
            while sms_cost(sentence[:cut]).segments > budget:
                cut = sentence.rfind(" ", 0, cut - 1) if " " in sentence[: cut - 1] else cut - 10
            pieces.append(sentence[:cut].rstrip())
            sentence = sentence[cut:].lstrip()
        current = sentence
    if current:
        pieces.append(current)
    return pieces
