"""What Telegram shows before the first message, in each resident's app language: the bot's
description, its short description and the `/` menu of commands.

Telegram picks them by the `language_code` of the person's app, which it wants as a two-letter
ISO 639-1 code: Dari has none of its own, so it is registered under Persian (`fa`, which
Afghan phones also report); Pashto is `ps`, Tigrinya `ti`. French is also the default, for
every language Relais does not speak.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand
from telegram.error import BadRequest

from bot.i18n import N_, Catalogs
from bot.languages import SOURCE_LANGUAGE

log = logging.getLogger(__name__)

TELEGRAM_CODES = {"prs": "fa"}
"""Our code -> the ISO 639-1 code Telegram takes, where they differ."""

COMMANDS = (
    ("menu", N_("Menu principal")),
    ("langue", N_("Changer de langue")),
    ("aide", N_("Parler à une personne")),
    ("donnees", N_("Vos données")),
)
"""Command names must be Latin letters: the French words, which work in every language."""

DESCRIPTION = N_(
    "Relais vous aide pas à pas pour vos démarches en ligne : CAF, France Travail, ameli, "
    "Pronote. Si vous êtes bloqué, il vous met en lien avec une personne près de chez vous."
)
SHORT_DESCRIPTION = N_("Aide pas à pas pour vos démarches en ligne, dans votre langue.")
MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120
MAX_COMMAND_DESCRIPTION = 256


def telegram_code(lang: str) -> str:
    return TELEGRAM_CODES.get(lang, lang)


async def register_languages(bot: Bot, catalogs: Catalogs) -> list[str]:
    """Set commands and descriptions for every language; return the codes registered."""
    registered = []
    for lang in catalogs.languages:
        t = catalogs.get(lang)
        codes = [None, lang] if lang == SOURCE_LANGUAGE else [telegram_code(lang)]
        commands = [BotCommand(name, t.text(about)) for name, about in COMMANDS]
        for code in codes:
            try:
                await bot.set_my_commands(commands, language_code=code)
                await bot.set_my_description(t.text(DESCRIPTION), language_code=code)
                await bot.set_my_short_description(t.text(SHORT_DESCRIPTION), language_code=code)
            except BadRequest as exc:  # one language refused: the others still get theirs
                log.warning("Telegram refused the texts of %s (%s): %s", lang, code, exc.message)
                continue
            registered.append(code or "default")
    log.info("Telegram commands and descriptions set for %s", ", ".join(registered))
    return registered
