"""How typed text is folded before it is compared with choices and commands."""

from __future__ import annotations

import pytest

from bot.text import clean, normalize


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("  Démarche !  ", "demarche"),
        ("PROCÉDURE", "procedure"),
        ("l’aide", "l'aide"),
        ("\u200fmenu\u200b", "menu"),
        ("œuvre", "oeuvre"),
        ("كمك", "کمک"),
        ("يا", "یا"),
        ("", ""),
    ],
)
def test_normalize(typed: str, folded: str) -> None:
    assert normalize(typed) == folded


def test_clean_keeps_the_words_and_drops_invisible_marks() -> None:
    assert clean("\u202e Bonjour\u200b  à   vous \x00") == "Bonjour à vous"


def test_a_huge_message_is_folded_from_its_start_only() -> None:
    assert len(normalize("a" * 100_000)) <= 200
