"""Settings, read once from the environment into a frozen dataclass.

Every malformed value stops start-up with a ConfigError that names the
variable, what was wrong and an example of a good value.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

from bot.core.words import parse_span
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite:///cramp_coach.db"
#: What the bot's own HTTP server answers beside the webhook (channels/telegram/application.py).
OPS_PATHS = ("healthz", "metrics")

LogFormat = Literal["text", "json"]


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting the bot reads. Documented one by one in the README."""

    telegram_token: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_path: str | None = None
    port: int = 8080
    listen: str = "0.0.0.0"
    telegram_api_base_url: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    idle_resume_after: timedelta = timedelta(hours=3)
    dialogues_dir: Path = ROOT / "dialogues"
    data_dir: Path = ROOT / "data"
    log_level: str = "INFO"
    log_format: LogFormat = "text"
    health_port: int | None = None
    health_host: str = "0.0.0.0"
    health_poll_max_age: timedelta = timedelta(seconds=60)
    reminder_sweep_every: timedelta = timedelta(seconds=10)
    reminder_rate: float = 29.0

    @property
    def webhook_route(self) -> str:
        """URL path the webhook listens on: WEBHOOK_PATH, or one derived from the token."""
        if self.webhook_path:
            return self.webhook_path.strip("/")
        token = self.telegram_token or ""
        return "telegram/" + hashlib.sha256(token.encode()).hexdigest()[:24]

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read settings from `environ` (normally os.environ)."""

        def get(name: str) -> str | None:
            value = environ.get(name, "").strip()
            return value or None

        token = get("TELEGRAM_BOT_TOKEN")
        if token is not None and not re.fullmatch(r"\d+:[A-Za-z0-9_-]{20,}", token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token. Copy it from BotFather; "
                "it looks like 123456789:AAH... (digits, a colon, then letters)."
            )
        webhook_url = get("WEBHOOK_URL")
        secret = get("WEBHOOK_SECRET")
        if webhook_url is not None:
            if not re.match(r"^https?://[^\s/]+", webhook_url):
                raise ConfigError(
                    f"WEBHOOK_URL={webhook_url!r} is not a URL. "
                    "Use the public https address of this service, e.g. https://coach.example.org"
                )
            if not webhook_url.startswith("https://"):
                raise ConfigError(
                    f"WEBHOOK_URL={webhook_url!r} is not https: Telegram delivers webhooks "
                    "only over HTTPS. Use the https address of this service (a platform's "
                    "HTTPS front, or a reverse proxy with a certificate), e.g. "
                    "https://coach.example.org"
                )
            if token is None:
                raise ConfigError("WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN is not. Set both.")
            if secret is None or not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
                raise ConfigError(
                    "Webhook mode needs WEBHOOK_SECRET: 1-256 characters of A-Z, a-z, 0-9, "
                    "_ and -. Generate one with: python -c 'import secrets; "
                    "print(secrets.token_urlsafe(32))'"
                )
        base_url = get("TELEGRAM_API_BASE_URL")
        if base_url is not None and not re.match(r"^https?://[^\s/]+", base_url):
            raise ConfigError(
                f"TELEGRAM_API_BASE_URL={base_url!r} is not a URL. "
                "Example: http://127.0.0.1:8081 for a self-hosted Bot API server."
            )
        # Read as it is: open_store (bot/store/url.py) is the one place that checks it.
        database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
        log_level = (get("LOG_LEVEL") or "INFO").upper()
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ConfigError(
                f"LOG_LEVEL={log_level!r} is not a level. Use DEBUG, INFO, WARNING or ERROR."
            )
        log_format = (get("LOG_FORMAT") or "text").lower()
        if log_format not in ("text", "json"):
            raise ConfigError(
                f"LOG_FORMAT={log_format!r} is not a log format. Use text (the default) or "
                "json (one JSON object per line, for a log collector)."
            )
        webhook_path = get("WEBHOOK_PATH")
        if webhook_path is not None and webhook_path.strip("/") in OPS_PATHS:
            raise ConfigError(
                f"WEBHOOK_PATH={webhook_path!r} is where the bot answers health checks or "
                "metrics. Choose another path, e.g. telegram/hook, or leave it unset."
            )
        return cls(
            telegram_token=token,
            webhook_url=webhook_url,
            webhook_secret=secret,
            webhook_path=webhook_path,
            port=_port("PORT", get("PORT")) or 8080,
            listen=get("LISTEN") or "0.0.0.0",
            telegram_api_base_url=base_url,
            database_url=database_url,
            idle_resume_after=parse_duration("IDLE_RESUME_AFTER", get("IDLE_RESUME_AFTER"), "3h"),
            dialogues_dir=_directory("DIALOGUES_DIR", get("DIALOGUES_DIR"), ROOT / "dialogues"),
            data_dir=_directory("DATA_DIR", get("DATA_DIR"), ROOT / "data"),
            log_level=log_level,
            log_format="json" if log_format == "json" else "text",
            health_port=_port("HEALTH_PORT", get("HEALTH_PORT")),
            health_host=get("HEALTH_HOST") or "0.0.0.0",
            health_poll_max_age=parse_duration(
                "HEALTH_POLL_MAX_AGE", get("HEALTH_POLL_MAX_AGE"), "60s"
            ),
            reminder_sweep_every=parse_duration(
                "REMINDER_SWEEP_EVERY", get("REMINDER_SWEEP_EVERY"), "10s"
            ),
            reminder_rate=_rate(get("REMINDER_RATE")),
        )


def parse_duration(name: str, value: str | None, default: str) -> timedelta:
    """Parse "90s", "30m", "3h", "1d" or a bare number of seconds."""
    text = value if value is not None else default
    span = parse_span(text, "smhd", bare="s")
    if span is None:
        raise ConfigError(f"{name}={text!r} is not a duration. Use e.g. 90s, 30m, 3h or 1d.")
    if span <= timedelta(0):
        raise ConfigError(f"{name}={text!r} must be longer than zero. Use e.g. 3h.")
    return span


def _rate(value: str | None) -> float:
    """REMINDER_RATE: reminders per second, all chats together (Telegram allows ~30)."""
    if value is None:
        return 29.0
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if not 0 < rate <= 30:
        raise ConfigError(
            f"REMINDER_RATE={value!r} is not a rate Telegram allows. Use a number of messages "
            "per second above 0 and at most 30, e.g. 29."
        )
    return rate


def _port(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"{name}={value!r} is not a TCP port. Use a number from 1 to 65535.")
    return int(value)


def _directory(name: str, value: str | None, default: Path) -> Path:
    path = Path(value) if value is not None else default
    if path.is_dir():
        return path
    if value is None:
        raise ConfigError(
            f"{name} is not set and the default {str(path)!r} does not exist. Install from a "
            f"checkout with 'pip install -e .' (the README's command), or set {name}."
        )
    raise ConfigError(f"{name}={str(path)!r} is not a directory. Point it at an existing one.")
