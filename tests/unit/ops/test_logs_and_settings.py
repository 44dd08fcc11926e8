"""LOG_FORMAT=json (one JSON object a line, the token still redacted) and the settings
of the operations part: LOG_FORMAT, HEALTH_PORT, HEALTH_HOST, HEALTH_POLL_MAX_AGE."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.app import JsonLines
from bot.channels.telegram.redaction import REDACTED, redact_secrets_in_logs
from bot.config import Settings
from bot.errors import ConfigError

TOKEN = "123456:AAHsecret-half_0123456789abcdef"


@pytest.fixture
def json_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("tests.ops.json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, out
    logger.removeHandler(handler)


def test_each_record_is_one_json_object_on_one_line(
    json_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = json_log
    logger.info("two\nlines and ünïcode %s", "here")
    try:
        raise ValueError("broken")
    except ValueError:
        logger.exception("It failed")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["message"] == "two\nlines and ünïcode here"
    assert first["level"] == "INFO" and first["logger"] == "tests.ops.json"
    assert first["time"].endswith("Z") and "T" in first["time"]
    assert second["level"] == "ERROR" and second["message"] == "It failed"
    assert (
        second["exception"].startswith("Traceback") and "ValueError: broken" in second["exception"]
    )


def test_the_token_is_redacted_in_json_lines_too(
    json_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = json_log
    undo = redact_secrets_in_logs(TOKEN, "webhook-secret-value")
    try:
        logger.info("calling https://api.telegram.org/bot%s/getMe", TOKEN)
        try:
            raise RuntimeError(f"no answer from /bot{TOKEN}/getUpdates, webhook-secret-value")
        except RuntimeError:
            logger.exception("Polling failed for %s", TOKEN.split(":")[1])
    finally:
        undo()
    text = out.getvalue()
    assert TOKEN.split(":")[1] not in text and "webhook-secret-value" not in text
    records = [json.loads(line) for line in text.splitlines()]
    assert records[0]["message"] == f"calling https://api.telegram.org/bot{REDACTED}/getMe"
    assert REDACTED in records[1]["message"] and REDACTED in records[1]["exception"]


def test_operations_settings_default_and_read() -> None:
    default = Settings.from_env({})
    assert (default.log_format, default.health_port, default.health_host) == (
        "text",
        None,
        "0.0.0.0",
    )
    assert default.health_poll_max_age == timedelta(seconds=60)
    read = Settings.from_env(
        {
            "LOG_FORMAT": "JSON",
            "HEALTH_PORT": "9100",
            "HEALTH_HOST": "127.0.0.1",
            "HEALTH_POLL_MAX_AGE": "2m",
        }
    )
    assert (read.log_format, read.health_port, read.health_host) == ("json", 9100, "127.0.0.1")
    assert read.health_poll_max_age == timedelta(minutes=2)


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"LOG_FORMAT": "yaml"}, ["LOG_FORMAT", "text", "json"]),
        ({"HEALTH_PORT": "70000"}, ["HEALTH_PORT", "1 to 65535"]),
        ({"HEALTH_PORT": "http"}, ["HEALTH_PORT"]),
        ({"HEALTH_POLL_MAX_AGE": "soon"}, ["HEALTH_POLL_MAX_AGE", "90s"]),
        ({"WEBHOOK_PATH": "/healthz"}, ["WEBHOOK_PATH", "health checks"]),
    ],
)
def test_a_bad_operations_setting_is_named(environ: dict[str, str], words: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(environ)
    for word in words:
        assert word in str(caught.value)
