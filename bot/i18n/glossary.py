"""Each language's glossary: how a French term is rendered, shared by translators and checks.

`locales/<lang>/glossary.yaml` maps a French term (as the flows and bot texts write it) to
the renderings a translation must use (`use`: any one of them), those it must not (`avoid`),
and a note for the reviewer. `relais i18n check` reports every translation of a text holding
the term that misses the chosen rendering or uses one to avoid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.paths import LOCALES

FILE = "glossary.yaml"


@dataclass(frozen=True)
class Term:
    french: str
    use: tuple[str, ...]
    avoid: tuple[str, ...] = ()
    note: str = ""


def glossary_path(lang: str, locales: Path = LOCALES) -> Path:
    return locales / lang / FILE


def load_glossary(lang: str, locales: Path = LOCALES) -> list[Term]:
    path = glossary_path(lang, locales)
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        Term(
            str(french),
            tuple(entry.get("use") or ()),
            tuple(entry.get("avoid") or ()),
            str(entry.get("note") or ""),
        )
        for french, entry in data.items()
    ]


def term_problems(terms: list[Term], source: str, translation: str) -> list[str]:
    """What a translation of `source` gets wrong against the glossary."""
    problems = []
    said, meant = source.casefold(), translation.casefold()
    for term in terms:
        if term.french.casefold() not in said:
            continue
        if term.use and not any(r.casefold() in meant for r in term.use):
            problems.append(f"{term.french!r} should be rendered {' or '.join(term.use)!r}")
        wrong = [r for r in term.avoid if r.casefold() in meant]
        if wrong:
            problems.append(f"{term.french!r} rendered {wrong[0]!r}, which the glossary avoids")
    return problems
