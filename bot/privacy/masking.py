"""Secrets people paste by mistake, hidden before a text is kept or shown to a mediator.

Social security numbers (NIR), IBANs, card numbers, one-time codes and what follows
"mot de passe", "password" or "code" (in the 8 languages, bot/privacy/secret_words.py)
become a placeholder; the resident is told why. What only talks about a secret ("mot de
passe oublié", "j'ai perdu mon code") is left as written: the mediator needs those words.
"""

from __future__ import annotations

import re

from bot.privacy.secret_words import CODE_WORDS, FILLERS, MARKERS, ORDINARY, SECRET_WORDS
from bot.text import normalize

MASK = "[masqué]"

_SEP = r"[\s.\-]?"
_NIR = re.compile(
    rf"(?<![\dA-Za-z])[12]{_SEP}\d\d{_SEP}(?:0[1-9]|1[0-2]|[2-9]\d){_SEP}(?:\d\d|2[ABab])"
    rf"{_SEP}\d{{3}}{_SEP}\d{{3}}(?:{_SEP}\d\d)?(?![\dA-Za-z])"
)
"""13 characters (sex, year, month, department incl. 2A/2B, commune, order) and the key."""
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d\d")
_IBAN_LENGTHS = {"FR": 27, "MC": 27, "BE": 16, "DE": 22, "ES": 24, "IT": 27, "PT": 25}
"""An IBAN of one of these countries with a typo in it is still a bank account."""
_CARD = re.compile(r"(?<!\d)(?:\d[ .\-]?){12,18}\d(?!\d)")
"""13 to 19 digits: a bank card (even mistyped); nothing else people send is that long."""
_OTP = re.compile(r"(?<![\d€$.,])\d{6}(?![\d€$]|[.,]\d|\s?(?:€|eur))")
"""Six digits alone: what SMS one-time codes look like (postal codes have five)."""


def _keyboard_variants(words: str) -> str:
    """Arabic letters as Dari/Pashto keyboards type them, and the reverse."""
    return words.replace("ي", "[يی]").replace("ی", "[یي]").replace("ك", "[كک]")


_ANNOUNCE = re.compile(
    rf"(?i)(?<!\w)(?:(?P<secret>{_keyboard_variants(SECRET_WORDS)})"
    rf"|(?P<code>{_keyboard_variants(CODE_WORDS)}))(?!\w)"
)
_TOKEN = re.compile(r"\s*([:=]|[^\s:=]+)")
_LOOKAHEAD = 6
"""How many words after "mot de passe" are read to find its value."""


def _folded(words: str) -> frozenset[str]:
    return frozenset(normalize(w) or w for w in words.split())


_MARKERS, _FILLERS, _ORDINARY = _folded(MARKERS), _folded(FILLERS), _folded(ORDINARY)


def _iban_ok(raw: str) -> bool:
    raw = raw.upper()
    if not 15 <= len(raw) <= 34 or not raw[2:4].isdigit():
        return False
    moved = raw[4:] + raw[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


def _iban_end(text: str, start: int) -> int | None:
    """End of the IBAN starting at `start` (spaced in fours or not, words may follow), the
    longest that checks out (or has its country's length), or None."""
    compact, ends, i = "", [], start
    while i < len(text) and len(compact) < 34:
        ch = text[i]
        if ch.isascii() and ch.isalnum():
            compact += ch
            i += 1
            if i == len(text) or not (text[i].isascii() and text[i].isalnum()):
                ends.append((compact, i))
        elif ch in " -" and compact and i + 1 < len(text) and text[i + 1].isalnum():
            i += 1
        else:
            break
    for value, end in reversed(ends):
        if _iban_ok(value) or _IBAN_LENGTHS.get(value[:2].upper()) == len(value):
            return end
    return None


def _mask_ibans(text: str) -> str:
    out, done = [], 0
    for match in _IBAN_START.finditer(text):
        if match.start() < done:
            continue
        end = _iban_end(text, match.start())
        if end is not None:
            out += [text[done : match.start()], MASK]
            done = end
    return "".join(out) + text[done:]


def _value_after(text: str, start: int, needs_digit: bool) -> tuple[int, int] | None:
    """Where the secret announced just before `start` is, or None when the words that follow
    only talk about it ("oublié", "ne marche pas") or give nothing."""
    marked, pos = False, start
    for _ in range(_LOOKAHEAD):
        token = _TOKEN.match(text, pos)
        if token is None:
            return None
        word = token.group(1)
        folded = normalize(word) or word
        has_digit = any(ch.isdigit() for ch in word)
        if needs_digit and not _code_like(word):
            has_digit = False  # "un code à 6 chiffres", "le code 93200", "mon code R-7K3F"
        if folded in _ORDINARY or (folded.endswith("?") and not has_digit):
            return None
        if folded in _MARKERS or word in _MARKERS:
            marked = True
        elif has_digit or (
            not needs_digit and (marked or not _plain(word)) and folded not in _FILLERS
        ):
            return token.span(1)
        pos = token.end()
    return None


_TICKET_CODE = re.compile(r"R-[2-9A-HJKMNP-Z]{4}", re.IGNORECASE)
_POSTAL_CODE = re.compile(r"(?:0[1-9]|[1-8]\d|9[0-8])\d{3}")


def _code_like(word: str) -> bool:
    """After "code": three digits or more, and neither a postal code nor the ticket code
    Relais gave (which the person shows at the desk)."""
    core = word.strip(".,;!?()«»\"“”'’")
    if _TICKET_CODE.fullmatch(core) or _POSTAL_CODE.fullmatch(core):
        return False
    return sum(ch.isdigit() for ch in core) >= 3


def _plain(word: str) -> bool:
    """A word of letters only (with its apostrophes, hyphens and end punctuation)."""
    core = word.strip(".,;!?()«»\"“”'’")
    return all(ch.isalpha() or ch in "'’-" for ch in core)


def _mask_after_words(text: str) -> str:
    out, done = [], 0
    for match in _ANNOUNCE.finditer(text):
        if match.start() < done:
            continue
        if match.group("code") and text[match.end() :].lstrip().lower().startswith("postal"):
            continue
        span = _value_after(text, match.end(), needs_digit=bool(match.group("code")))
        if span is not None:
            out += [text[done : span[0]], MASK]
            done = span[1]
    return "".join(out) + text[done:]


def mask(text: str) -> tuple[str, bool]:
    """The text with secrets replaced by a placeholder, and whether anything was."""
    masked = _NIR.sub(MASK, text)
    masked = _mask_ibans(masked)
    masked = _CARD.sub(MASK, masked)
    masked = _mask_after_words(masked)
    masked = _OTP.sub(MASK, masked)
    return masked, masked != text
