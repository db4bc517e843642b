"""Which language a resident writes in, from their first words: script, letters, words, names.

Pure functions over a data table (`LANGUAGES`), so that a translator can add a spelling or
a word without touching the dialogue (bot/engine/language.py). Names are matched folded
(case, accents, Arabic yeh and kaf variants do not matter) and with a small edit distance,
so `arabik`, `darri` or `русскии` still name their language.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from bot.text import clean, fold_word, normalize


@dataclass(frozen=True)
class Spoken:
    """What gives a language away: its names in every script, its own letters and words."""

    code: str
    script: str
    names: tuple[str, ...]
    """How people name the language, in its own script, in Latin letters (English, French,
    transliterations) and in the other scripts our residents write."""
    words: tuple[str, ...] = ()
    """Common words of a first message that this language uses and its neighbours do not."""
    letters: str = ""
    """Letters only this language writes, among the languages of its script."""
    language_words: tuple[str, ...] = ()
    """The word for "language": it opens the language choice in any session."""


# A table: one language a paragraph, its words filled to the line.
# fmt: off
LANGUAGES: tuple[Spoken, ...] = (
    Spoken(
        "fr",
        "latin",
        ("français", "francais", "french", "fransais", "fr", "frances", "فرنسي", "فرنسية",
         "الفرنسية", "فرانسوی", "فرانسوي", "французька", "французский", "ፈረንሳይኛ"),
        language_words=("langue", "langues", "/langue"),
    ),
    Spoken(
        "en",
        "latin",
        ("english", "anglais", "inglizi", "inglisi", "inglish", "en", "eng", "engl",
         "انجليزي", "الانجليزية", "انگلیسی", "انګلیسي", "англійська", "английский",
         "እንግሊዝኛ"),
        words=("hello", "hi", "hey", "help", "please", "need", "want", "thanks", "thank",
               "you", "good", "morning", "the", "my", "can", "what", "how", "speak"),
        language_words=("language", "languages", "/language"),
    ),
    Spoken(
        "ar",
        "arabic",
        ("عربي", "عربية", "عربيه", "العربية", "العربيه", "اللغة العربية", "بالعربي",
         "بالعربية", "arabic", "arabe", "arab", "arabi", "araby", "arabiya", "arabia",
         "3arabi", "3arabiya", "al arabiya", "el arabi", "ar", "арабська", "арабский",
         "ዓረብኛ", "ዓረብ"),
        words=("مرحبا", "اهلا", "أريد", "اريد", "مساعدة", "مساعده", "شكرا", "كيف", "حالك",
               "انا", "هل", "ممكن", "لو سمحت", "صباح", "الخير", "أنا", "ماذا", "عندي"),
        language_words=("اللغة", "لغة", "اللغه", "لغه"),
    ),
    Spoken(
        "prs",
        "arabic",
        ("دری", "دري", "فارسی", "فارسي", "فارسی دری", "پارسی", "dari", "farsi",
         "farci", "farsy", "persian", "persan", "prs", "fa", "дарі", "дари",
         "фарсі", "фарси", "ዳሪ"),
        words=("است", "هستم", "میخواهم", "می خواهم", "چطور", "خوب", "تشکر", "مه", "کمک",
               "لطفا", "شما", "چی", "اس", "برای", "میکنم", "خواهش", "روز", "بخیر"),
        language_words=("زبان",),
    ),
    Spoken(
        "ps",
        "arabic",
        ("پښتو", "پشتو", "پختو", "pashto", "pachto", "pashtu", "pushto", "pukhto", "pakhto",
         "pachtou", "pachtoun", "pashtoo", "ps", "пушту", "пашто", "ፓሽቶ"),
        words=("زه", "یم", "غواړم", "غواړم", "مرسته", "مننه", "څنګه", "ستاسو", "کې", "ته",
               "ښه", "دي", "ستړي", "مه", "شئ", "راسره"),
        letters="ټډړښږګڼځڅېۍ",
        language_words=("ژبه", "ژبې"),
    ),
    Spoken(
        "uk",
        "cyrillic",
        ("українська", "украинська", "український", "українською", "ukrainian",
         "ukrainien", "ukrainska", "ukrainskyi", "ukrainsky", "ukrainien", "uk", "ua",
         "ukr", "украинский", "украинская", "اوکراینی", "أوكراني", "الأوكرانية"),
        words=("привіт", "дякую", "допомога", "допоможіть", "будь ласка", "так", "мені",
               "потрібна", "добрий", "день", "вітаю"),
        letters="іїєґ",
        language_words=("мова", "мову", "мови"),
    ),
    Spoken(
        "ru",
        "cyrillic",
        ("русский", "русская", "руский", "по-русски", "по русски", "російська", "russian",
         "russe", "russkiy", "russkij", "russki", "ru", "rus", "روسي", "روسی",
         "الروسية"),
        words=("привет", "здравствуйте", "спасибо", "помощь", "помогите", "пожалуйста",
               "да", "мне", "нужна", "добрый", "день"),
        letters="ыэъё",
        language_words=("язык", "языка", "языки"),
    ),
    Spoken(
        "ti",
        "ethiopic",
        ("ትግርኛ", "ትግሪኛ", "tigrinya", "tigrigna", "tigrinia", "tigrina", "tigrignia",
         "tigrinja", "tigrigna", "ti", "tir", "تغرينية", "تیگرینیا", "тигринья"),
        language_words=("ቋንቋ", "ቋንቋታት"),
    ),
)
# fmt: on

SCRIPTS = {"ARABIC": "arabic", "CYRILLIC": "cyrillic", "ETHIOPIC": "ethiopic", "LATIN": "latin"}
_BY_CODE = {spoken.code: spoken for spoken in LANGUAGES}
_WORD = re.compile(r"[^\W\d_]+|\d\w+", re.UNICODE)
_PERSIAN_LETTERS = "پچژگ"
"""Letters Dari and Pashto write and Arabic does not."""
_ARABIC_LETTERS = "ةى"


@dataclass(frozen=True)
class Guess:
    """What the words point to: candidates, most likely first, and how sure that is."""

    script: str
    candidates: tuple[str, ...] = ()
    strong: bool = False
    named: bool = False
    """The text names a language ("عربي", "russian"): the person is choosing, not greeting."""


def script_of(text: str) -> str:
    """The script most letters of the text are written in ("" for digits or emoji only)."""
    counts: Counter[str] = Counter()
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            counts[SCRIPTS.get(name.split(" ")[0], "other")] += 1
    return counts.most_common(1)[0][0] if counts else ""


def script_language(code: str) -> str:
    spoken = _BY_CODE.get(code)
    return spoken.script if spoken else "latin"


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    index: dict[str, str] = {}
    for spoken in LANGUAGES:
        for name in spoken.names:
            index.setdefault(fold_word(name), spoken.code)
    return index


def language_words() -> frozenset[str]:
    """Every language's word for "language", folded."""
    return _language_words()


@lru_cache(maxsize=1)
def _language_words() -> frozenset[str]:
    return frozenset(fold_word(w) for s in LANGUAGES for w in s.language_words)


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Typing mistakes between two words: letters left out, added, changed or swapped
    (optimal string alignment), stopped early beyond `limit` (then `limit + 1`)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def _allowed_typos(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


def _named_exactly(folded: str) -> str | None:
    names = _names()
    if folded in names:
        return names[folded]
    found = {names[w] for w in _WORD.findall(folded) if len(w) >= 3 and w in names}
    return found.pop() if len(found) == 1 else None


def _named_nearly(folded: str) -> str | None:
    """A name with a typo or two, when the whole answer is that one word: inside a sentence,
    ordinary words come too near names ("paris", "diary")."""
    allowed = _allowed_typos(folded)
    if " " in folded or not allowed:
        return None
    best, codes = allowed + 1, set()
    for name, code in _names().items():
        if len(name) < 4:
            continue
        distance = edit_distance(folded, name, allowed)
        if distance < best:
            best, codes = distance, set()
        if distance == best:
            codes.add(code)
    return codes.pop() if len(codes) == 1 else None


def language_named(text: str, available: Collection[str] | None = None) -> str | None:
    """The language a text names ("dari", "عربى", "русскии", "3arabi"), or None."""
    folded = normalize(text)
    if not folded:
        return None
    code = _named_exactly(folded) or _named_nearly(folded)
    if code is None or (available is not None and code not in available):
        return None
    return code


def _score(spoken: Spoken, raw: str, words: set[str]) -> int:
    own = {fold_word(w) for w in spoken.words}
    return sum(1 for w in words if w in own) + (2 if any(c in raw for c in spoken.letters) else 0)


def guess(text: str, available: Collection[str]) -> Guess:
    """Candidates for the language of a message, most likely first."""
    raw = clean(text).casefold()
    script = script_of(raw)
    named = language_named(text, available)
    if named is not None:
        return Guess(script_language(named), (named,), strong=True, named=True)
    words = set(_WORD.findall(normalize(text)))
    if script == "ethiopic":
        return Guess(script, tuple(c for c in ("ti",) if c in available), strong=True)
    same = [s for s in LANGUAGES if s.script == script and s.code in available]
    if script == "arabic" and any(c in raw for c in _PERSIAN_LETTERS):
        same = [s for s in same if s.code != "ar"]
    if script == "arabic" and any(c in raw for c in _ARABIC_LETTERS):
        same = [s for s in same if s.code == "ar"] or same
    scores = {s.code: _score(s, raw, words) for s in same}
    ranked = sorted(scores, key=lambda code: -scores[code])
    if script == "latin":
        english = scores.get("en", 0)
        if not english:
            return Guess(script)
        return Guess(script, ("en", "fr"), strong=english >= 2)
    if not ranked:
        return Guess(script)
    top, others = scores[ranked[0]], [scores[c] for c in ranked[1:]]
    strong = len(ranked) == 1 or (top >= 2 and not any(others))
    return Guess(script, tuple(ranked), strong=strong)
