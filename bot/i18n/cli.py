"""`relais i18n …`: the translators' workflow from the command line."""

from __future__ import annotations

import argparse
import sys

from bot.config import load_settings
from bot.flows import load_flows


def register(commands: argparse._SubParsersAction) -> None:
    i18n = commands.add_parser("i18n", help="translations: extract, init, update, compile, status")
    i18n_commands = i18n.add_subparsers(dest="i18n_command", required=True, metavar="ACTION")
    i18n_commands.add_parser("extract", help="write locales/*.pot from the code and the flows")
    init = i18n_commands.add_parser("init", help="start the catalogs of a new language")
    init.add_argument("lang", metavar="LANG", help="language code, e.g. bn or tr")
    i18n_commands.add_parser("update", help="merge new and changed texts into every catalog")
    i18n_commands.add_parser("compile", help="build the .mo files the bot loads")
    i18n_commands.add_parser("status", help="per language: translated, missing, fuzzy, review")
    check = i18n_commands.add_parser("check", help="links, numbers and SMS cost of a language")
    check.add_argument("langs", nargs="*", metavar="LANG")


def run(args: argparse.Namespace) -> int:
    from bot.i18n import workflow

    if args.i18n_command == "extract":
        for domain, count in workflow.extract().items():
            print(f"locales/{domain}.pot: {count} texts")
    elif args.i18n_command == "init":
        workflow.extract()
        for path in workflow.init(args.lang):
            print(f"created {path}: translate it, then run `relais i18n compile`")
    elif args.i18n_command == "update":
        workflow.extract()
        for path in workflow.update():
            print(f"updated {path}")
    elif args.i18n_command == "compile":
        problems = workflow.compile_all()
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"compiled {len(workflow.languages())} languages")
        return 1 if problems else 0
    elif args.i18n_command == "status":
        print(workflow.status_table(workflow.status()))
    else:
        return i18n_check(args.langs)
    return 0


def i18n_check(langs: list[str]) -> int:
    """What a translator must fix: lost links or numbers, replies over the SMS budget."""
    from bot.i18n import Catalogs
    from bot.i18n.quality import MAX_SEGMENTS_TRANSLATED, reply_costs
    from bot.i18n.workflow import catalog_problems, languages

    problems = [p for lang in langs or languages() for p in catalog_problems(lang)]
    flows = load_flows(list(load_settings().flows) or None)
    for cost in reply_costs(flows, Catalogs()):
        if (not langs or cost.lang in langs) and cost.segments > MAX_SEGMENTS_TRANSLATED:
            problems.append(
                f"{cost.lang}: the SMS of {cost.flow}/{cost.node} costs {cost.segments} "
                f"segments (at most {MAX_SEGMENTS_TRANSLATED}): make it shorter"
            )
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0
