"""Commands a person relies on are never swallowed: OUBLI, STOP and AIDE pass the rate
limit; digits typed in another script pick choices; the "technical problem" message speaks
the person's language."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.conversations import Conversations
from bot.engine import Engine, Session, Text, texts
from bot.engine.validators import postal_code
from bot.languages import ORDER
from bot.store import open_database
from tests.conftest import NOON


def flooded(engine: Engine, lang: str = "fr") -> tuple[Session, object]:
    """A person past the rate limit (the polite notice given, then silence)."""
    session, now = Session(lang=lang), NOON
    for _ in range(engine.rate_limit + 2):
        now += timedelta(seconds=1)
        outcome = engine.step(session, Text("bonjour"), now)
        session = outcome.session
    assert session.hushed and outcome.replies == ()
    return session, now


def send(engine: Engine, session: Session, now, text: str):
    return engine.step(session, Text(text), now + timedelta(seconds=1))


def test_oubli_and_its_confirmation_pass_the_rate_limit(engine: Engine) -> None:
    session, now = flooded(engine)
    asked = send(engine, session, now, "OUBLI")
    assert "effacer toutes vos données" in asked.replies[-1].text
    done = send(engine, asked.session, now + timedelta(seconds=1), "1")
    assert [e.kind for e in done.effects] == ["erase"]
    assert "Vos données sont effacées" in done.replies[-1].text


def test_stop_passes_the_rate_limit(engine: Engine) -> None:
    session, now = flooded(engine)
    stopped = send(engine, session, now, "stop")
    assert stopped.session.stopped and "ne vous écrira plus" in stopped.replies[-1].text


def test_aide_passes_the_rate_limit(shipped_engine: Engine) -> None:
    session, now = flooded(shipped_engine)
    helped = send(shipped_engine, session, now, "AIDE")
    assert helped.replies and helped.session.flow == shipped_engine.flows.handoff


def test_other_messages_are_still_held_back(engine: Engine) -> None:
    session, now = flooded(engine)
    assert send(engine, session, now, "1").replies == ()


@pytest.mark.parametrize(
    ("typed", "picked"),
    [("፩", 0), ("፪", 1), ("١", 0), ("٢", 1), ("۱", 0), ("۲", 1), ("2", 1), ("٢.", 1)],
)
def test_a_digit_in_any_script_picks_its_choice(engine: Engine, typed: str, picked: int) -> None:
    menu = engine.step(Session(lang="fr"), Text("bonjour"), NOON)
    assert menu.replies[-1].choices == ("Démarche", "Santé")
    later = NOON + timedelta(seconds=5)
    outcome = engine.step(menu.session, Text(typed), later)
    expected = engine.step(menu.session, Text(str(picked + 1)), later)
    assert (outcome.session.flow, outcome.session.node) != ("menu", "accueil")
    assert (outcome.session.flow, outcome.session.node) == (
        expected.session.flow,
        expected.session.node,
    )


@pytest.mark.parametrize("typed", ["፲", "፻", "፩፪፫፬", "٩٩٩٩", "໑", "𝟙", "①"])
def test_odd_numbers_get_an_answer_never_a_crash(engine: Engine, typed: str) -> None:
    menu = engine.step(Session(lang="fr"), Text("bonjour"), NOON)
    outcome = engine.step(menu.session, Text(typed), NOON + timedelta(seconds=5))
    assert outcome.replies


@pytest.mark.parametrize("typed", ["٩٣٢٠٠", "۹۳۲۰۰", "٩٣ ٢٠٠"])
def test_a_postal_code_in_arabic_or_persian_digits_is_understood(
    shipped_engine: Engine, typed: str
) -> None:
    tr = shipped_engine.catalogs.get("ar")
    assert postal_code(typed, tr) == "93200"


def test_the_technical_problem_message_exists_in_every_language() -> None:
    messages = {lang: texts.failure(lang) for lang in ORDER}
    assert len(set(messages.values())) == len(ORDER), "one message per language"
    assert all("AIDE" in message for message in messages.values()), "AIDE always works"
    assert texts.failure("xx") == texts.failure(None) == texts.FAILURE


@pytest.mark.parametrize("lang", ["fr", "ar", "ti"])
async def test_a_failed_step_apologises_in_the_persons_language(
    engine: Engine, tmp_path: Path, lang: str
) -> None:
    db = await open_database(tmp_path / "relais.db")
    conversations = Conversations(db, engine)
    try:
        await conversations.handle("sms", "+33600000006", Text("salut"), now=NOON)
        async with db.transaction() as conn:
            await conn.execute("UPDATE sessions SET state = json_set(state, '$.lang', ?)", (lang,))

        def broken_step(*_args, **_kwargs):
            raise RuntimeError("a bug")

        conversations.engine = type("Broken", (), {"step": staticmethod(broken_step)})()
        failed = await conversations.handle("sms", "+33600000006", Text("1"), now=NOON)
        assert failed.replies[0].text == texts.FAILURES[lang]
        assert failed.replies[0].lang == lang
    finally:
        await db.close()
