"""Settings from environment variables (a `.env` file in the working folder is read first)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from dotenv import load_dotenv


class ConfigError(ValueError):
    """A setting is wrong; the message names the variable and what it expects."""


@dataclass(frozen=True)
class Settings:
    db: str = "relais.db"
    flows: tuple[str, ...] = ()
    idle_after: timedelta = timedelta(hours=24)
    log_level: str = "INFO"
    listen: tuple[str, int] = ("127.0.0.1", 8000)


def _positive_hours(name: str, default: float) -> timedelta:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return timedelta(hours=default)
    try:
        hours = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of hours (example: {name}=24)") from None
    if hours <= 0:
        raise ConfigError(f"{name}={raw!r} must be more than 0 hours")
    return timedelta(hours=hours)


def _listen(name: str) -> tuple[str, int]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return Settings.listen
    host, _, port = raw.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{name}={raw!r} must be HOST:PORT (example: {name}=0.0.0.0:8000)")
    return host.strip("[]"), int(port)


def load_settings(env_file: str | Path = ".env") -> Settings:
    load_dotenv(env_file, override=False)
    flows = os.environ.get("RELAIS_FLOWS", "").strip()
    return Settings(
        db=os.environ.get("RELAIS_DB", "").strip() or Settings.db,
        flows=tuple(p for p in flows.split(os.pathsep) if p),
        idle_after=_positive_hours("RELAIS_IDLE_HOURS", 24),
        log_level=os.environ.get("RELAIS_LOG_LEVEL", "INFO").strip().upper() or "INFO",
        listen=_listen("RELAIS_LISTEN"),
    )
