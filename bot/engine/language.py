"""The language dialogue: guessing it from the first words, asking, changing it later.

A resident writing on SMS gets their language from their first words when they are clear
(a language's name, its own letters or words), a short choice between the likely languages
when they are not, and French only after a second answer that names no language, with a
line in their own script saying how to change. The guessing itself is in bot/i18n/detect.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.engine import texts
from bot.engine.events import Button, Event, Text, button_token
from bot.engine.matching import match_choice
from bot.engine.outcome import Reply
from bot.i18n.detect import Guess, guess, language_named, script_language
from bot.languages import SOURCE_LANGUAGE, native_name

if TYPE_CHECKING:
    from bot.engine.turn import TurnBase

LANGUAGE_KEY = "!language"
AGAIN = "-again"


def _all(turn: TurnBase) -> list[str]:
    return list(turn.settings.catalogs.languages)


def first_contact(turn: TurnBase, text: str | None) -> None:
    """The first message of a conversation whose channel does not say the language."""
    found = guess(text or "", _all(turn))
    if found.strong and found.candidates:
        _switch(turn, found.candidates[0], announce=True)
        turn.restart(None if found.named else text)
        return
    turn.s.languages = list(found.candidates) if len(found.candidates) > 1 else []
    turn.s.pending = "first-language"
    ask_first(turn)


def ask_first(turn: TurnBase) -> None:
    """The likely languages, each asked in its own words; or all of them, each in its script."""
    codes = turn.s.languages or _all(turn)
    names = tuple(native_name(code) for code in codes)
    if turn.s.languages:
        catalogs = turn.settings.catalogs
        question = " / ".join(catalogs.get(c).text(texts.LANGUAGE_SHORT_ASK) for c in codes)
        lang = codes[0]
    else:
        question, lang = texts.FIRST_LANGUAGE_ASK, SOURCE_LANGUAGE
    turn.replies.append(Reply(question, names, key=LANGUAGE_KEY, lang=lang))


def answer_first(turn: TurnBase, event: Event, again: bool) -> None:
    s = turn.s
    picked = pick(turn, event, s.languages or _all(turn))
    if picked is not None:
        s.languages = []
        _switch(turn, picked, announce=False)
        turn.restart(None)
        return
    text = event.text if isinstance(event, Text) else ""
    found = guess(text, _all(turn))
    if found.strong and found.candidates:
        s.languages = []
        _switch(turn, found.candidates[0], announce=True)
        turn.restart(None if found.named else text)
        return
    if not again:
        s.lang = ""  # still unknown: the service set French only to run this step
        if len(found.candidates) > 1:
            s.languages = list(found.candidates)
        s.pending = "first-language" + AGAIN
        ask_first(turn)
        return
    hint = _hint_language(found, s.languages)
    s.languages = []
    _switch(turn, SOURCE_LANGUAGE, announce=False)
    if hint != SOURCE_LANGUAGE:
        fallback = turn.settings.catalogs.get(hint).text(texts.LANGUAGE_FALLBACK)
        turn.replies.append(Reply(fallback, lang=hint))
    turn.restart(None)


def _hint_language(found: Guess, offered: list[str]) -> str:
    """The language of the line that says how to change: the likeliest of the script seen."""
    if found.candidates:
        return found.candidates[0]
    if found.script and offered and script_language(offered[0]) == found.script:
        return offered[0]
    if found.script == "ethiopic":
        return "ti"
    if offered:
        return offered[0]
    return "en"  # Latin letters, or none at all: English is the likeliest second language


def ask_change(turn: TurnBase) -> None:
    """LANGUE (or the word in any language): every language, each in its own script."""
    turn.s.languages = []
    names = tuple(native_name(code) for code in _all(turn))
    turn.add(turn.tr.text(texts.LANGUAGE_ASK), names, key=LANGUAGE_KEY)


def answer_change(turn: TurnBase, event: Event, again: bool) -> None:
    picked = pick(turn, event, _all(turn))
    if picked is None and not again:
        turn.s.pending = "language" + AGAIN
        turn.say(texts.NOT_UNDERSTOOD)
        ask_change(turn)
        return
    if picked is not None:
        _switch(turn, picked, announce=None)
    else:
        turn.say(texts.LANGUAGE_SET)  # the language stays: say which, and carry on
    node = turn.current()
    if node is None:
        turn.restart()
    else:
        turn.ask(node)


def pick(turn: TurnBase, event: Event, codes: list[str]) -> str | None:
    """The language an answer picks: its number or button, its name in any script or
    spelling, its code."""
    if isinstance(event, Button):
        fits = event.key in (LANGUAGE_KEY, button_token(LANGUAGE_KEY))
        return codes[event.choice] if fits and 0 <= event.choice < len(codes) else None
    if not isinstance(event, Text):
        return None
    index = match_choice(event.text, [[native_name(c), c] for c in codes])
    if index is not None:
        return codes[index]
    return language_named(event.text, _all(turn))


def _switch(turn: TurnBase, lang: str, announce: bool | None) -> None:
    """Speak `lang` from now on. `announce`: it was guessed, so say so and how to change;
    None: a change asked for in a conversation already under way (no welcome again)."""
    s = turn.s
    s.lang = lang
    turn.tr = turn.settings.catalogs.get(lang)
    if announce is None:
        turn.say(texts.LANGUAGE_SET)
        return
    if announce:
        turn.say(texts.LANGUAGE_SWITCHED)
    turn.say(texts.WELCOME)
