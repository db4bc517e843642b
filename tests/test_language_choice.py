"""A resident reaches their language from their first words, in their own words, never
silently in French; the word for "language" in any language opens the choice."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import Engine, Session, Text
from bot.engine.commands import find_command
from bot.i18n.detect import edit_distance, guess, language_named
from bot.languages import native_name
from bot.text import clean
from tests.conftest import NOON, relais_command

ALL = ["fr", "en", "ar", "prs", "ps", "uk", "ru", "ti"]


def sms(engine: Engine, *texts: str, session: Session | None = None):
    """A conversation on a channel that does not say the language (SMS)."""
    session, now, outcomes = session or Session(), NOON, []
    for text in texts:
        now += timedelta(seconds=5)
        outcome = engine.step(session, Text(text), now)
        session = outcome.session
        outcomes.append(outcome)
    return outcomes


OWN_NAMES = {
    "en": ["English", "english", "anglais"],
    "ar": ["عربي", "عربى", "العربيه", "العربية", "arabic", "arabe"],
    "prs": ["دری", "فارسی", "dari", "farsi", "Dari"],
    "ps": ["پښتو", "pashto", "pachto"],
    "uk": ["українська", "ukrainian", "украинский"],
    "ru": ["русский", "russian", "Русский"],
    "ti": ["ትግርኛ", "tigrinya", "tigrigna"],
}


@pytest.mark.parametrize(
    ("lang", "answer"), [(lang, name) for lang, names in OWN_NAMES.items() for name in names]
)
def test_the_language_question_understands_the_languages_name(
    shipped_engine: Engine, lang: str, answer: str
) -> None:
    asked, answered = sms(shipped_engine, "salut", answer)
    assert asked.session.pending == "first-language"
    assert answered.session.lang == lang
    assert answered.replies[-1].key == "menu/accueil"
    assert all(reply.lang == lang for reply in answered.replies)


@pytest.mark.parametrize(
    ("first", "lang"),
    [
        ("عربي", "ar"),
        ("3arabi", "ar"),
        ("پښتو", "ps"),
        ("سلام، زه مرسته غواړم", "ps"),  # Pashto-only letters
        ("русский", "ru"),
        ("Привіт, мені потрібна допомога", "uk"),  # і, and Ukrainian words
        ("Здравствуйте, мне нужна помощь, спасибо", "ru"),
        ("ሰላም", "ti"),
        ("hello, I need help please", "en"),
    ],
)
def test_clear_first_words_switch_and_say_how_to_change(
    shipped_engine: Engine, first: str, lang: str
) -> None:
    (outcome,) = sms(shipped_engine, first)
    assert outcome.session.lang == lang
    said = [reply.text for reply in outcome.replies]
    told = shipped_engine.catalogs.get(lang).text(
        "Je vous écris en français. Autre langue : écrivez LANGUE."
    )
    assert said[0] == told and told.count("\n") == 0, "one line, with the way back"
    assert outcome.replies[-1].key == "menu/accueil"
    opened = [
        sms(shipped_engine, word.strip(".:።፡?؟"), session=outcome.session)[0].session.pending
        for word in told.split()
    ]
    assert "language" in opened, f"{told!r} names a word that opens the language choice"


@pytest.mark.parametrize(
    ("first", "offered", "asked"),
    [
        ("مرحبا", ["ar", "prs", "ps"], "اللغة؟"),
        ("سلام", ["ar", "prs", "ps"], "زبان؟"),
        ("سلام چطور هستید", ["prs", "ps"], "زبان؟"),  # چ: not Arabic
        ("Привет", ["ru", "uk"], "Мова?"),
        ("hello", ["en", "fr"], "Language?"),
    ],
)
def test_unclear_first_words_get_a_short_choice_in_their_script(
    shipped_engine: Engine, first: str, offered: list[str], asked: str
) -> None:
    (outcome,) = sms(shipped_engine, first)
    assert outcome.session.lang == "" and outcome.session.pending == "first-language"
    (question,) = outcome.replies
    assert list(question.choices) == [native_name(code) for code in offered]
    assert asked in question.text and "Langue" not in question.text.replace("Langue ?", "")
    picked = sms(shipped_engine, "2", session=outcome.session)[0]
    assert picked.session.lang == offered[1]


def test_no_script_at_all_gets_every_language(shipped_engine: Engine) -> None:
    (outcome,) = sms(shipped_engine, "👋🙂")
    assert [native_name(code) for code in ALL] == list(outcome.replies[-1].choices)


@pytest.mark.parametrize(
    ("first", "again", "hint_lang"),
    [
        ("سلام", "سلام", "ar"),  # the same greeting twice
        ("مرحبا", "9", "ar"),  # a number out of range
        ("Привет", "😀", "ru"),  # emoji only
        ("salut", "qwxz", "en"),
    ],
)
def test_an_answer_naming_no_language_is_asked_again_once_then_french_with_a_way_back(
    shipped_engine: Engine, first: str, again: str, hint_lang: str
) -> None:
    asked, reasked, gave_up = sms(shipped_engine, first, again, again)
    assert reasked.session.lang == "" and reasked.session.pending == "first-language-again"
    assert reasked.replies[-1].choices == asked.replies[-1].choices, "the same question"
    assert all("Je n'ai pas compris" not in r.text for r in reasked.replies), "not in French"
    assert gave_up.session.lang == "fr"
    hint = shipped_engine.catalogs.get(hint_lang).text(
        "Je continue en français. Pour changer de langue, écrivez LANGUE."
    )
    assert hint in [r.text for r in gave_up.replies]
    assert gave_up.replies[-1].key == "menu/accueil"


@pytest.mark.parametrize(
    "answer", ["arabik", "3arabi", "عربي hello", "al arabiya", "العربيه", "arabe svp"]
)
def test_bad_spellings_and_mixed_scripts_still_name_arabic(
    shipped_engine: Engine, answer: str
) -> None:
    _asked, answered = sms(shipped_engine, "salut", answer)
    assert answered.session.lang == "ar"


@pytest.mark.parametrize("word", ["اللغة", "لغة", "мова", "язык", "زبان", "ژبه", "ቋንቋ", "LANGUE"])
def test_the_word_for_language_in_any_script_opens_the_choice_in_a_french_session(
    shipped_engine: Engine, word: str
) -> None:
    start = sms(shipped_engine, "bonjour", session=Session(lang="fr"))[0].session
    (outcome,) = sms(shipped_engine, word, session=start)
    assert outcome.session.pending == "language"
    assert list(outcome.replies[-1].choices) == [native_name(code) for code in ALL]
    (chosen,) = sms(shipped_engine, "pashto", session=outcome.session)
    assert chosen.session.lang == "ps"
    assert chosen.replies[-1].key == "menu/accueil", "back where the person was"


def test_a_wrong_answer_to_a_language_change_keeps_the_language(shipped_engine: Engine) -> None:
    start = sms(shipped_engine, "hello", session=Session(lang="en"))[0].session
    _asked, again, kept = sms(shipped_engine, "мова", "xyz", "xyz", session=start)
    assert again.session.pending == "language-again"
    assert kept.session.lang == "en" and kept.session.pending is None
    assert kept.replies[-1].key == "menu/accueil"


def test_detection_is_pure_and_names_candidates() -> None:
    assert guess("سلام", ALL).candidates == ("ar", "prs", "ps")
    assert guess("گفتم سلام", ALL).candidates[:2] == ("prs", "ps"), "گ is not Arabic"
    assert guess("ښه", ALL).strong and guess("ښه", ALL).candidates[0] == "ps"
    assert guess("Дякую", ALL).candidates[0] == "uk"
    assert guess("12345", ALL).candidates == ()
    assert language_named("arabic", available=["fr", "en"]) is None, "only languages we have"
    assert language_named("dar") is None, "too short to guess from"
    assert language_named("paris") is None and language_named("à paris") is None
    assert language_named("je parle arabe") == "ar", "a name inside a sentence, spelt right"
    assert edit_distance("russain", "russian") == 1
    assert edit_distance("dari", "farsi", limit=1) == 2


def test_simulated_sms_resident_gets_arabic_from_its_name(db_path: Path) -> None:
    result = relais_command(
        "simulate",
        "--channel",
        "sms",
        "--db",
        str(db_path),
        input='{"text": "مرحبا"}\n{"text": "العربيه"}\n',
    )
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert "1. العربية" in clean(first["replies"][0]["text"])
    assert first["replies"][0]["direction"] == "rtl"
    assert second["replies"][-1]["lang"] == "ar" and second["node"] == "accueil"


SCRIPTS_MIX = st.text(
    alphabet=st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyz 0123456789.?!3")
        + list("عربيسلامدریپښتوټډړ")
        + list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ")
        + list("ሰላምትግርኛቋንቋ")
        + ["😀", "👋", "🌐"]
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=SCRIPTS_MIX, second=SCRIPTS_MIX, third=SCRIPTS_MIX)
def test_any_first_words_get_an_answer_and_french_only_after_a_second_miss(
    shipped_engine: Engine, first: str, second: str, third: str
) -> None:
    outcomes = sms(shipped_engine, first, second, third)
    assert all(outcome.replies for outcome in outcomes)
    assert all(reply.text for outcome in outcomes for reply in outcome.replies)
    one, two, three = (outcome.session for outcome in outcomes)
    if one.pending == "first-language" and two.lang == "fr" and two.pending is None:
        offered, number = one.languages or ALL, second.strip(" .?!")
        picked = number.isdigit() and 0 < int(number) <= len(offered)
        named = language_named(second) == "fr" or (picked and offered[int(number) - 1] == "fr")
        named = named or find_command(second, shipped_engine.catalogs.get("fr")) is not None
        assert named or guess(second, ALL).strong, "French only when asked for"
    assert (
        three.lang or three.pending == "first-language-again" or three.pending == "first-language"
    )
