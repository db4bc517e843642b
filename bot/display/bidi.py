"""Right-to-left text that stays readable: numbers, phone lines and links isolated as LTR.

In Arabic, Dari and Pashto replies, a right-to-left line that holds left-to-right runs (a
link, a phone number, a date, a French name) starts with a right-to-left mark, and each such
run is wrapped in Unicode isolates (LRI … PDI), which Telegram and phones' SMS apps honour.
A line in one direction, or one that starts left to right ("3. Pronote (مدرسة)", like "1. CAF"
above it), gets no mark: it reads right by itself, and marks cost SMS characters.
"""

from __future__ import annotations

import re
import unicodedata

from bot.languages import direction

RLM = "\u200f"
LRI = "\u2066"
PDI = "\u2069"

_LTR_RUN = re.compile(
    r"https?://\S+"  # links
    r"|[\w.+-]+@[\w-]+\.[\w.-]+"  # e-mail addresses
    r"|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/\S*)?"  # site names: caf.fr, ameli.fr
    r"|\b[A-Z]-[A-Z0-9]{4,6}\b"  # ticket codes: R-7K3F
    r"|\+?\d[\d\u00a0 .:/-]*\d|\d"  # numbers, phone numbers, dates, times
    r"|[A-Za-zÀ-ÖØ-öø-ÿŒœ][A-Za-zÀ-ÖØ-öø-ÿŒœ'’ -]*[A-Za-zÀ-ÖØ-öø-ÿŒœ]"  # French words
)


_LIST_NUMBER = re.compile(r"^\d{1,2}\. ")
"""The number of an SMS choice: after a right-to-left mark it reads right without isolates."""


def _starts_rtl(line: str) -> bool:
    """The line's first letter is right to left (digits and punctuation do not count)."""
    for ch in line:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def for_display(text: str, lang: str) -> str:
    """Marks only where a line mixes directions: a line all in one direction reads right by
    itself, and every mark costs a character of a 67-character SMS part."""
    if direction(lang) != "rtl" or not text:
        return text
    lines = []
    for line in text.split("\n"):
        number = _LIST_NUMBER.match(line)
        head = number.group(0) if number else ""
        body = line[len(head) :]
        if not _starts_rtl(body) or not _LTR_RUN.search(body):
            lines.append(line)  # one direction, or left to right first ("Pronote (مدرسة)")
            continue
        isolated = _LTR_RUN.sub(lambda m: f"{LRI}{m.group(0)}{PDI}", body)
        lines.append(RLM + head + isolated)
    return "\n".join(lines)
