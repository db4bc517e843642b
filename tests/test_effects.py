"""Effects: each one the engine can produce has its handler, and one without fails loudly."""

from __future__ import annotations

import dataclasses
import inspect
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

import bot.engine.effects as effects_module
from bot.conversations import Conversations
from bot.effects import Effects
from bot.engine import Engine, Text
from bot.engine.effects import EFFECTS, Effect
from bot.handoff.relay import Relay
from bot.store import open_database
from tests.conftest import NOON


def test_every_effect_the_engine_can_produce_has_a_handler(engine: Engine) -> None:
    defined = {
        cls
        for _, cls in inspect.getmembers(effects_module, inspect.isclass)
        if issubclass(cls, Effect)
        and cls is not Effect
        and cls.__module__ == effects_module.__name__
    }
    assert defined == set(EFFECTS), "list every effect in bot.engine.effects.EFFECTS"
    assert set(Effects(Relay(engine.flows)).table) == defined
    assert len({cls.kind for cls in defined}) == len(defined), "two effects share a kind"


@dataclass(frozen=True)
class Misspelt(Effect):
    kind: ClassVar[str] = "misspelt"


class _Mistaken(Engine):
    """An engine with a bug: it asks for an effect the service does not know."""

    def step(self, session, event, now, covered=()):
        outcome = super().step(session, event, now, covered)
        return dataclasses.replace(outcome, effects=(*outcome.effects, Misspelt()))


async def test_an_effect_without_a_handler_fails_loudly_and_keeps_nothing(
    engine: Engine, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = await open_database(db_path)
    mistaken = _Mistaken(engine.flows, engine.catalogs)
    conversations = Conversations(db, mistaken)
    with caplog.at_level(logging.ERROR):
        handled = await conversations.handle(
            "sms", "+33600000009", Text("salut"), external_id="m1", now=NOON
        )
    assert handled.failed, "the resident is told something went wrong, not answered as if fine"
    assert "no handler for the effect Misspelt" in caplog.text
    assert (await conversations.peek("sms", "+33600000009")).is_new, "nothing half done"
    again = await Conversations(db, engine).handle(
        "sms", "+33600000009", Text("salut"), external_id="m1", now=NOON
    )
    assert not again.failed and not again.duplicate, "processed when delivered again"
    await db.close()
