"""SMS rendering: plain text, choices as a numbered list, links written out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.channels.bidi import for_display

if TYPE_CHECKING:
    from bot.engine import Reply


def sms_text(text: str, choices: Sequence[str] = (), url: str | None = None) -> str:
    lines = [text]
    lines.extend(f"{number}. {label}" for number, label in enumerate(choices, start=1))
    if url:
        lines.append(url)
    return "\n".join(lines)


def render_sms(reply: Reply) -> str:
    """The reply as one SMS text; a help place as its short card (two segments at most)."""
    body = reply.place.compact if reply.place else reply.text
    text = sms_text(body, reply.choices, reply.link[1] if reply.link else None)
    return for_display(text, reply.lang)
