"""`relais chat`: the conversation in a terminal, as the resident would see it."""

from __future__ import annotations

import asyncio
import sys

from bot.app import Relais
from bot.channels.console.line_editing import LineEditor
from bot.channels.registry import views
from bot.config import ConfigError, chat_history_path
from bot.engine import Reply, Text
from bot.languages import native_name
from bot.outbox import replies_of

CHANNEL = "console"
"""Its own channel, so the outbox never sends a terminal conversation's messages by SMS."""


def show(channel: str, reply: Reply) -> str:
    """The reply as the channel's own renderer makes it, written for a terminal."""
    return views()[channel].console(reply)


async def chat(relais: Relais, channel: str, lang: str | None, history: bool = True) -> None:
    if lang and relais.engine.catalogs.negotiate(lang) is None:
        known = ", ".join(f"{c} ({native_name(c)})" for c in relais.engine.catalogs.languages)
        raise ConfigError(f"--lang {lang!r}: unknown language; Relais speaks: {known}")
    # Lines piped in (scripts, tests) are nobody's typing: no history file for them.
    keep = history and sys.stdin.isatty()
    editor = LineEditor(chat_history_path() if keep else None)
    print(f"Relais, {channel.upper()} view. Type a message; Ctrl-D or Ctrl-C to quit.")
    if channel == "telegram":
        print("Press a button by typing its number or its label.")
    print("Say hello to start (for example: bonjour).\n")
    loop = asyncio.get_running_loop()

    async def later(_user: str, payload: list[dict]) -> None:
        """A mediator's answer (from `relais serve` on the same database), as it arrives."""
        for reply in replies_of(payload):
            print("\nrelais > " + show(channel, reply).replace("\n", "\n         "))
        print("\nvous > ", end="", flush=True)

    async with relais.outbox({CHANNEL: later}):
        while True:
            try:
                line = await loop.run_in_executor(None, input, "vous > ")
            except (EOFError, KeyboardInterrupt):
                print()
                return
            editor.remember(line)
            handled = await relais.conversations.handle(CHANNEL, channel, Text(line), lang=lang)
            for reply in handled.replies:
                print("\nrelais > " + show(channel, reply).replace("\n", "\n         "))
            print()
            sys.stdout.flush()
