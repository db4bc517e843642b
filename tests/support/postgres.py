"""A real PostgreSQL for the tests: the server named by RELAIS_TEST_POSTGRES, or a private
throwaway cluster (initdb + pg_ctl) started once per test process, on a unix socket.

Each test gets a fresh database, created from a migrated template (fast); tests of the
migrations themselves get an empty one. Without PostgreSQL the tests fail and say how to get
it: they are never skipped.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg

INSTALL = (
    "PostgreSQL is needed for these tests: install it (`sudo apt-get install postgresql` on "
    "Debian or Ubuntu: the tests start their own throwaway server with its initdb and pg_ctl, "
    "nothing is configured) or set RELAIS_TEST_POSTGRES=postgresql://user:password@host/db "
    "(a user allowed to CREATE DATABASE)"
)
TEST_KEY = "relais-tests-hash-key"
"""RELAIS_HASH_KEY of the tests on PostgreSQL (required there, see bot/store/keyed.py)."""
TEMPLATE = "relais_template"


class PostgresMissing(RuntimeError):
    """Neither RELAIS_TEST_POSTGRES nor initdb/pg_ctl: the message says how to get them."""


DEBIAN = "/usr/lib/postgresql/*/bin/initdb"


def server_binaries(debian: str = DEBIAN) -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    versions = sorted(
        glob.glob(debian),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(versions[-1]).parent if versions else None


def _as_owner(command: list[str]) -> list[str]:
    """initdb refuses to run as root (as CI does): then run the server as `postgres`."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@dataclass
class PostgresServer:
    url: str
    """Where to connect to create and drop databases."""
    folder: Path | None = None
    """The throwaway cluster's folder (None for RELAIS_TEST_POSTGRES)."""
    pg_ctl: Path | None = None
    created: list[str] = field(default_factory=list)

    def url_of(self, name: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path="/" + quote(name)))

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)

    def prepare_template(self, migrate) -> None:
        """A migrated database to copy: `migrate(url)` applies the migrations."""
        name = f"{TEMPLATE}_{uuid.uuid4().hex[:8]}"
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        self.created.append(name)
        migrate(self.url_of(name))
        self.template = name

    def database(self, *, migrated: bool = True) -> str:
        """A new database of its own: migrated (a copy of the template) or empty."""
        name = f"relais_test_{uuid.uuid4().hex[:12]}"
        source = self.template if migrated else "template0"
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        self.created.append(name)
        return self.url_of(name)

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def stop(self) -> None:
        if self.folder is None:
            for name in list(self.created):
                self.drop(self.url_of(name))
            return
        subprocess.run(
            _as_owner(
                [str(self.pg_ctl), "-D", str(self.folder / "data"), "-m", "immediate", "stop"]
            ),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def start_server() -> PostgresServer:
    """RELAIS_TEST_POSTGRES, or a new private cluster; raises PostgresMissing."""
    configured = os.environ.get("RELAIS_TEST_POSTGRES", "").strip()
    if configured:
        try:
            psycopg.connect(configured, connect_timeout=10).close()
        except psycopg.Error as exc:
            raise PostgresMissing(
                f"RELAIS_TEST_POSTGRES={configured} does not answer ({exc}); {INSTALL}"
            ) from None
        return PostgresServer(configured)
    binaries = server_binaries()
    if binaries is None:
        raise PostgresMissing(INSTALL)
    folder = Path(tempfile.mkdtemp(prefix="relais-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, log = folder / "data", folder / "server.log"
    run = {"capture_output": True, "text": True, "check": False}
    done = subprocess.run(
        _as_owner(
            [
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ]
        ),
        **run,
    )
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise PostgresMissing(f"initdb failed: {done.stderr.strip()}; {INSTALL}")
    options = (
        f"-k {folder} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB"
    )
    done = subprocess.run(
        _as_owner(
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        **run,
    )
    if done.returncode != 0:
        message = log.read_text()[-2000:] if log.exists() else done.stderr
        shutil.rmtree(folder, ignore_errors=True)
        raise PostgresMissing(f"the test PostgreSQL did not start: {message.strip()}")
    url = f"postgresql://postgres@/postgres?host={quote(str(folder), safe='')}"
    return PostgresServer(url, folder, binaries / "pg_ctl")


def migrate(url: str) -> None:
    """Apply Relais's migrations to the database at `url` (the template's)."""
    from bot.store import open_database

    async def run() -> None:
        db = await open_database(url)
        await db.close()

    before = os.environ.get("RELAIS_HASH_KEY")
    os.environ["RELAIS_HASH_KEY"] = TEST_KEY
    try:
        asyncio.run(run())
    finally:
        if before is None:
            del os.environ["RELAIS_HASH_KEY"]
        else:
            os.environ["RELAIS_HASH_KEY"] = before
