"""SMS and WhatsApp rendering: replies as plain texts, choices numbered, links written out;
on SMS joined and split to the segment budget, then written as TwiML."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from bot.display.bidi import for_display
from bot.display.segments import sms_cost
from bot.display.sms import sms_text

if TYPE_CHECKING:
    from bot.engine import Reply


WHATSAPP_MAX = 1600


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


def outgoing(channel: str, replies: Sequence[Reply], budget: int) -> list[str]:
    """SMS: joined and split to the segment budget. WhatsApp: one message a reply."""
    if channel == "sms":
        return sms_messages(replies, budget)
    bodies = []
    for body in sms_messages(replies, None):
        bodies.extend(body[i : i + WHATSAPP_MAX] for i in range(0, len(body), WHATSAPP_MAX))
    return bodies


TWIML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
EMPTY_TWIML = TWIML_HEAD + "<Response />"
"""An answer that sends nothing."""


def twiml(channel: str, replies: Sequence[Reply], budget: int) -> str:
    """The TwiML answer: the text Twilio's `MessagingResponse` writes for these messages,
    written directly (its XML tree cost a quarter of a millisecond a webhook)."""
    bodies = outgoing(channel, replies, budget)
    if not bodies:
        return EMPTY_TWIML
    messages = "".join(
        f"<Message>{escape(body)}</Message>" if body else "<Message />" for body in bodies
    )
    return f"{TWIML_HEAD}<Response>{messages}</Response>"


# -- the same SMS, shown by `relais chat` and `relais simulate` -------------------------------


def console_view(reply: Reply) -> str:
    text = render_sms(reply)
    cost = sms_cost(text)
    return f"{text}\n  ({cost.segments} SMS, {cost.encoding})"


def simulate_view(reply: Reply) -> dict[str, Any]:
    text = render_sms(reply)
    cost = sms_cost(text)
    return {"text": text, "choices": [], "segments": cost.segments, "encoding": cost.encoding}
