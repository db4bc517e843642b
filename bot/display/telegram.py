"""Telegram's length limit and texts cut at it: the flow checker measures with it, the
resident channel and the mediators' desk cut with it."""

from __future__ import annotations

TELEGRAM_MAX_TEXT = 4096


def pieces(text: str, limit: int = TELEGRAM_MAX_TEXT) -> list[str]:
    """Texts over Telegram's limit, cut at line ends."""
    out: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        out.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*out, text]
