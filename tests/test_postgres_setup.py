"""The tests' PostgreSQL on a fresh machine: found where Debian installs it, or named by
RELAIS_TEST_POSTGRES; without it the PostgreSQL tests fail saying how to get it, never skip."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TESTS
from tests.support import postgres


def _programs(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = folder / name
        path.write_text("#!/bin/sh\nexit 0\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_initdb_and_pg_ctl_are_found_on_path(tmp_path: Path, monkeypatch) -> None:
    _programs(tmp_path / "bin", "initdb", "pg_ctl")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert postgres.server_binaries() == tmp_path / "bin"


def test_the_newest_of_debians_versions_is_taken(tmp_path: Path, monkeypatch) -> None:
    for version in ("9", "15", "13"):
        _programs(tmp_path / "lib" / version / "bin", "initdb", "pg_ctl")
    monkeypatch.setenv("PATH", "/nonexistent")
    found = postgres.server_binaries(str(tmp_path / "lib" / "*" / "bin" / "initdb"))
    assert found == tmp_path / "lib" / "15" / "bin"


def test_a_relais_test_postgres_that_does_not_answer_is_named(tmp_path, monkeypatch) -> None:
    url = f"postgresql://relais@/relais?host={tmp_path}"
    monkeypatch.setenv("RELAIS_TEST_POSTGRES", url)
    with pytest.raises(postgres.PostgresMissing, match="does not answer") as raised:
        postgres.start_server()
    assert url in str(raised.value)


def test_without_postgresql_the_tests_fail_and_say_how_to_get_it(tmp_path: Path) -> None:
    (tmp_path / "no_postgresql.py").write_text(
        "import tests.support.postgres as support\nsupport.server_binaries = lambda *args: None\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "RELAIS_TEST_POSTGRES"}
    env["PYTHONPATH"] = str(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no_postgresql",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            f"--basetemp={tmp_path / 'run'}",
            "-rA",
            "tests/test_migrations.py::test_migrations_apply_once_and_keep_the_version",
        ],
        env=env,
        cwd=TESTS.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "1 passed" in out, "the SQLite half still runs"
    assert "1 error" in out and "skipped" not in out, out
    assert "sudo apt-get install postgresql" in out and "RELAIS_TEST_POSTGRES" in out
