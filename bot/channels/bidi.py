"""Right-to-left text that stays readable: numbers, phone lines and links isolated as LTR.

Arabic, Dari and Pashto replies start with a right-to-left mark, and each run that must
read left to right (a link, a phone number, a date) is wrapped in Unicode isolates
(LRI … PDI), which Telegram and phones' SMS apps honour.
"""

from __future__ import annotations

import re

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


def for_display(text: str, lang: str) -> str:
    if direction(lang) != "rtl" or not text:
        return text
    lines = []
    for line in text.split("\n"):
        isolated = _LTR_RUN.sub(lambda m: f"{LRI}{m.group(0)}{PDI}", line)
        lines.append(RLM + isolated)
    return "\n".join(lines)
