"""Validators of typed answers: they return the clean value, or None when it is not valid."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.engine import texts
from bot.engine.matching import match_choice
from bot.i18n import Translator
from bot.text import clean, normalize

_POSTAL_CODE = re.compile(r"(?:0[1-9]|[1-8]\d|9[0-8])\d{3}")
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
MAX_FREE_TEXT = 500


def postal_code(answer: str, _: Translator) -> str | None:
    digits = re.sub(r"[\s.]", "", normalize(answer))
    return digits if _POSTAL_CODE.fullmatch(digits) else None


def yes_no(answer: str, translator: Translator) -> str | None:
    options = [
        translator.text(texts.YES_WORDS).split("|") + texts.YES_WORDS.split("|"),
        translator.text(texts.NO_WORDS).split("|") + texts.NO_WORDS.split("|"),
    ]
    picked = match_choice(answer, options)
    return None if picked is None else ("oui", "non")[picked]


def number(answer: str, _: Translator) -> str | None:
    folded = normalize(answer).replace(" ", "")
    return folded.replace(",", ".") if _NUMBER.fullmatch(folded) else None


def free_text(answer: str, _: Translator) -> str | None:
    cleaned = clean(answer)
    return cleaned[:MAX_FREE_TEXT] if cleaned else None


VALIDATORS: dict[str, tuple[Callable[[str, Translator], str | None], str]] = {
    "postal_code": (postal_code, texts.RETRY_POSTAL_CODE),
    "yes_no": (yes_no, texts.RETRY_YES_NO),
    "number": (number, texts.RETRY_NUMBER),
    "text": (free_text, texts.RETRY_TEXT),
}
