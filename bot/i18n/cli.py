"""`relais i18n …`: the translators' workflow from the command line."""

from __future__ import annotations

import argparse
import sys

from bot.config import load_settings
from bot.flows.loader import load_flows


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
    """What a translator must fix: lost links or numbers, replies over the runtime SMS budget
    (flows and the bot's own texts), a main menu over 2 SMS in Arabic, Cyrillic or Ge'ez."""
    from bot.i18n import Catalogs
    from bot.i18n.quality import MENU_BUDGET_UCS2, bot_text_costs, reply_costs
    from bot.i18n.workflow import catalog_problems, languages, read_catalog, template_path

    settings = load_settings()
    budget = settings.sms_segments
    problems = [p for lang in langs or languages() for p in catalog_problems(lang)]
    flows = load_flows(list(settings.flows) or None)
    catalogs = Catalogs()
    costs = [
        *reply_costs(flows, catalogs),
        *bot_text_costs(catalogs, read_catalog(template_path("bot"))),
    ]
    for cost in costs:
        if langs and cost.lang not in langs:
            continue
        where = f"the SMS of {cost.flow}/{cost.node}" if cost.flow != "bot" else f"{cost.node!r}"
        if cost.segments > budget:
            problems.append(
                f"{cost.lang}: {where} costs {cost.segments} segments (at most {budget}): "
                "make it shorter"
            )
        is_menu = (cost.flow, cost.node) == (flows.main, flows.flows[flows.main].start)
        if is_menu and cost.encoding == "UCS-2" and cost.segments > MENU_BUDGET_UCS2:
            problems.append(
                f"{cost.lang}: the main menu costs {cost.segments} segments (at most "
                f"{MENU_BUDGET_UCS2}): shorten its question and labels"
            )
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0
