"""Settings and the terminal: a wrong setting is one line naming it, and `relais chat` has
line editing and a history that never holds a secret."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import TESTS, relais_command


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", [("serve",), ("purge",), ("tickets", "list")])
def test_a_wrong_log_level_names_the_variable(tmp_path: Path, command: tuple) -> None:
    result = relais_command(
        *command, "--db", str(tmp_path / "relais.db"), env={"RELAIS_LOG_LEVEL": "LOUD"}
    )
    line = one_line_error(result)
    assert "RELAIS_LOG_LEVEL='LOUD'" in line and "DEBUG, INFO, WARNING, ERROR" in line


@pytest.mark.parametrize("level", ["debug", "Warning", "ERROR"])
def test_a_log_level_in_any_case_is_accepted(tmp_path: Path, level: str) -> None:
    result = relais_command(
        "purge", "--db", str(tmp_path / "r.db"), env={"RELAIS_LOG_LEVEL": level}
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("listen", ["nope", "127.0.0.1:99999", ":8000", "127.0.0.1:"])
def test_a_wrong_listen_option_names_the_option(tmp_path: Path, listen: str) -> None:
    result = relais_command("serve", "--db", str(tmp_path / "relais.db"), "--listen", listen)
    line = one_line_error(result)
    assert line.startswith(f"relais: --listen {listen!r}") and "HOST:PORT" in line
    assert "RELAIS_LISTEN" not in line


def test_a_wrong_listen_variable_names_the_variable(tmp_path: Path) -> None:
    result = relais_command("serve", "--db", str(tmp_path / "r.db"), env={"RELAIS_LISTEN": "x"})
    assert "RELAIS_LISTEN='x'" in one_line_error(result)


def test_chat_in_an_unknown_language_lists_the_known_ones(tmp_path: Path) -> None:
    result = relais_command("chat", "--lang", "xx", "--db", str(tmp_path / "r.db"), input="")
    line = one_line_error(result)
    assert "--lang 'xx': unknown language" in line
    for code in ("fr", "en", "ar", "prs", "ps", "uk", "ru", "ti"):
        assert f"{code} (" in line


class Terminal:
    """`relais chat` on a pseudo-terminal, as a person types into it."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.fd, child = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "chat", *args],
            stdin=child,
            stdout=child,
            stderr=child,
            env=env,
            cwd=TESTS.parent,
            close_fds=True,
        )
        os.close(child)
        self.seen = b""

    def wait_for(self, text: str, seconds: float = 30, times: int = 1) -> str:
        deadline = time.monotonic() + seconds
        while self.seen.count(text.encode()) < times:
            left = deadline - time.monotonic()
            assert left > 0, (
                f"{text!r} never showed; the screen:\n{self.seen.decode(errors='replace')}"
            )
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    self.seen += os.read(self.fd, 65536)
                except OSError:
                    break
        return self.seen.decode(errors="replace")

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def close(self) -> None:
        self.type("\x04")  # Ctrl-D
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.fd)


@pytest.fixture
def terminal_env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    return {**clean, "XDG_DATA_HOME": str(tmp_path / "data"), "TERM": "xterm"}


def test_chat_recalls_earlier_lines_with_the_arrow_keys_across_runs(
    tmp_path: Path, terminal_env: dict[str, str]
) -> None:
    db = str(tmp_path / "relais.db")
    first = Terminal(["--db", db], terminal_env)
    try:
        first.wait_for("vous > ")
        first.type("bonjour\r")
        first.wait_for("Langue / Language")
        first.type("1\r")
        first.wait_for("Parler à une personne")
        first.type("mon mot de passe c'est Marguerite77\r")
        first.wait_for("J'ai caché")
    finally:
        first.close()
    history = tmp_path / "data" / "relais" / "chat_history"
    saved = history.read_text()
    assert "bonjour" in saved and "mon mot de passe c'est [masqué]" in saved
    assert "Marguerite77" not in saved, "a secret in the history file"
    assert history.stat().st_mode & 0o077 == 0, "the history is the user's only"

    again = Terminal(["--db", db], terminal_env)
    try:
        again.wait_for("vous > ")
        again.type("\x1b[A")  # up: the last line of the previous run, masked
        screen = again.wait_for("c'est [masqué]")
        again.type("\x15mnu\x1b[D\x1b[De\r")  # Ctrl-U erases; "mnu", left, left, "e": "menu"
        screen = again.wait_for("Pour quelle démarche")
    finally:
        again.close()
    assert "Je n'ai pas compris" not in screen, "the line was not edited into MENU"
    assert "Marguerite77" not in screen


def test_chat_without_history_writes_no_file(tmp_path: Path, terminal_env: dict[str, str]) -> None:
    terminal = Terminal(["--db", str(tmp_path / "r.db"), "--no-history"], terminal_env)
    try:
        terminal.wait_for("vous > ")
        terminal.type("bonjour\r")
        terminal.wait_for("Langue / Language")
        terminal.type("\x1b[A\r")  # up: the line of this run is still there, in memory
        # "bonjour" in the hint, as typed, then as recalled by the up arrow:
        terminal.wait_for("bonjour", times=3)
    finally:
        terminal.close()
    assert not (tmp_path / "data" / "relais").exists()


def test_lines_piped_into_chat_leave_no_history(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    result = relais_command("chat", "--db", str(tmp_path / "r.db"), input="bonjour\n", env=env)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "data" / "relais").exists()
