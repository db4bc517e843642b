"""What a fresh clone needs for the whole suite to pass with nothing skipped: Chromium found
wherever it is installed, fixed Hypothesis examples in CI, and tests that can fail."""

from __future__ import annotations

import ast
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TESTS
from tests.support import browser


def executable(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize("name", ["chromium", "chromium-browser", "google-chrome"])
def test_a_system_chromium_is_found_under_each_of_its_names(tmp_path: Path, name: str) -> None:
    import shutil

    path = executable(tmp_path, name)
    assert browser.system_chromium(lambda n: shutil.which(n, path=str(tmp_path))) == str(path)


def test_without_a_system_chromium_playwrights_own_is_used(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert browser.system_chromium() is None


def test_without_any_chromium_the_failure_says_how_to_install_it(tmp_path: Path) -> None:
    script = (
        "from playwright.sync_api import sync_playwright\n"
        "from tests.support import browser\n"
        "with sync_playwright() as p:\n"
        "    try:\n"
        "        browser.launch(p)\n"
        "    except browser.ChromiumMissing as exc:\n"
        "        print(exc)\n"
    )
    env = {**os.environ, "PATH": str(tmp_path), "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=TESTS.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "the browser tests need Chromium" in result.stdout, result.stdout + result.stderr
    assert "apt-get install chromium" in result.stdout
    assert "playwright install --with-deps chromium" in result.stdout


def hypothesis_settings(env: dict[str, str]) -> str:
    script = (
        "import tests.conftest\n"
        "from hypothesis import settings\n"
        "from tests.support.fuzzing import fuzz\n"
        "print(settings.default.derandomize, fuzz(5).derandomize, settings.default.database)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")}
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, **env},
        cwd=TESTS.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_in_ci_hypothesis_tries_the_same_examples_on_every_run() -> None:
    assert hypothesis_settings({"CI": "true"}) == "True True None"


def test_on_a_developers_machine_hypothesis_explores() -> None:
    assert hypothesis_settings({}).startswith("False False DirectoryBasedExampleDatabase")


def modules_of_tests(pattern: str = "test_*.py") -> list[Path]:
    return sorted(TESTS.glob(pattern))


def test_no_test_module_imports_another() -> None:
    """Shared helpers live in tests/support/ or conftest.py: a test module imports neither
    another test module's fixtures nor its constants."""
    found = []
    for path in modules_of_tests():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests.test_"):
                found.append(f"{path.name}:{node.lineno}: from {node.module}")
            elif isinstance(node, ast.ImportFrom) and node.module == "tests":
                named = [a.name for a in node.names if a.name.startswith("test_")]
                found += [f"{path.name}:{node.lineno}: from tests import {n}" for n in named]
            elif isinstance(node, ast.Import):
                named = [a.name for a in node.names if a.name.startswith("tests.test_")]
                found += [f"{path.name}:{node.lineno}: import {n}" for n in named]
    assert not found, "\n".join(found)


def cannot_fail(test: ast.expr) -> bool:
    """`assert x or True`, `assert True`, `assert "text"`: always true."""
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(cannot_fail(value) for value in test.values)
    return False


def test_no_assertion_that_cannot_fail() -> None:
    found = [
        f"{path.name}:{node.lineno}"
        for path in modules_of_tests()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert) and cannot_fail(node.test)
    ]
    assert not found, f"assertions that always hold: {found}"
