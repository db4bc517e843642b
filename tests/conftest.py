"""Shared test fixtures: engines on the test flows and on the shipped flows, real SQLite files."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.flows.loader import load_flows
from bot.i18n import Catalogs
from tests.support import flow_cache, hypothesis_profiles

HYPOTHESIS_PROFILE = hypothesis_profiles.load(os.environ)
"""Loaded before any test module builds its settings: `ci` when CI=true, else `dev`."""
flow_cache.install()  # before the test modules import bot.app: flows loaded once per process

# The suite runs in parallel (README: `pytest -n auto --dist loadfile`, each module's tests
# in one process). A fixture with scope="session" runs once per process; what must differ
# between processes is chosen by the OS (port 0, tmp_path) or named after pytest-xdist's
# `worker_id` fixture ("gw0", "gw1"…, "master" without -n): a database cluster per worker, say.

TESTS = Path(__file__).parent
FIXTURE_FLOWS = TESTS / "fixtures" / "flows"
BROKEN_FLOWS = TESTS / "broken_flows"
NOON = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The engine on the small test flows, in French only (no catalogs in tests/fixtures):
    stable whatever the shipped content and translations say."""
    return Engine(load_flows([FIXTURE_FLOWS]), Catalogs(TESTS / "fixtures"))


@pytest.fixture(scope="session")
def shipped_engine() -> Engine:
    return Engine(load_flows(), Catalogs())


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "relais.db"


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL for this test process (tests/support/postgres.py); fails, never
    skips, when there is none, saying how to get one."""
    from tests.support import postgres as support

    try:
        server = support.start_server()
    except support.PostgresMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        server.prepare_template(support.migrate)
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request, tmp_path: Path, monkeypatch):
    """Where a store test opens its database, once on each backend: a fresh SQLite file,
    or a fresh migrated PostgreSQL database (with the RELAIS_HASH_KEY it requires)."""
    if request.param == "sqlite":
        yield str(tmp_path / "relais.db")
        return
    from tests.support.postgres import TEST_KEY

    server = request.getfixturevalue("postgres")
    monkeypatch.setenv("RELAIS_HASH_KEY", TEST_KEY)
    url = server.database()
    yield url
    server.drop(url)


def relais_command(*args: str, env: dict[str, str] | None = None, **kwargs):
    """Run the real `relais` command in a child process (no .env of the developer's)."""
    full_env = {**os.environ, "RELAIS_LOG_LEVEL": "WARNING", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=kwargs.pop("cwd", TESTS.parent),
        **kwargs,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    """Wait until a server started by a test answers (any HTTP status counts)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            assert process.poll() is None, f"the server exited with {process.returncode}"
            assert time.monotonic() < deadline, f"{url} did not answer in {seconds} s"
            time.sleep(0.05)  # a server starts in about a second: answer as soon as it is up


def start_serve(
    db: Path | str, env: dict[str, str] | None = None, port: int | None = None, **popen
) -> tuple[subprocess.Popen, int]:
    """The real `relais serve` in a child process on a free port (or `port`), up and
    answering; only the RELAIS_ settings given here (none of the developer's). `popen`: e.g.
    stderr=a file. A free port may be taken by another test process before the server binds
    it: a server that exits before answering on a port of ours is started again elsewhere."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    tries = 1 if port else 3
    for attempt in range(1, tries + 1):
        chosen = port or free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                "--db",
                str(db),
                "--listen",
                f"127.0.0.1:{chosen}",
            ],
            env={**clean, "RELAIS_LOG_LEVEL": "WARNING", **(env or {})},
            cwd=TESTS.parent,
            **popen,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{chosen}/healthz", process)
            return process, chosen
        except AssertionError:
            if process.poll() is None or attempt == tries:
                raise
    raise AssertionError("not reached: the last try returns or raises")


def stop_serve(process: subprocess.Popen) -> None:
    """SIGTERM, as a container stop sends; killed if it does not end in 15 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
async def relais_app(tmp_path: Path):
    """Relais with the Twilio channel on a fresh file, and an HTTP client to its app."""
    import httpx

    from bot.app import start
    from bot.config import Settings, TwilioSettings
    from bot.web.app import create_app
    from tests.support.twilio import PUBLIC, SID, TOKEN

    settings = Settings(
        db=str(tmp_path / "relais.db"),
        public_url=PUBLIC,
        twilio=TwilioSettings(SID, TOKEN, "+33700000000", "+14155238886"),
    )
    relais = await start(settings)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(relais)), base_url="http://internal"
    )
    yield client, relais
    await client.aclose()
    await relais.close()


@pytest.fixture(scope="module")
def bot_api():
    """A fake Telegram Bot API on 127.0.0.1 for the real python-telegram-bot client."""
    from tests.fakes.telegram_api import FakeBotApi

    fake = FakeBotApi()
    fake.start()
    yield fake
    fake.stop()


OPEN_DATA = TESTS / "data/lieux"
"""Real open data of help places, copied into the repository (see its README)."""
FRANCE_SERVICES = OPEN_DATA / "france-services-2022-12-01.csv"
"""The real France Services list."""


async def load_france_services(conversations) -> None:
    """Import the real France Services list, then let the running engine see it."""
    from dataclasses import replace

    from bot.places import PlaceIndex
    from bot.places.importer import import_source

    await import_source(conversations.db, str(FRANCE_SERVICES), "france-services")
    places = await PlaceIndex.load(conversations.db)
    conversations.engine = replace(conversations.engine, places=places)
