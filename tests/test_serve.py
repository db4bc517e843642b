"""`relais serve` as a real process: the health endpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.conftest import TESTS, start_serve


def test_healthz_reports_database_and_flows(db_path: Path) -> None:
    process, port = start_serve(db_path)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            body = json.loads(r.read())
            status = r.status
        assert status == 200
        assert body["status"] == "ok"
        assert body["flows"] >= 2
        assert body["schema_version"] >= 1
        assert body["texts_shown_in_french"] == {}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def test_a_bad_listen_setting_names_the_variable(db_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--db", str(db_path)],
        env={**os.environ, "RELAIS_LISTEN": "nowhere"},
        capture_output=True,
        text=True,
        cwd=TESTS.parent,
        timeout=30,
    )
    assert result.returncode == 2
    assert "RELAIS_LISTEN='nowhere' must be HOST:PORT" in result.stderr
