"""Every resident in their own language: complete catalogs, safe translations, language choice."""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path

import pytest

from bot.config import Settings
from bot.display.bidi import LRI, PDI, RLM, for_display
from bot.engine import Engine, Session, Text
from bot.engine.commands import WORDS, Command, find_command
from bot.flows.loader import load_flows
from bot.i18n import Catalogs, Translator, missing_texts, workflow
from bot.i18n.quality import MAX_SEGMENTS_TRANSLATED, bot_text_costs, lost_facts, reply_costs
from bot.languages import native_name
from bot.paths import LOCALES
from tests.conftest import NOON, relais_command

SHIPPED = ["en", "ar", "prs", "ps", "uk", "ru", "ti"]


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs()


def test_the_eight_languages_are_shipped() -> None:
    assert workflow.languages() == SHIPPED


def test_templates_are_up_to_date_with_code_and_flows(tmp_path: Path) -> None:
    workflow.extract(locales=tmp_path)
    for domain in ("bot", "flows"):
        fresh = {(m.context, m.id) for m in workflow.read_catalog(tmp_path / f"{domain}.pot")}
        shipped = {(m.context, m.id) for m in workflow.read_catalog(LOCALES / f"{domain}.pot")}
        assert fresh == shipped, f"run `relais i18n update`: {domain}.pot is out of date"


@pytest.mark.parametrize("row", workflow.status()[1:], ids=lambda row: row.lang)
def test_no_shipped_language_misses_a_text(row: workflow.Status) -> None:
    assert (row.missing, row.fuzzy) == (0, 0), (
        f"{row.lang}: {row.missing} missing, {row.fuzzy} fuzzy"
    )
    assert row.review.startswith(("draft", "reviewed")), row.review


@pytest.mark.parametrize("lang", SHIPPED)
def test_translations_keep_links_numbers_and_placeholders(lang: str) -> None:
    assert workflow.catalog_problems(lang) == []


def test_no_reply_costs_more_than_the_runtime_budget_in_any_language(catalogs: Catalogs) -> None:
    flows = load_flows()
    costs = [*reply_costs(flows, catalogs), *bot_text_costs(catalogs, bot_template())]
    by_lang: dict[str, list[int]] = {}
    for cost in costs:
        by_lang.setdefault(cost.lang, []).append(cost.segments)
    print(f"\n{'language':<10}{'texts':>7}{'max':>5}{'median':>8}  SMS segments per text")
    for lang, segments in by_lang.items():
        print(f"{lang:<10}{len(segments):>7}{max(segments):>5}{statistics.median(segments):>8}")
    assert set(by_lang) == {"fr", *SHIPPED}
    too_long = [c for c in costs if c.segments > MAX_SEGMENTS_TRANSLATED]
    assert too_long == []
    assert Settings().sms_segments == MAX_SEGMENTS_TRANSLATED, "the runtime's budget"


def bot_template():
    return workflow.read_catalog(LOCALES / "bot.pot")


def test_the_main_menu_costs_two_sms_at_most_in_every_script(catalogs: Catalogs) -> None:
    flows = load_flows()
    menu = [c for c in reply_costs(flows, catalogs) if (c.flow, c.node) == ("menu", "accueil")]
    assert {c.lang for c in menu} == {"fr", *SHIPPED}
    assert [c for c in menu if c.segments > 2] == []


def test_the_privacy_notice_costs_three_sms_at_most(catalogs: Catalogs) -> None:
    notices = [c for c in bot_text_costs(catalogs, bot_template()) if c.node.startswith("privacy")]
    assert len(notices) == 2 * 8
    assert max(c.segments for c in notices) <= 3


def test_i18n_check_counts_the_bots_own_texts(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES, locales, ignore=shutil.ignore_patterns("*.mo"))
    path = workflow.catalog_path("ru", "bot", locales)
    catalog = workflow.read_catalog(path)
    catalog.get("Langue ?").string = "Язык? " * 60
    workflow.write_catalog(path, catalog)
    costs = bot_text_costs(Catalogs(locales), bot_template())
    over = [(c.lang, c.node) for c in costs if c.segments > MAX_SEGMENTS_TRANSLATED]
    assert over == [("ru", "Langue ?")]


def test_i18n_check_passes_on_the_shipped_catalogs_and_uses_the_runtime_budget() -> None:
    shipped = relais_command("i18n", "check")
    assert shipped.returncode == 0, shipped.stdout
    tighter = relais_command("i18n", "check", env={"RELAIS_SMS_SEGMENTS": "1"})
    assert tighter.returncode == 1
    assert "'privacy notice' costs 3 segments (at most 1)" in tighter.stdout


def test_lost_facts_are_spotted() -> None:
    assert lost_facts("Appelez le 3230 ou https://www.caf.fr", "Call https://www.caf.fr") == [
        "3230"
    ]
    assert lost_facts("à {distance}", "{distance} away") == []
    assert lost_facts("à {distance}", "far") == ["{distance}"]


def test_a_missing_translation_shows_french_and_is_counted() -> None:
    before = missing_texts["xx"]
    assert Translator("xx").text("Bonjour", "menu/accueil") == "Bonjour"
    assert missing_texts["xx"] == before + 1


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        ("en-US", "en"),
        ("en_GB", "en"),
        ("ar", "ar"),
        ("uk-UA", "uk"),
        ("ru", "ru"),
        ("fa", "prs"),
        ("fa-AF", "prs"),
        ("ps", "ps"),
        ("ti-ER", "ti"),
        ("pt-BR", None),
        ("", None),
        (None, None),
    ],
)
def test_telegram_language_is_negotiated(catalogs: Catalogs, reported, expected) -> None:
    assert catalogs.negotiate(reported) == expected


@pytest.mark.parametrize("lang", SHIPPED)
def test_global_commands_work_in_each_languages_own_words(lang: str, catalogs: Catalogs) -> None:
    translator = catalogs.get(lang)
    seen: dict[str, Command] = {}
    for command, french in WORDS.items():
        own = [w for w in translator.text(french).split("|") if w not in french.split("|")]
        assert own, f"{lang} has no word of its own for {command.name}"
        for word in own:
            assert find_command(word, translator) in (command, seen.get(word)), (lang, word)
            seen.setdefault(word, command)


@pytest.mark.parametrize("lang", SHIPPED)
def test_the_language_word_opens_the_language_menu(lang: str, catalogs: Catalogs) -> None:
    engine = Engine(load_flows(), catalogs)
    session = engine.step(Session(lang=lang), Text("bonjour"), NOON).session
    word = catalogs.get(lang).text(WORDS[Command.LANGUAGE]).split("|")[0]
    outcome = engine.step(session, Text(word.upper()), NOON)
    assert outcome.session.pending == "language"
    assert native_name("ar") in outcome.replies[-1].choices
    chosen = engine.step(outcome.session, Text(native_name("uk")), NOON)
    assert chosen.session.lang == "uk"
    assert all(r.lang == "uk" for r in chosen.replies)


@pytest.mark.parametrize("lang", SHIPPED)
def test_the_main_menu_is_fully_translated(lang: str, catalogs: Catalogs) -> None:
    engine = Engine(load_flows(), catalogs)
    outcome = engine.step(Session(lang=lang), Text("bonjour"), NOON)
    menu = outcome.replies[-1]
    french = Engine(load_flows(), catalogs).step(Session(lang="fr"), Text("bonjour"), NOON)
    assert menu.text != french.replies[-1].text
    assert all(r.text for r in outcome.replies)


def test_an_answer_in_the_residents_words_picks_the_choice(catalogs: Catalogs) -> None:
    engine = Engine(load_flows(), catalogs)
    session = engine.step(Session(lang="uk"), Text("привіт"), NOON).session
    translator = catalogs.get("uk")
    menu = engine.flows.flows["menu"].nodes["accueil"]
    label = translator.text(menu.choices[0].label, "menu/accueil")
    assert engine.step(session, Text(label.upper()), NOON).session.flow == "caf"


def test_rtl_replies_isolate_numbers_and_links() -> None:
    shown = for_display("اتصل بـ 3230 أو https://www.caf.fr", "ar")
    assert shown.startswith(RLM)
    assert for_display("مرحبا\n1. العربية", "ar") == "مرحبا\n1. العربية", "one direction: no mark"
    assert for_display("2. Pronote (مدرسة)", "ar") == "2. Pronote (مدرسة)", "starts left to right"
    assert for_display("3. بطاقة Vitale", "ar") == f"{RLM}3. بطاقة {LRI}Vitale{PDI}"
    assert f"{LRI}3230{PDI}" in shown and f"{LRI}https://www.caf.fr{PDI}" in shown
    assert for_display("Appelez le 3230", "fr") == "Appelez le 3230"
    assert f"{LRI}caf.fr{PDI}" in for_display("افتح caf.fr", "ar")
    accented = for_display("وسيط رقمي (médiateur numérique)، الرمز R-7K3F", "ar")
    assert f"{LRI}médiateur numérique{PDI}" in accented, "a French name stays in one piece"
    assert f"{LRI}R-7K3F{PDI}" in accented, "a ticket code too"


def test_simulator_marks_arabic_replies_right_to_left(db_path: Path) -> None:
    result = relais_command(
        "simulate",
        "--channel",
        "sms",
        "--lang",
        "ar",
        "--db",
        str(db_path),
        input='{"text": "مرحبا"}\n',
    )
    reply = __import__("json").loads(result.stdout)["replies"][-1]
    assert (reply["lang"], reply["direction"], reply["encoding"]) == ("ar", "rtl", "UCS-2")


def test_sms_first_reply_lists_languages_then_menu_in_the_chosen_one(db_path: Path) -> None:
    result = relais_command(
        "simulate",
        "--channel",
        "sms",
        "--db",
        str(db_path),
        input='{"text": "salam"}\n{"text": "3"}\n',
    )
    first, second = (__import__("json").loads(line) for line in result.stdout.splitlines())
    assert "3. العربية" in first["replies"][0]["text"]
    assert second["replies"][-1]["lang"] == "ar"
    assert second["node"] == "accueil"


def test_status_table_shows_counts_and_review_state() -> None:
    result = relais_command("i18n", "status")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["language", "texts", "translated", "missing", "fuzzy", "review"]
    assert any(line.startswith("ar العربية") and "draft" in line for line in lines)


def test_adding_a_language_is_one_command(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES, locales, ignore=shutil.ignore_patterns("*.mo"))
    created = workflow.init("tr", locales=locales)
    assert [p.name for p in created] == ["bot.po", "flows.po"]
    header = workflow.read_catalog(created[0]).header_comment
    assert "Review: draft" in header and "native speaker" in header
    assert workflow.read_catalog(created[0]).num_plurals == 2, "Turkish's plural forms"
    assert (
        workflow.init("pl", locales=locales)
        and workflow.read_catalog(workflow.catalog_path("pl", "bot", locales)).num_plurals == 3
    )
    assert "tr" in workflow.languages(locales)
    assert Catalogs(locales).languages[-1] == "tr"


def test_pybabel_finds_flow_texts_with_file_line_and_context(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "all.pot"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-o",
            str(out),
            ".",
        ],
        cwd=LOCALES.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    template = workflow.read_catalog(out)
    entry = template.get("CAF", context="menu/accueil")
    assert entry is not None
    assert any(path == "flows/menu.yaml" and line > 0 for path, line in entry.locations)
    assert template.get(WORDS[Command.MENU]) is not None


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_language_has_a_glossary_keyed_by_the_french_terms(lang: str) -> None:
    from bot.i18n.glossary import load_glossary

    terms = {term.french: term for term in load_glossary(lang)}
    for french in ("attestation de droits", "fin de vos droits", "vie scolaire"):
        assert terms[french].use and terms[french].note, (lang, french)


def test_the_check_flags_a_translation_that_strays_from_the_glossary(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES, locales, ignore=shutil.ignore_patterns("*.mo"))
    path = workflow.catalog_path("en", "flows", locales)
    catalog = workflow.read_catalog(path)
    catalog.get("Attestation de droits", context="ameli/choix").string = "Certificate of rights"
    workflow.write_catalog(path, catalog)
    problems = workflow.catalog_problems("en", locales)
    assert any("'proof of health cover'" in p for p in problems), problems
    assert any("'certificate of rights', which the glossary avoids" in p for p in problems)
