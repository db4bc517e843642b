"""Secrets people paste by mistake, hidden before a text is kept or shown to a mediator.

Social security numbers (NIR), IBANs, card numbers, one-time codes and whatever follows
"mot de passe", "password" or "code" become a placeholder; the resident is told why.
"""

from __future__ import annotations

import re

MASK = "[masqué]"

_SEP = r"[\s.\-]?"
_NIR = re.compile(
    rf"(?<![\dA-Za-z])[12]{_SEP}\d\d{_SEP}(?:0[1-9]|1[0-2]|[2-9]\d){_SEP}(?:\d\d|2[ABab])"
    rf"{_SEP}\d{{3}}{_SEP}\d{{3}}(?:{_SEP}\d\d)?(?![\dA-Za-z])"
)
"""13 characters (sex, year, month, department incl. 2A/2B, commune, order) and the key."""
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d\d(?:[ ]?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])")
_CARD = re.compile(r"(?<!\d)(?:\d[ \-]?){12,18}\d(?!\d)")
"""13 to 19 digits: a bank card (even mistyped); nothing else people send is that long."""
_OTP = re.compile(r"(?<![\d€$.,])\d{6}(?![\d€$]|[.,]\d|\s?(?:€|eur))")
"""Six digits alone: what SMS one-time codes look like (postal codes have five)."""
_SECRET_WORDS = (
    r"mot[s]? de passe|mdp|password|passwd|passcode|code secret|code pin|pin|otp"
    r"|كلمة السر|كلمة المرور|رمز التحقق|пароль|парол[ья]|پسورد|رمز عبور|ፓስዎርድ"
)
_AFTER_SECRET_WORD = re.compile(
    rf"(?i)\b(?:{_SECRET_WORDS})\b\s*(?:est|is|c'est|:|=|-)?\s*(?:\"|«)?\s*(\S+)"
)
_AFTER_CODE = re.compile(
    r"(?i)\b(?:code|код|کود)\b(?! postal)\s*(?:est|is|c'est|:|=|-)?\s*(\S*\d\S*)"
)
"""After "code", only something holding a digit: "le code ne marche pas" stays readable."""


def _iban_ok(text: str) -> bool:
    raw = text.replace(" ", "").upper()
    if not 15 <= len(raw) <= 34 or not raw[2:4].isdigit():
        return False
    moved = raw[4:] + raw[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


def _iban(match: re.Match) -> str:
    return MASK if _iban_ok(match.group()) else match.group()


def _secret(match: re.Match) -> str:
    start, end = match.span(1) if match.group(1) else (match.end(), match.end())
    return match.string[match.start() : start] + MASK + match.string[end : match.end()]


def mask(text: str) -> tuple[str, bool]:
    """The text with secrets replaced by a placeholder, and whether anything was."""
    masked = _NIR.sub(MASK, text)
    masked = _IBAN.sub(_iban, masked)
    masked = _CARD.sub(MASK, masked)
    masked = _AFTER_SECRET_WORD.sub(_secret, masked)
    masked = _AFTER_CODE.sub(_secret, masked)
    masked = _OTP.sub(MASK, masked)
    return masked, masked != text
