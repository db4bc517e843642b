"""SMS segment counting as a phone network does it (3GPP TS 23.038).

A text made only of GSM-7 characters travels 160 per SMS (153 per part once split); one
character outside it switches the whole text to UCS-2: 70 per SMS, 67 per part, counted in
UTF-16 code units (an emoji takes two).
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
"""Characters sent as escape + code: each counts twice."""


@dataclass(frozen=True)
class SmsCost:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int
    segments: int


GSM7 = GSM7_BASIC | GSM7_EXTENSION


def is_gsm7(text: str) -> bool:
    return GSM7.issuperset(text)


def sms_cost(text: str) -> SmsCost:
    if is_gsm7(text):
        units = len(text) + sum(text.count(ch) for ch in GSM7_EXTENSION)
        single, part = 160, 153
        encoding = "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
        encoding = "UCS-2"
    segments = 1 if units <= single else -(-units // part)
    return SmsCost(encoding, units, segments)
