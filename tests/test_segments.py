"""SMS segments counted as a phone network counts them."""

from __future__ import annotations

import pytest

from bot.display.segments import sms_cost


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("é è ù à ì ò É Ç" + "a" * 144, "GSM-7", 1),
        ("€" * 80, "GSM-7", 1),
        ("€" * 81, "GSM-7", 2),
        ("ê" + "a" * 69, "UCS-2", 1),
        ("ê" + "a" * 70, "UCS-2", 2),
        ("ç" + "a" * 133, "UCS-2", 2),
        ("ç" + "a" * 134, "UCS-2", 3),
        ("«oui»", "UCS-2", 1),
        ("l’aide", "UCS-2", 1),
        ("مرحبا" * 14, "UCS-2", 1),
        ("мова" * 18, "UCS-2", 2),
        ("🙂" * 35, "UCS-2", 1),
        ("🙂" * 36, "UCS-2", 2),
        ("", "GSM-7", 1),
    ],
)
def test_segments_and_encoding(text: str, encoding: str, segments: int) -> None:
    cost = sms_cost(text)
    assert (cost.encoding, cost.segments) == (encoding, segments)
