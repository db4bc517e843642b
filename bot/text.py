"""Text as residents type it: folded so that case, accents and invisible marks never matter."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_FOLD = str.maketrans({"’": "'", "œ": "oe", "æ": "ae", "ي": "ی", "ى": "ی", "ك": "ک"})
"""Typographic apostrophe, ligatures, and the Arabic-keyboard yeh and kaf that Dari and
Pashto speakers often type for ی and ک."""
_DIGITS = {
    code: str(unicodedata.digit(chr(code)))
    for code in range(0x80, 0x20000)
    if unicodedata.digit(chr(code), None) is not None
}
"""Digits of every script (Arabic-Indic ٣, Persian ۳, Ge'ez ፫, Devanagari ३...) as ASCII: a
person answers "፫" or "۳" for choice 3, and "٩٣٢٠٠" is a postal code."""
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")

MAX_MATCHED = 200
"""Only the start of a long message is compared with choices and commands."""


def clean(text: str) -> str:
    """Drop invisible format characters (zero-width, bidi marks) and surrounding spaces."""
    if text.isprintable():  # most of open data: no invisible character to drop
        text = text if text.isascii() else unicodedata.normalize("NFC", text)
        return " ".join(text.split())
    text = unicodedata.normalize("NFC", text)
    text = "".join(
        ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc", "Cs", "Co") or ch == "\n"
    )
    return _SPACES.sub(" ", text).strip()


def normalize(text: str) -> str:
    """Fold text for comparison: no case, no accents, no edge punctuation, single spaces."""
    text = clean(text[: MAX_MATCHED * 4])[:MAX_MATCHED]
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = folded.translate(_FOLD).translate(_DIGITS)
    return _EDGE_PUNCTUATION.sub("", folded).strip()


@lru_cache(maxsize=16384)
def fold_word(word: str) -> str:
    """`normalize` for the bounded vocabulary of flows and commands, computed once per word."""
    return normalize(word)
