"""SMS text: choices as a numbered list without emoji, links written out.

The checker and the translators' checks measure texts with it, and the Twilio channel renders
replies with it, so the three count the same characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d]+ ?")
"""Pictographs (with their variation selectors and joiners) and the space after them."""


def without_emoji(label: str) -> str:
    """SMS choices carry no emoji: one alone makes a French SMS UCS-2, 70 characters a part
    instead of 160, and costs two characters of an Arabic or Russian one."""
    return _EMOJI.sub("", label).strip() or label


def sms_text(text: str, choices: Sequence[str] = (), url: str | None = None) -> str:
    lines = [text]
    lines.extend(
        f"{number}. {without_emoji(label)}" for number, label in enumerate(choices, start=1)
    )
    if url:
        lines.append(url)
    return "\n".join(lines)
