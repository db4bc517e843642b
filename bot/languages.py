"""The languages Relais can speak: French, plus every language that has a catalog in locales/."""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError

SOURCE_LANGUAGE = "fr"

ORDER = ("fr", "en", "ar", "prs", "ps", "uk", "ru", "ti")
"""The order of the language menu; languages added later come after, alphabetically."""

BABEL_LOCALE = {"prs": "fa_AF"}
"""Dari has no locale of its own in CLDR: it formats dates and numbers as Afghan Persian."""

NAMES = {"prs": "دری"}
"""Names CLDR cannot give, in the language's own script."""

ALIASES = {"fa": "prs", "fa-af": "prs", "ua": "uk"}
"""Language tags phones report for a language we hold under another code."""

RIGHT_TO_LEFT = frozenset({"ar", "prs", "ps", "fa", "ur", "he", "ckb"})


@cache
def babel_locale(lang: str) -> Locale:
    try:
        return Locale.parse(BABEL_LOCALE.get(lang, lang))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(SOURCE_LANGUAGE)


@cache
def native_name(lang: str) -> str:
    """The language's name as its speakers write it ("Français", "العربية")."""
    if lang in NAMES:
        return NAMES[lang]
    name = babel_locale(lang).get_language_name(BABEL_LOCALE.get(lang, lang)) or lang
    return name[:1].upper() + name[1:]


@cache
def french_name(lang: str) -> str:
    """The language's name for a French-speaking mediator ("arabe", "dari")."""
    if lang == "prs":
        return "dari"
    return Locale.parse(SOURCE_LANGUAGE).languages.get(lang.split("_")[0], lang)


def direction(lang: str) -> str:
    return "rtl" if lang in RIGHT_TO_LEFT else "ltr"


def ordered(codes: set[str]) -> list[str]:
    return [c for c in ORDER if c in codes] + sorted(codes - set(ORDER))
