"""Translations of bot and flow texts. French is the source; a missing text falls back to it."""

from __future__ import annotations

import io
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from bot.languages import ALIASES, SOURCE_LANGUAGE, ordered
from bot.paths import LOCALES

log = logging.getLogger(__name__)

DOMAINS = ("bot", "flows")

missing_texts: Counter[str] = Counter()
"""How many times a text was shown in French because its translation is missing, per language."""


def N_(message: str) -> str:
    """Mark a bot text for extraction; it is translated when shown, in the resident's language."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a bot text that holds a number: its French singular and plural, translated with
    the plural forms of the resident's language (Arabic has six, Russian three)."""
    return singular, plural


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

    def plural(self, message: tuple[str, str], n: int) -> str:
        """The form of a `Nn_` text for the number `n` (placeholders left to fill)."""
        singular, plural = message
        if self.lang == SOURCE_LANGUAGE:
            return singular if n <= 1 else plural
        translated = self.catalog.ngettext(singular, plural, n)
        if translated in (singular, plural):
            missing_texts[self.lang] += 1
        return translated


def load_domain(folder: Path, domain: str) -> Translations | None:
    """The compiled catalog; compiled in memory from the .po when the .mo is missing or stale."""
    po, mo = folder / f"{domain}.po", folder / f"{domain}.mo"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return Translations(handle, domain=domain)
    if not po.is_file():
        return None
    if mo.is_file():
        log.warning("%s is newer than its .mo: run `relais i18n compile`", po)
    with po.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=domain)


class Catalogs:
    """Every catalog in `locales/`, loaded once at start-up; looking one up does no I/O."""

    def __init__(self, locales: Path = LOCALES) -> None:
        self._by_lang: dict[str, Translator] = {SOURCE_LANGUAGE: Translator(SOURCE_LANGUAGE)}
        folders = sorted(p for p in locales.glob("*/LC_MESSAGES") if p.is_dir())
        for folder in folders:
            lang = folder.parent.name
            if lang == SOURCE_LANGUAGE:
                continue
            merged: Translations | None = None
            for domain in DOMAINS:
                loaded = load_domain(folder, domain)
                if loaded is None:
                    continue
                if merged is None:
                    merged = loaded
                else:
                    merged.merge(loaded)
            if merged is not None:
                self._by_lang[lang] = Translator(lang, merged)
        self.languages: list[str] = ordered(set(self._by_lang))
        """The languages Relais speaks, in the order of the language menu."""

    def get(self, lang: str) -> Translator:
        return self._by_lang.get(lang) or self._by_lang[SOURCE_LANGUAGE]

    def negotiate(self, requested: str | None) -> str | None:
        """The language we have for a tag a phone reports ("pt-BR", "fa"), or None."""
        if not requested:
            return None
        tag = requested.strip().replace("_", "-").lower()
        tag = ALIASES.get(tag, ALIASES.get(tag.split("-")[0], tag))
        aliases = {code: code for code in self.languages}
        return negotiate_locale([tag], self.languages, sep="-", aliases=aliases)
