"""SMS rendering: plain text, choices as a numbered list, links written out."""

from __future__ import annotations

from bot.engine import Reply


def render_sms(reply: Reply) -> str:
    lines = [reply.text]
    lines.extend(f"{number}. {label}" for number, label in enumerate(reply.choices, start=1))
    if reply.link:
        lines.append(reply.link[1])
    return "\n".join(lines)
