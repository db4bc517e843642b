"""Settings from environment variables (a `.env` file in the working folder is read first).

The one module that reads the environment (tests/test_layout.py holds it): every other module
gets what it needs from `Settings`, passed in explicitly.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from dotenv import load_dotenv

from bot.privacy.retention import Retention


class ConfigError(ValueError):
    """A setting is wrong; the message names the variable and what it expects."""


@dataclass(frozen=True)
class Settings:
    db: str = "relais.db"
    flows: tuple[str, ...] = ()
    idle_after: timedelta = timedelta(hours=24)
    log_level: str = "INFO"
    listen: tuple[str, int] = ("127.0.0.1", 8000)
    public_url: str = ""
    telegram: TelegramSettings | None = None
    twilio: TwilioSettings | None = None
    sms_segments: int = 3
    retention: Retention = field(default_factory=Retention)
    rate_limit: int = 20
    """Messages a minute one person may send (RELAIS_RATE_LIMIT)."""
    hash_key: str = ""
    """The key of the keyed hashes (RELAIS_HASH_KEY); empty: a file beside the database."""
    places_url: str = ""
    """Where `relais places import` downloads from (RELAIS_PLACES_URL); empty: data.gouv.fr."""
    france_services_url: str = ""
    """The official France Services locator, once an operator has checked it
    (RELAIS_FRANCE_SERVICES_URL, docs/places.md); empty: not shown."""
    lease_seconds: float = 30.0
    """How long a worker's claim on an outbox message, or on a job run once across workers,
    lasts without renewal: after it, another worker takes over (RELAIS_LEASE_SECONDS)."""


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    secret: str
    api_url: str = ""
    """A self-hosted Bot API server (or a test double); empty for Telegram's own."""


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str
    auth_token: str
    sender: str
    """A phone number (+33…) or a Messaging Service SID (MG…)."""
    whatsapp_sender: str = ""
    api_url: str = ""
    """Where Twilio's REST API is reached (a test double, a proxy); empty for Twilio's own."""
    templates: dict[str, str] = field(default_factory=dict)
    """WhatsApp "a reply is waiting" templates: language code -> ContentSid (HX…)."""
    reminder_templates: dict[str, str] = field(default_factory=dict)
    """WhatsApp reminder templates: language code -> ContentSid (HX…)."""


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
    return parse_listen(raw, f"{name}=")


def parse_listen(raw: str, name: str) -> tuple[str, int]:
    """HOST:PORT; `name` is how the error names its source (`RELAIS_LISTEN=`, `--listen`)."""
    host, _, port = raw.strip().rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        shown = f"{name}{raw!r}" if name.endswith("=") else f"{name} {raw!r}"
        example = f"{name}0.0.0.0:8000" if name.endswith("=") else f"{name} 0.0.0.0:8000"
        raise ConfigError(f"{shown} must be HOST:PORT with a port from 1 to 65535 ({example})")
    return host.strip("[]"), int(port)


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _log_level(name: str, default: str = "INFO") -> str:
    raw = _env(name).upper() or default
    if raw not in LOG_LEVELS:
        raise ConfigError(f"{name}={_env(name)!r} must be one of {', '.join(LOG_LEVELS)}")
    return raw


_TELEGRAM_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
_TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def _public_url() -> str:
    url = _env("RELAIS_PUBLIC_URL").rstrip("/")
    if url and not re.fullmatch(
        r"https://[^\s/]+(/\S*)?|http://(127\.0\.0\.1|localhost)(:\d+)?(/\S*)?", url
    ):
        raise ConfigError(
            f"RELAIS_PUBLIC_URL={url!r} must be the https address where this server is reached "
            "(example: RELAIS_PUBLIC_URL=https://relais.example.org)"
        )
    return url


def _telegram() -> TelegramSettings | None:
    token, secret = _env("RELAIS_TELEGRAM_TOKEN"), _env("RELAIS_TELEGRAM_SECRET")
    if not token and not secret:
        return None
    if not _TELEGRAM_TOKEN.fullmatch(token):
        raise ConfigError(
            "RELAIS_TELEGRAM_TOKEN is missing or is not a bot token from @BotFather "
            "(example: 123456:ABC-DEF…)"
        )
    if secret and not _TELEGRAM_SECRET.fullmatch(secret):
        raise ConfigError(
            "RELAIS_TELEGRAM_SECRET may only hold letters, digits, _ and -, at most 256 "
            "(generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    api_url = _env("RELAIS_TELEGRAM_API_URL").rstrip("/")
    if api_url and not re.fullmatch(r"https?://\S+", api_url):
        raise ConfigError(f"RELAIS_TELEGRAM_API_URL={api_url!r} must be an http(s) address")
    return TelegramSettings(token, secret, api_url)


def _twilio() -> TwilioSettings | None:
    names = ("RELAIS_TWILIO_ACCOUNT_SID", "RELAIS_TWILIO_AUTH_TOKEN", "RELAIS_TWILIO_SENDER")
    values = {name: _env(name) for name in names}
    whatsapp = _env("RELAIS_TWILIO_WHATSAPP_SENDER")
    if not any(values.values()) and not whatsapp:
        return None
    for name, value in values.items():
        if not value:
            raise ConfigError(f"{name} is missing: Twilio needs {', '.join(names)}")
    if not re.fullmatch(r"AC[0-9a-fA-F]{32}", values[names[0]]):
        raise ConfigError(f"{names[0]} must look like AC followed by 32 hexadecimal characters")
    sender = values[names[2]]
    if not re.fullmatch(r"\+\d{6,15}|MG[0-9a-fA-F]{32}", sender):
        raise ConfigError(
            f"{names[2]}={sender!r} must be a number in E.164 (+33…) or a Messaging Service SID"
        )
    api_url = _env("RELAIS_TWILIO_API_URL").rstrip("/")
    if api_url and not re.fullmatch(r"https?://[^\s/]+", api_url):
        raise ConfigError(
            f"RELAIS_TWILIO_API_URL={api_url!r} must be an http(s) address without a path "
            "(example: RELAIS_TWILIO_API_URL=http://127.0.0.1:8081)"
        )
    return TwilioSettings(
        values[names[0]],
        values[names[1]],
        sender,
        whatsapp,
        api_url,
        _templates("RELAIS_WHATSAPP_TEMPLATE_"),
        _templates("RELAIS_WHATSAPP_REMINDER_TEMPLATE_"),
    )


def _templates(prefix: str) -> dict[str, str]:
    """{language: ContentSid} from PREFIX<LANG> variables (RELAIS_WHATSAPP_TEMPLATE_FR=HX…)."""
    found = {}
    for name, value in os.environ.items():
        if not name.startswith(prefix) or not value.strip():
            continue
        lang = name.removeprefix(prefix).lower()
        if not re.fullmatch(r"[a-z]{2,3}", lang):
            continue  # another family of variables (REMINDER_TEMPLATE_… under TEMPLATE_)
        if not re.fullmatch(r"HX[0-9a-fA-F]{32}", value.strip()):
            raise ConfigError(
                f"{name}={value.strip()!r} must be the ContentSid of an approved template "
                "(HX followed by 32 hexadecimal characters, from Twilio's Content Template "
                "Builder)"
            )
        found[lang] = value.strip()
    return found


def load_settings(env_file: str | Path = ".env", *, log_level: str = "INFO") -> Settings:
    """`log_level`: the level when RELAIS_LOG_LEVEL is not set (`relais chat` is quieter)."""
    load_dotenv(env_file, override=False)
    flows = os.environ.get("RELAIS_FLOWS", "").strip()
    return Settings(
        db=os.environ.get("RELAIS_DB", "").strip() or Settings.db,
        flows=tuple(p for p in flows.split(os.pathsep) if p),
        idle_after=_positive_hours("RELAIS_IDLE_HOURS", 24),
        log_level=_log_level("RELAIS_LOG_LEVEL", log_level),
        listen=_listen("RELAIS_LISTEN"),
        public_url=_public_url(),
        telegram=_telegram(),
        twilio=_twilio(),
        sms_segments=_segments("RELAIS_SMS_SEGMENTS"),
        retention=Retention(
            sessions_days=_positive("RELAIS_KEEP_SESSIONS_DAYS", 30, "days"),
            anonymise_tickets_days=_positive("RELAIS_ANONYMISE_TICKETS_DAYS", 90, "days"),
            delete_tickets_days=_positive("RELAIS_DELETE_TICKETS_DAYS", 365, "days"),
            message_ids_hours=_positive("RELAIS_KEEP_MESSAGE_IDS_HOURS", 72, "hours"),
        ),
        rate_limit=int(_positive("RELAIS_RATE_LIMIT", 20, "messages a minute")),
        hash_key=_env("RELAIS_HASH_KEY"),
        places_url=_env("RELAIS_PLACES_URL"),
        france_services_url=_env("RELAIS_FRANCE_SERVICES_URL"),
        lease_seconds=_positive("RELAIS_LEASE_SECONDS", 30, "seconds"),
    )


def load_listen(env_file: str | Path = ".env") -> tuple[str, int]:
    """Only RELAIS_LISTEN (the Docker health probe must not fail on another setting)."""
    load_dotenv(env_file, override=False)
    return _listen("RELAIS_LISTEN")


def configured_hash_key() -> str:
    """RELAIS_HASH_KEY, for code that opens a database without the whole Settings (tests,
    benches); `relais` itself passes Settings.hash_key."""
    return _env("RELAIS_HASH_KEY")


def chat_history_path() -> Path:
    """`relais chat`'s history of typed lines: the user's own data folder (XDG_DATA_HOME,
    else ~/.local/share), never beside the database."""
    base = _env("XDG_DATA_HOME")
    folder = Path(base) if base else Path.home() / ".local" / "share"
    return folder / "relais" / "chat_history"


def _segments(name: str) -> int:
    raw = _env(name) or "3"
    if not raw.isdigit() or not 1 <= int(raw) <= 10:
        raise ConfigError(f"{name}={raw!r} must be a whole number of SMS segments from 1 to 10")
    return int(raw)


def _positive(name: str, default: float, unit: str) -> float:
    raw = _env(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(
            f"{name}={raw!r} must be a number of {unit} above 0 (default: {default:g})"
        )
    return value
