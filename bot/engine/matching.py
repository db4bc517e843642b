"""Which choice an answer picks: its number, its label or one of its words."""

from __future__ import annotations

from collections.abc import Sequence

from bot.text import fold_word, normalize


def match_choice(answer: str, options: Sequence[Sequence[str]]) -> int | None:
    """Index of the option `answer` selects, or None.

    `options[i]` lists what selects option i (its label first). The number shown before it
    (1-based) always works; then an exact word; then, when only one option is named, a word
    found inside a longer answer ("oui merci").
    """
    folded = normalize(answer)
    if not folded:
        return None
    if folded.isdigit():
        number = int(folded) if len(folded) < 4 else 0
        return number - 1 if 1 <= number <= len(options) else None
    words = [{fold_word(w) for w in option} - {""} for option in options]
    for i, option_words in enumerate(words):
        if folded in option_words:
            return i
    padded = f" {folded} "
    named = {i for i, option in enumerate(words) if any(f" {w} " in padded for w in option)}
    return named.pop() if len(named) == 1 else None
