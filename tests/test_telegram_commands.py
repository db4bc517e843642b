"""`relais webhook set` and `relais poll`, as real processes against the fake Bot API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import TESTS
from tests.fakes.telegram_api import FakeBotApi

TOKEN = "123456:" + "C" * 35


@pytest.fixture
def api():
    fake = FakeBotApi()
    fake.start()
    yield fake
    fake.stop()


def env(api: FakeBotApi, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "RELAIS_LOG_LEVEL": "WARNING",
        "RELAIS_TELEGRAM_TOKEN": TOKEN,
        "RELAIS_TELEGRAM_API_URL": api.base_url,
        **extra,
    }


def webhook_set(api: FakeBotApi) -> subprocess.CompletedProcess:
    """`relais webhook set` as an operator runs it, against the fake Bot API."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "webhook", "set"],
        env=env(
            api, RELAIS_TELEGRAM_SECRET="abc_123", RELAIS_PUBLIC_URL="https://relais.example.org"
        ),
        cwd=TESTS.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_webhook_set_registers_the_public_url_and_the_secret(api: FakeBotApi) -> None:
    result = webhook_set(api)
    assert result.returncode == 0, result.stderr
    (call,) = api.sent("setWebhook")
    assert call["url"] == "https://relais.example.org/webhooks/telegram"
    assert call["secret_token"] == "abc_123"


def test_webhook_set_without_a_secret_names_the_variable(api: FakeBotApi) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "webhook", "set"],
        env=env(api, RELAIS_PUBLIC_URL="https://relais.example.org"),
        cwd=TESTS.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "RELAIS_TELEGRAM_SECRET" in result.stderr


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_poll_answers_updates_and_stops_cleanly(
    api: FakeBotApi, tmp_path: Path, stop: signal.Signals
) -> None:
    """Ctrl-C at a terminal, or a service manager's SIGTERM: relais poll stops within its
    grace and tells Telegram which updates it took, so none comes back at the next start."""
    user = {"id": 77, "is_bot": False, "first_name": "Yara", "language_code": "fr"}
    api.updates.append(
        {
            "update_id": 5001,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": 77, "type": "private"},
                "from": user,
                "text": "bonjour",
            },
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "poll", "--db", str(tmp_path / "r.db")],
        env=env(api),
        cwd=TESTS.parent,
        # As at a terminal: a suite started in the background would pass SIGINT on ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 30
        while not api.sent("sendMessage", 77):
            assert time.monotonic() < deadline, "no reply by polling within 30 s"
            assert process.poll() is None, "relais poll exited"
            time.sleep(0.2)
        assert api.sent("deleteWebhook")
        time.sleep(0.5)
        texts = [m["text"] for m in api.sent("sendMessage", 77)]
        assert texts[-1] == "Pour quelle démarche avez-vous besoin d'aide ?"
    finally:
        process.send_signal(stop)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == (130 if stop == signal.SIGINT else 0)
    offsets = [int(call.get("offset", 0)) for call in api.sent("getUpdates")]
    assert offsets[-1] == 5002, "the update taken was not confirmed to Telegram"


def test_webhook_set_gives_telegram_the_description_and_menu_in_every_language(
    api: FakeBotApi,
) -> None:
    result = webhook_set(api)
    assert result.returncode == 0, result.stderr
    by_code = {call.get("language_code"): call for call in api.sent("setMyCommands")}
    assert set(by_code) == {None, "fr", "en", "ar", "fa", "ps", "uk", "ru", "ti"}
    assert all(
        [c["command"] for c in call["commands"]] == ["menu", "langue", "aide", "donnees"]
        for call in by_code.values()
    )
    langue = {code: call["commands"][1]["description"] for code, call in by_code.items()}
    assert langue[None] == "Changer de langue" and langue["uk"] == "Змінити мову"
    assert langue["fa"] == "تغییر زبان", "Dari is registered under Persian"
    described = {c.get("language_code"): c["description"] for c in api.sent("setMyDescription")}
    short = {
        c.get("language_code"): c["short_description"] for c in api.sent("setMyShortDescription")
    }
    assert set(described) == set(short) == set(by_code)
    assert "ameli" in described["ar"] and "بخطوة" in described["ar"]
    assert all(len(text) <= 512 for text in described.values())
    assert all(len(text) <= 120 for text in short.values())
    assert len(set(short.values())) == 8, "each language its own"


def test_telegram_setup_alone_sets_the_menus(api: FakeBotApi) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "telegram", "setup"],
        env=env(api),
        cwd=TESTS.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert not api.sent("setWebhook")
    assert len(api.sent("setMyCommands")) == 9
    assert "fa" in result.stdout
