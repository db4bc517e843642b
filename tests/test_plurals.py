"""Texts with a number take the plural form the resident's language wants for that number."""

from __future__ import annotations

import pytest

from bot.engine import texts
from bot.i18n import Catalogs, workflow
from bot.languages import babel_locale

NUMBERS = (1, 2, 5, 11, 21, 101)
SHIPPED = ["en", "ar", "prs", "ps", "uk", "ru", "ti"]
FORMS = {"ar": 6, "ru": 3, "uk": 3, "prs": 2, "ps": 2, "ti": 2, "en": 2}
CATEGORIES = {
    6: ["zero", "one", "two", "few", "many", "other"],
    3: ["one", "few", "many"],
    2: ["one", "other"],
}
"""The order of gettext's forms for CLDR's plural categories."""


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs()


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_catalog_declares_its_languages_plural_forms(lang: str) -> None:
    for _, path in workflow.catalogs_of(lang):
        assert workflow.read_catalog(path).num_plurals == FORMS[lang], path


@pytest.mark.parametrize("lang", SHIPPED)
@pytest.mark.parametrize("n", NUMBERS)
def test_the_form_picked_for_a_number_is_the_one_cldr_names(
    lang: str, n: int, catalogs: Catalogs
) -> None:
    expected = CATEGORIES[FORMS[lang]].index(babel_locale(lang).plural_form(n))
    assert catalogs.get(lang).catalog.plural(n) == expected


WORDS = {
    "fr": {1: "1 jour", 2: "2 jours", 5: "5 jours", 11: "11 jours", 21: "21 jours"},
    "en": {1: "1 day.", 2: "2 days", 5: "5 days", 11: "11 days", 21: "21 days", 101: "101 days"},
    "ru": {1: "1 день", 2: "2 дня", 5: "5 дней", 11: "11 дней", 21: "21 день", 101: "101 день"},
    "uk": {1: "1 день", 2: "2 дні", 5: "5 днів", 11: "11 днів", 21: "21 день", 101: "101 день"},
    "ar": {2: "2 يومين", 5: "5 أيام", 11: "11 يوما", 21: "21 يوما", 101: "101 يوم"},
    "ps": {1: "1 ورځې", 2: "2 ورځو", 21: "21 ورځو"},
}


@pytest.mark.parametrize("lang", [*SHIPPED, "fr"])
@pytest.mark.parametrize("n", NUMBERS)
def test_retention_days_read_right_for_every_number(lang: str, n: int, catalogs: Catalogs) -> None:
    translator = catalogs.get(lang)
    for message in (texts.KEPT_SESSIONS, texts.KEPT_TICKETS):
        shown = translator.plural(message, n).format(days=n)
        assert str(n) in shown and "{" not in shown
        if lang != "fr":
            assert shown not in [m.format(days=n) for m in message], "translated"
    expected = WORDS.get(lang, {}).get(n)
    if expected:
        assert expected in translator.plural(texts.KEPT_TICKETS, n).format(days=n)
