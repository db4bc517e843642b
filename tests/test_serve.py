"""`relais serve` as a real process: the health endpoint."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import TESTS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_reports_database_and_flows(db_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--db",
            str(db_path),
            "--listen",
            f"127.0.0.1:{port}",
        ],
        env={**os.environ, "RELAIS_LOG_LEVEL": "WARNING"},
        cwd=TESTS.parent,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = json.loads(r.read())
                    status = r.status
                break
            except OSError:
                assert time.monotonic() < deadline, "relais serve did not answer in 30 s"
                assert process.poll() is None, "relais serve exited"
                time.sleep(0.2)
        assert status == 200
        assert body["status"] == "ok"
        assert body["flows"] >= 2
        assert body["schema_version"] >= 1
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
