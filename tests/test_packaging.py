"""Packaging: the licence, the Docker image's layers, what stays out of it, and its health
check, which follows RELAIS_LISTEN (run here against a real `relais serve`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import TESTS, free_port, start_serve, stop_serve

ROOT = TESTS.parent


def test_the_licence_file_is_the_one_pyproject_names() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "AGPL-3.0-or-later"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith("GNU AFFERO GENERAL PUBLIC LICENSE")
    assert "Version 3, 19 November 2007" in text
    assert "13. Remote Network Interaction; Use with the GNU General Public License." in text
    assert "END OF TERMS AND CONDITIONS" in text


def dockerfile() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def test_dependencies_are_installed_in_their_own_layer_before_the_code() -> None:
    steps = dockerfile()
    copies = [i for i, step in enumerate(steps) if step.startswith("COPY")]
    first_code = next(i for i in copies if re.search(r"COPY (bot|flows|locales)\b", steps[i]))
    installs = [i for i, s in enumerate(steps) if s.startswith("RUN") and "pip install" in s]
    assert installs and installs[0] < first_code, "dependencies installed after the code"
    assert steps[copies[0]] == "COPY pyproject.toml ./", "the first layer depends on pyproject only"
    assert "--no-deps" in steps[installs[-1]], "the code's install fetches nothing more"


def test_secrets_databases_and_caches_stay_out_of_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for pattern in (".env", "*.db", "*.db-wal", "*.key", ".git", ".venv", "tests"):
        assert pattern in ignored, pattern


def test_the_health_check_runs_the_probe_that_follows_relais_listen() -> None:
    (check,) = [step for step in dockerfile() if step.startswith("HEALTHCHECK")]
    assert '["python", "-m", "bot.web.healthcheck"]' in check
    assert "8000" not in check, "a fixed port would not follow RELAIS_LISTEN"


def probe(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.web.healthcheck"],
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_health_probe_follows_relais_listen(tmp_path: Path) -> None:
    process, port = start_serve(tmp_path / "relais.db")
    try:
        assert probe({"RELAIS_LISTEN": f"127.0.0.1:{port}"}, tmp_path).returncode == 0
        assert probe({"RELAIS_LISTEN": f"0.0.0.0:{port}"}, tmp_path).returncode == 0
        (tmp_path / ".env").write_text(f"RELAIS_LISTEN=127.0.0.1:{port}\n")
        assert probe({}, tmp_path).returncode == 0, "the .env file, as relais serve reads it"
    finally:
        stop_serve(process)
    down = probe({"RELAIS_LISTEN": f"127.0.0.1:{free_port()}"}, tmp_path)
    assert down.returncode == 1 and "relais is not healthy" in down.stderr
    assert len(down.stderr.strip().splitlines()) == 1, down.stderr
    wrong = probe({"RELAIS_LISTEN": "nowhere"}, tmp_path)
    assert wrong.returncode == 1 and "RELAIS_LISTEN='nowhere'" in wrong.stderr


def test_the_readmes_docker_lines_pass_the_env_file_and_stdin() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    runs = re.findall(r"^docker run .*$", readme, flags=re.M)
    assert runs and all("--env-file .env" in line for line in runs), runs
    execs = re.findall(r"^.*docker exec .*$", readme, flags=re.M)
    assert any("--password-stdin" in line for line in execs), "how to add a mediator"
    for line in execs:
        if "--password-stdin" in line or " chat" in line:
            assert re.search(r"docker exec -(i|it) ", line), line
