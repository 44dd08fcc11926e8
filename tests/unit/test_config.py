"""Settings from the environment: defaults, and a clear error naming each bad variable."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import DEFAULT_DATABASE_URL, Settings
from bot.errors import ConfigError

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"


def test_defaults_need_no_environment() -> None:
    settings = Settings.from_env({})
    assert settings.telegram_token is None
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.idle_resume_after == timedelta(hours=3)
    assert settings.port == 8080


def test_database_url_is_kept_as_text() -> None:
    """open_store (tests/unit/store/test_url.py) is the one place that reads its scheme."""
    url = "postgres://db/coach"
    assert Settings.from_env({"DATABASE_URL": url}).database_url == url


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, ["TELEGRAM_BOT_TOKEN", "BotFather"]),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://x.org"}, ["WEBHOOK_SECRET"]),
        ({"WEBHOOK_URL": "https://x.org", "WEBHOOK_SECRET": "abc"}, ["TELEGRAM_BOT_TOKEN"]),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "http://x.org", "WEBHOOK_SECRET": "a"},
            ["WEBHOOK_URL", "only over HTTPS"],
        ),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "x.org", "WEBHOOK_SECRET": "a"},
            ["WEBHOOK_URL"],
        ),
        ({"TELEGRAM_API_BASE_URL": "localhost:8081"}, ["TELEGRAM_API_BASE_URL"]),
        ({"PORT": "eighty"}, ["PORT"]),
        ({"PORT": "70000"}, ["PORT"]),
        ({"IDLE_RESUME_AFTER": "soon"}, ["IDLE_RESUME_AFTER", "3h"]),
        ({"IDLE_RESUME_AFTER": "0"}, ["IDLE_RESUME_AFTER"]),
        ({"LOG_LEVEL": "LOUD"}, ["LOG_LEVEL"]),
        ({"DIALOGUES_DIR": "/no/such/dir"}, ["DIALOGUES_DIR"]),
    ],
)
def test_bad_settings_name_the_variable_and_the_fix(
    environ: dict[str, str], names: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(environ)
    for name in names:
        assert name in str(caught.value)


def test_webhook_settings_and_route() -> None:
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "WEBHOOK_URL": "https://coach.example.org",
            "WEBHOOK_SECRET": "s3cret_-",
        }
    )
    assert settings.webhook_secret == "s3cret_-"
    assert settings.webhook_route.startswith("telegram/")
    assert TOKEN not in settings.webhook_route
    custom = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "WEBHOOK_URL": "https://x.org",
            "WEBHOOK_SECRET": "s",
            "WEBHOOK_PATH": "/hook/",
        }
    )
    assert custom.webhook_route == "hook"


def test_durations_accept_units() -> None:
    assert Settings.from_env({"IDLE_RESUME_AFTER": "90m"}).idle_resume_after == timedelta(
        minutes=90
    )
    assert Settings.from_env({"IDLE_RESUME_AFTER": "1d"}).idle_resume_after == timedelta(days=1)
    assert Settings.from_env({"IDLE_RESUME_AFTER": "45"}).idle_resume_after == timedelta(seconds=45)
