"""System questions awaiting an answer: one table; a name it does not know fails loudly when
the engine stores it, and is answered gracefully when read back from an older version."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from bot.engine import Engine, Session, Text
from bot.engine.pending import QUESTIONS, UnknownPending, kind
from tests.conftest import NOON

ENGINE = Path(__file__).parent.parent / "bot" / "engine"


def _at_question(engine: Engine) -> Session:
    session = engine.step(Session(lang="fr"), Text("salut"), NOON).session
    assert (session.flow, session.node) == ("menu", "accueil")
    return session


def test_a_stale_question_from_an_older_version_asks_again_where_the_person_was(
    engine: Engine,
) -> None:
    session = _at_question(engine)
    session.pending = "question-removed-since"
    outcome = engine.step(session, Text("1"), NOON + timedelta(seconds=5))
    assert outcome.replies[-1].choices == ("Démarche", "Santé"), "the menu is asked again"
    assert outcome.session.pending is None
    assert (outcome.session.flow, outcome.session.node) == ("menu", "accueil")
    assert engine.choices(session, NOON) == (None, ()), "no buttons for a question not known"


def test_a_question_missing_from_the_table_fails_loudly(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _at_question(engine)
    monkeypatch.delitem(QUESTIONS, "erase")
    with pytest.raises(UnknownPending, match=r"'erase'.*add it to QUESTIONS"):
        engine.step(session, Text("OUBLI"), NOON + timedelta(seconds=5))


def _stored_names() -> set[str]:
    """The system questions the engine's code stores: `x.pending = "name"` or f"name:{…}"."""
    names = set()
    for path in ENGINE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Assign):
                continue
            if not any(isinstance(t, ast.Attribute) and t.attr == "pending" for t in node.targets):
                continue
            value = node.value
            if isinstance(value, ast.BinOp):  # "language" + AGAIN
                value = value.left
            if isinstance(value, ast.JoinedStr):
                value = value.values[0]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                names.add(value.value)
    return names


def test_every_question_the_engine_stores_is_in_the_table() -> None:
    names = _stored_names()
    assert {"erase", "consent", "remind-offer:", "language"} <= names, "the scan finds them"
    assert {n for n in names if kind(n) not in QUESTIONS} == set()
