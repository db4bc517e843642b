"""Translations of bot and flow texts. French is the source; a missing text falls back to it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from babel.support import NullTranslations, Translations

from bot.languages import LANGUAGES, SOURCE_LANGUAGE
from bot.paths import LOCALES

DOMAINS = ("bot", "flows")

missing_texts: Counter[str] = Counter()
"""How many times a text was shown in French because its translation is missing, per language."""


def N_(message: str) -> str:
    """Mark a bot text for extraction; it is translated when shown, in the resident's language."""
    return message


@dataclass(eq=False)
class Translator:
    lang: str
    catalog: NullTranslations = field(default_factory=NullTranslations)

    def text(self, message: str, context: str | None = None) -> str:
        if self.lang == SOURCE_LANGUAGE or not message:
            return message
        if context is None:
            translated = self.catalog.gettext(message)
        else:
            translated = self.catalog.pgettext(context, message)
        if not translated or translated == message:
            missing_texts[self.lang] += 1
            return message
        return translated


class Catalogs:
    """Every compiled catalog, loaded once at start-up; looking one up does no I/O."""

    def __init__(self, locales: Path = LOCALES) -> None:
        self._by_lang: dict[str, Translator] = {SOURCE_LANGUAGE: Translator(SOURCE_LANGUAGE)}
        for lang in LANGUAGES:
            if lang == SOURCE_LANGUAGE:
                continue
            merged: Translations | None = None
            for domain in DOMAINS:
                loaded = Translations.load(str(locales), [lang], domain)
                if isinstance(loaded, Translations):
                    if merged is None:
                        merged = loaded
                    else:
                        merged.merge(loaded)
            if merged is not None:
                self._by_lang[lang] = Translator(lang, merged)

    @property
    def languages(self) -> list[str]:
        return [code for code in LANGUAGES if code in self._by_lang]

    def get(self, lang: str) -> Translator:
        return self._by_lang.get(lang) or self._by_lang[SOURCE_LANGUAGE]
