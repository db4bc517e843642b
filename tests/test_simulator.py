"""`relais simulate` and `relais chat`, run as real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURE_FLOWS, TESTS, relais_command

FIXTURES = {"RELAIS_FLOWS": str(FIXTURE_FLOWS)}


def simulate(db: Path, lines: list, *args: str, env: dict | None = None) -> list[dict]:
    payload = "".join(
        (line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines
    )
    if "--lang" not in args:
        args = (*args, "--lang", "fr")
    result = relais_command(
        "simulate", "--db", str(db), *args, input=payload, env={**FIXTURES, **(env or {})}
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


class Simulator:
    """A long-running `relais simulate`, fed one line at a time."""

    def __init__(self, db: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "simulate", "--db", str(db), "--lang", "fr", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **FIXTURES, "RELAIS_LOG_LEVEL": "WARNING"},
            cwd=TESTS.parent,
        )

    def send(self, data: dict) -> dict:
        self.process.stdin.write(json.dumps(data) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


def test_one_json_object_per_line_with_flow_and_node(db_path: Path) -> None:
    out = simulate(db_path, [{"text": "bonjour"}, {"text": "1"}], "--channel", "telegram")
    assert len(out) == 2
    assert out[0]["replies"][-1] == {
        "text": "Que voulez-vous faire ?",
        "choices": ["Démarche", "Santé"],
        "lang": "fr",
        "direction": "ltr",
    }
    assert (out[1]["flow"], out[1]["node"]) == ("demarche", "compte")


def test_buttons_are_pressed_by_their_label(db_path: Path) -> None:
    out = simulate(
        db_path,
        [{"text": "salut"}, {"button": "Démarche"}, {"button": "Oui"}, {"button": "Santé"}],
        "--channel",
        "telegram",
    )
    assert out[1]["node"] == "compte"
    assert out[2]["node"] == "marche"
    assert out[2]["replies"][0]["link"] == {"label": "Le site", "url": "https://example.org/site"}
    assert "ancien message" in out[3]["replies"][0]["text"]
    assert out[3]["node"] == "marche"


def test_sms_replies_number_the_choices_and_count_segments(db_path: Path) -> None:
    out = simulate(db_path, [{"text": "salut"}], "--channel", "sms")
    menu = out[0]["replies"][-1]
    assert menu["text"] == "Que voulez-vous faire ?\n1. Démarche\n2. Santé"
    assert menu["choices"] == []
    assert (menu["segments"], menu["encoding"]) == (1, "GSM-7")


def test_malformed_lines_get_an_error_and_the_simulator_carries_on(db_path: Path) -> None:
    out = simulate(
        db_path,
        [
            "not json",
            "",
            "[1, 2]",
            {"text": 3},
            {"text": "a", "button": "b"},
            {"button": "Oui"},
            {"location": {"lat": 200, "lon": 2}},
            {"text": "salut", "now": "hier"},
            {"text": "salut"},
        ],
        "--channel",
        "sms",
    )
    assert len(out) == 9
    assert all("error" in line for line in out[:8])
    assert "buttons exist on Telegram only" in out[5]["error"]
    assert out[8]["node"] == "accueil"


def test_the_session_lives_in_the_db_across_runs(db_path: Path) -> None:
    simulate(db_path, [{"text": "salut"}, {"text": "1"}], "--channel", "sms", "--user", "u1")
    out = simulate(db_path, [{"text": "oui"}], "--channel", "sms", "--user", "u1")
    assert out[0]["node"] == "marche"
    other = simulate(db_path, [{"text": "oui"}], "--channel", "sms", "--user", "u2")
    assert other[0]["node"] == "accueil"


def test_a_repeated_message_id_is_answered_once(db_path: Path) -> None:
    out = simulate(
        db_path,
        [{"text": "salut", "id": "m1"}, {"text": "1", "id": "m2"}, {"text": "1", "id": "m2"}],
        "--channel",
        "sms",
    )
    assert out[1]["replies"] and out[2] == {
        "replies": [],
        "flow": "demarche",
        "node": "compte",
        "duplicate": True,
    }


def test_now_option_drives_the_idle_restart(db_path: Path) -> None:
    simulate(
        db_path,
        [{"text": "salut"}, {"text": "1"}],
        "--channel",
        "sms",
        "--now",
        "2026-11-01T10:00:00+01:00",
    )
    out = simulate(
        db_path, [{"text": "oui"}], "--channel", "sms", "--now", "2026-11-03T10:00:00+01:00"
    )
    assert "Bon retour" in out[0]["replies"][0]["text"]
    assert out[0]["node"] == "accueil"


def test_sigkill_between_two_messages_loses_nothing(db_path: Path) -> None:
    first = Simulator(db_path, "--channel", "sms")
    try:
        first.send({"text": "salut"})
        assert first.send({"text": "1", "id": "sms-2"})["node"] == "compte"
    finally:
        first.kill()

    second = Simulator(db_path, "--channel", "sms")
    try:
        replay = second.send({"text": "1", "id": "sms-2"})
        assert replay["duplicate"] and replay["node"] == "compte"
        answer = second.send({"text": "oui", "id": "sms-3"})
        assert answer["node"] == "marche"
        assert answer["replies"][-1]["text"].startswith("Est-ce que ça a marché ?")
    finally:
        second.kill()


def test_chat_shows_numbered_menus_and_segment_counts(db_path: Path) -> None:
    result = relais_command("chat", "--db", str(db_path), input="bonjour\n1\n1\n", env=FIXTURES)
    assert result.returncode == 0, result.stderr
    assert "1. Français" in result.stdout and "(2 SMS, UCS-2)" in result.stdout
    assert "1. Démarche" in result.stdout
    assert "(1 SMS, GSM-7)" in result.stdout
    assert "Avez-vous un compte ?" in result.stdout


def test_chat_in_telegram_view_shows_buttons(db_path: Path) -> None:
    result = relais_command(
        "chat",
        "--channel",
        "telegram",
        "--db",
        str(db_path),
        "--lang",
        "fr",
        input="salut\n",
        env=FIXTURES,
    )
    assert "[1. Démarche]  [2. Santé]" in result.stdout


def test_bad_flows_stop_the_start_with_the_reason(db_path: Path) -> None:
    broken = TESTS / "broken_flows" / "unknown_target.yaml"
    result = relais_command(
        "simulate",
        "--channel",
        "sms",
        "--db",
        str(db_path),
        input="",
        env={"RELAIS_FLOWS": str(broken)},
    )
    assert result.returncode == 2
    assert "unknown target 'nowhere'" in result.stderr


def test_sms_first_contact_asks_the_language_in_each_script(db_path: Path) -> None:
    out = simulate(db_path, [{"text": "bonjour"}, {"text": "1"}], "--channel", "sms", "--lang", "")
    menu = out[0]["replies"][0]["text"]
    assert "1. Français" in menu and "2. English" in menu and "العربية" in menu
    assert out[0]["replies"][0]["encoding"] == "UCS-2"
    assert out[1]["replies"][0]["text"].startswith("Bonjour, je suis Relais")
    assert out[1]["node"] == "accueil"


def test_telegram_uses_the_language_the_app_reports(db_path: Path) -> None:
    out = simulate(db_path, [{"text": "/start"}], "--channel", "telegram", "--lang", "en-GB")
    assert out[0]["replies"][0]["lang"] == "en"
    other = simulate(
        db_path, [{"text": "/start"}], "--channel", "telegram", "--user", "u2", "--lang", "pt-BR"
    )
    assert other[0]["replies"][0]["lang"] == "fr"
