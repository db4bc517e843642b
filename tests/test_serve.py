"""`relais serve` as a real process: the health endpoint."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from bot.engine import Reply
from bot.outbox import enqueue, replies_payload
from bot.store import open_database
from bot.store.migrate import newest
from tests.conftest import TESTS, free_port, start_serve, stop_serve
from tests.support.postgres import TEST_KEY


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


def test_a_second_serve_on_the_same_sqlite_file_refuses_to_start(db_path: Path) -> None:
    """Two processes would both run the outbox and send every queued reply twice."""
    first, _ = start_serve(db_path)
    try:
        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                "--db",
                str(db_path),
                "--listen",
                f"127.0.0.1:{free_port()}",
            ],
            env={k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")},
            capture_output=True,
            text=True,
            cwd=TESTS.parent,
            timeout=30,
        )
        assert second.returncode == 2
        assert f"already served by process {first.pid}" in second.stderr
        assert first.poll() is None, "the first one keeps serving"
    finally:
        stop_serve(first)
    again, _ = start_serve(db_path)
    stop_serve(again)


def test_workers_on_one_postgresql_database_all_start(postgres) -> None:
    """The one-serving-process lock is SQLite's: on PostgreSQL a second worker starts, and
    each one's health check reads the shared database."""
    url, env = postgres.database(), {"RELAIS_HASH_KEY": TEST_KEY}
    first, port = start_serve(url, env=env)
    try:
        second, other = start_serve(url, env=env)
        try:
            for answering in (port, other):
                with urllib.request.urlopen(f"http://127.0.0.1:{answering}/healthz") as r:
                    body = json.loads(r.read())
                assert body["status"] == "ok"
                assert body["schema_version"] == newest("postgresql")
                assert body["outbox"] == {"waiting": 0, "most_attempts": 0}
        finally:
            stop_serve(second)
    finally:
        stop_serve(first)


def test_healthz_reports_the_messages_waiting_and_the_most_retried(db_path: Path) -> None:
    """Replies backed up for a channel this server cannot reach (no Twilio settings here):
    the operator sees how many wait, and how often the most stubborn one was tried."""

    async def fill() -> None:
        db = await open_database(db_path)
        async with db.transaction() as conn:
            for n in range(1500):
                payload = replies_payload([Reply(f"réponse {n}")])
                await enqueue(conn, "sms", f"+336{n % 50:08d}", payload, time.time())
            await conn.execute("UPDATE outbox SET attempts = 4 WHERE id = 10")
            await conn.execute("DELETE FROM outbox WHERE id > 1400")
        await db.close()

    asyncio.run(fill())
    process, port = start_serve(db_path)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            body = json.loads(r.read())
        assert body["outbox"] == {"waiting": 1400, "most_attempts": 4}
    finally:
        stop_serve(process)


def _health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=20) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as answer:
        return answer.code, json.loads(answer.read())


def test_healthz_says_down_while_postgresql_is_away_and_up_once_it_is_back(postgres) -> None:
    """A load balancer's probe must hear 503 promptly (not hang on the pool's 30 s wait for a
    connection), and the worker must come back by itself: nobody restarts it."""
    import psycopg

    url, env = postgres.database(), {"RELAIS_HASH_KEY": TEST_KEY}
    name = urlsplit(url).path.lstrip("/")
    process, port = start_serve(url, env=env)
    try:
        assert _health(port)[0] == 200
        with psycopg.connect(postgres.url, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
        for _ in range(3):  # the first finds broken connections, the next ones none
            status, body = _health(port)
            assert status == 503
            assert body["status"] == "error"
            assert "database" in body
        assert process.poll() is None, "the worker must survive the database's absence"
        with psycopg.connect(postgres.url, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        deadline = time.monotonic() + 30
        while (status := _health(port)[0]) != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status == 200, "the worker did not reconnect once the database was back"
    finally:
        stop_serve(process)
