"""The translators' workflow: extract templates, start a language, update, compile, status.

Templates (`locales/bot.pot`, `locales/flows.pot`) come from the Python code (texts marked
with `N_`) and from the flow YAML files (the `relais_flows` Babel extractor). Catalogs are
ordinary gettext files, `locales/<lang>/LC_MESSAGES/<domain>.po`, for Poedit or Weblate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from bot.flows.extract import extract_flows
from bot.i18n import DOMAINS
from bot.languages import SOURCE_LANGUAGE, babel_locale, native_name, ordered
from bot.paths import LOCALES, PROJECT_ROOT, SHIPPED_FLOWS

DRAFT_NOTICE = (
    "Review: draft\n"
    "This translation is a draft written with machine assistance. It has NOT yet been\n"
    "reviewed by a native speaker. To review it, read README.md, section Translations, then\n"
    "change the line above to 'Review: reviewed by <name>, <date>'."
)
_REVIEW = re.compile(r"^#?\s*Review:\s*(.+)$", re.MULTILINE)


def template_path(domain: str, locales: Path = LOCALES) -> Path:
    return locales / f"{domain}.pot"


def catalog_path(lang: str, domain: str, locales: Path = LOCALES) -> Path:
    return locales / lang / "LC_MESSAGES" / f"{domain}.po"


def catalogs_of(lang: str, locales: Path = LOCALES) -> Iterator[tuple[str, Path]]:
    """(domain, path) of each catalog the language has."""
    for domain in DOMAINS:
        path = catalog_path(lang, domain, locales)
        if path.exists():
            yield domain, path


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def write_catalog(path: Path, catalog: Catalog, **options) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, **options)


def extract(locales: Path = LOCALES, flows: Path = SHIPPED_FLOWS) -> dict[str, int]:
    """Write both templates; return how many messages each holds."""
    sources = {
        "bot": (PROJECT_ROOT / "bot", [("**.py", "python")], {"N_": None, "Nn_": (1, 2)}),
        "flows": (flows, [("**.yaml", extract_flows)], {"pgettext": ((1, "c"), 2)}),
    }
    counts = {}
    for domain, (folder, method_map, keywords) in sources.items():
        template = Catalog(project="Relais", domain=domain, fuzzy=False)
        messages = extract_from_dir(
            folder,
            method_map,
            keywords=keywords,
            comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True,
        )
        for filename, line, message, comments, context in messages:
            where = (folder / filename).relative_to(PROJECT_ROOT).as_posix()
            template.add(
                message, locations=[(where, line)], auto_comments=comments, context=context
            )
        write_catalog(template_path(domain, locales), template, sort_by_file=True)
        counts[domain] = len(template)
    return counts


def init(lang: str, locales: Path = LOCALES) -> list[Path]:
    """Start the catalogs of a new language from the templates (one command, then translate)."""
    created = []
    for domain in DOMAINS:
        path = catalog_path(lang, domain, locales)
        if path.exists():
            continue
        template = read_catalog(template_path(domain, locales))
        catalog = Catalog(locale=str(babel_locale(lang)), domain=domain, project="Relais")
        catalog.header_comment = (
            f"# {native_name(lang)} ({lang}) translation of Relais.\n"
            + "\n".join(f"# {line}" for line in DRAFT_NOTICE.splitlines())
        )
        catalog.update(template)
        catalog.locale = None
        # The language's plural forms (CLDR's, through Babel), which gettext reads from here.
        plural = get_plural(babel_locale(lang))
        catalog.mime_headers = [("Plural-Forms", f"nplurals={plural[0]}; plural={plural[1]};")]
        write_catalog(path, catalog)
        created.append(path)
    return created


def update(locales: Path = LOCALES) -> list[Path]:
    """Bring every catalog up to date with the templates; changed texts become fuzzy."""
    written = []
    for lang in languages(locales):
        for domain, path in catalogs_of(lang, locales):
            catalog = read_catalog(path)
            catalog.update(read_catalog(template_path(domain, locales)))
            write_catalog(path, catalog, ignore_obsolete=True)
            written.append(path)
    return written


def compile_all(locales: Path = LOCALES) -> list[str]:
    """Compile every .po into the .mo the bot loads; return the problems found."""
    problems = []
    for lang in languages(locales):
        for _, path in catalogs_of(lang, locales):
            catalog = read_catalog(path)
            for message, errors in catalog.check():
                problems.extend(f"{path}:{message.lineno}: {error}" for error in errors)
            with path.with_suffix(".mo").open("wb") as handle:
                write_mo(handle, catalog)
    return problems


def languages(locales: Path = LOCALES) -> list[str]:
    return ordered({p.parent.name for p in locales.glob("*/LC_MESSAGES") if p.is_dir()})


@dataclass(frozen=True)
class Status:
    lang: str
    total: int
    translated: int
    fuzzy: int
    missing: int
    review: str


def status(locales: Path = LOCALES) -> list[Status]:
    """Per language: texts translated, missing and fuzzy, against the current templates."""
    templates = {d: read_catalog(template_path(d, locales)) for d in DOMAINS}
    total = sum(len(t) for t in templates.values())
    rows = [Status(SOURCE_LANGUAGE, total, total, 0, 0, "source")]
    for lang in languages(locales):
        if lang == SOURCE_LANGUAGE:
            continue
        translated = fuzzy = 0
        reviews = set()
        for domain, path in catalogs_of(lang, locales):
            template = templates[domain]
            catalog = read_catalog(path)
            found = _REVIEW.search(catalog.header_comment or "")
            reviews.add(found.group(1).strip() if found else "unknown")
            for message in template:
                if not message.id:
                    continue
                entry = catalog.get(message.id, context=message.context)
                if entry is None or not entry.string:
                    continue
                if entry.fuzzy:
                    fuzzy += 1
                else:
                    translated += 1
        missing = total - translated - fuzzy
        rows.append(Status(lang, total, translated, fuzzy, missing, ", ".join(sorted(reviews))))
    return rows


def status_table(rows: list[Status]) -> str:
    lines = [f"{'language':<22}{'texts':>7}{'translated':>12}{'missing':>9}{'fuzzy':>7}  review"]
    for row in rows:
        name = f"{row.lang} {native_name(row.lang)}"
        counts = f"{row.total:>7}{row.translated:>12}{row.missing:>9}{row.fuzzy:>7}"
        lines.append(f"{name:<22}{counts}  {row.review}")
    lines.append("missing and fuzzy texts are shown in French until they are translated")
    return "\n".join(lines)


def catalog_problems(lang: str, locales: Path = LOCALES) -> list[str]:
    """Translations that lost a link or a number, broke a list of choice words, or strayed
    from the language's glossary."""
    from bot.i18n.glossary import load_glossary, term_problems
    from bot.i18n.quality import lost_facts

    problems = []
    terms = load_glossary(lang, locales)
    for _, path in catalogs_of(lang, locales):
        for message in read_catalog(path):
            if not message.id or not message.string:
                continue
            where = f"{path}:{message.lineno}"
            if message.pluralizable:
                for number, form in enumerate(message.string):
                    lost = lost_facts(message.id[-1], form) if form else ["the whole text"]
                    if lost:
                        problems.append(f"{where}: plural form {number} lost {', '.join(lost)}")
                continue
            lost = lost_facts(message.id, message.string)
            if lost:
                problems.append(f"{where}: the translation lost {', '.join(lost)}")
            if "|" in message.id and "" in message.string.split("|"):
                problems.append(f"{where}: an empty word between | in the choice words")
            if "|" not in message.id:
                for problem in term_problems(terms, message.id, message.string):
                    problems.append(f"{where}: {problem} (glossary.yaml)")
    return problems
