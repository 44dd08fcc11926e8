"""Operations end to end: /healthz and /metrics in polling and webhook mode, JSON logs from
`python -m bot run`, and every start-up error of issue 12 in one or two lines with its exit
status, each through `python -m bot run` as a subprocess.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot import app
from bot.channels.telegram.application import ALLOWED_UPDATES
from bot.config import Settings
from bot.errors import ConfigError
from tests.helpers.fake_bot_api import (
    TEST_TOKEN,
    FakeBotApi,
    fast_delivery,
    free_port,
    settings_for,
    webhook_settings,
    webhook_update,
)
from tests.helpers.paths import ROOT
from tests.helpers.postgres import PostgresServer
from tests.helpers.shipped import shipped_library

FAST = fast_delivery()
SECRET = "s3cret-Value_1"


@asynccontextmanager
async def bot(settings: Settings) -> AsyncIterator[app.Running]:
    async with app.telegram(settings, library=shipped_library(), delivery=FAST) as running:
        yield running


async def get(port: int, path: str) -> tuple[int, str, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, response.headers["Content-Type"], await response.text()


def metric(text: str, name: str) -> float:
    """The value of the sample `name` (with its labels, as printed) in /metrics' text."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} is not in /metrics")


async def test_polling_health_and_metrics_on_health_port(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    fake = fake_bot_api
    port = free_port()
    settings = settings_for(fake, tmp_path, health_port=port, health_host="127.0.0.1")
    async with bot(settings) as running:
        status, content_type, body = await get(port, "/healthz")
        assert (status, content_type) == (200, "application/json")
        assert json.loads(body) == {"status": "ok", "checks": {"database": "ok", "receiving": "ok"}}

        mark = fake.push_text(1, "/start")
        await fake.wait_for_text(1, "What would you like to do?", after=mark)
        await asyncio.wait_for(running.telegram.application.update_queue.join(), 5)
        status, content_type, text = await get(port, "/metrics")
        assert status == 200 and content_type.startswith("text/plain")
        assert metric(text, "cramp_updates_received_total") == 1
        assert metric(text, "cramp_updates_handled_total") == 1
        assert metric(text, "cramp_turn_seconds_count") == 1
        assert metric(text, 'cramp_reminders_total{outcome="sent"}') == 0

        # Telegram silent for longer than the limit: no getUpdates answer to count.
        health = running.telegram.health
        now = health.clock()
        health.clock = lambda: now + settings.health_poll_max_age.total_seconds() + 1
        status, _, body = await get(port, "/healthz")
        assert status == 503
        assert json.loads(body)["checks"]["receiving"].startswith("no getUpdates answer for 61 s")
        health.clock = lambda: now

        await running.service.store.close()  # the database stops answering
        status, _, body = await get(port, "/healthz")
        assert status == 503
        verdict = json.loads(body)
        assert verdict["status"] == "failing" and verdict["checks"]["receiving"] == "ok"
        assert verdict["checks"]["database"].startswith("StoreError: The store is not open")


async def test_without_health_port_polling_serves_no_http(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    async with bot(settings_for(fake_bot_api, tmp_path)) as running:
        assert running.telegram.health.receiving() == "ok"
        assert not any(c.method == "setWebhook" for c in fake_bot_api.calls)


async def test_webhook_port_serves_the_webhook_health_and_metrics(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    fake = fake_bot_api
    settings = webhook_settings(fake, tmp_path, SECRET)
    port = settings.port
    update = webhook_update(70, 9, "/start")
    hook = f"http://127.0.0.1:{port}/{settings.webhook_route}"
    async with bot(settings) as running, aiohttp.ClientSession() as http:
        status, _, body = await get(port, "/healthz")
        assert status == 200 and json.loads(body)["checks"]["receiving"] == "ok"
        set_webhook = await fake.wait_for("setWebhook")
        assert set_webhook.params["url"] == hook
        assert set_webhook.json("allowed_updates") == list(ALLOWED_UPDATES)

        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with http.post(hook, data=b"{not json", headers=headers) as response:
            assert response.status == 400
        async with http.post(hook, json=update, headers=headers) as response:
            assert response.status == 200
        await fake.wait_for_text(9, "What would you like to do?")
        await asyncio.wait_for(running.telegram.application.update_queue.join(), 5)
        status, _, text = await get(port, "/metrics")
        assert status == 200
        assert metric(text, "cramp_updates_received_total") == 1
        assert metric(text, "cramp_updates_handled_total") == 1


async def test_a_port_in_use_stops_start_up_naming_the_setting(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = settings_for(fake_bot_api, tmp_path, health_port=port, health_host="127.0.0.1")
        with pytest.raises(ConfigError) as caught:
            async with bot(settings):
                pass
    assert f"HEALTH_PORT={port}: cannot listen on 127.0.0.1:{port}" in str(caught.value)


# As a process ---------------------------------------------------------------------------------


def environment(**settings: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WEBHOOK_", "TELEGRAM_", "HEALTH_", "LOG_", "DATABASE_"))
    }
    env.update(settings)
    return env


async def run_bot(env: dict[str, str]) -> tuple[int, str]:
    """`python -m bot run` to its end: its exit status and what it wrote to stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert out == b""
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_run_with_json_logs_and_health_port(fake_bot_api: FakeBotApi, tmp_path: Path) -> None:
    fake = fake_bot_api
    port = free_port()
    env = environment(
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=fake.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}",
        LOG_FORMAT="json",
        LOG_LEVEL="DEBUG",  # python-telegram-bot's DEBUG lines name the API URL, token and all
        HEALTH_PORT=str(port),
        HEALTH_HOST="127.0.0.1",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE
    )
    try:
        mark = fake.push_text(1, "/start")
        await fake.wait_for_text(1, "What would you like to do?", after=mark, timeout=30)
        status, _, body = await get(port, "/healthz")
        assert status == 200, body
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    lines = err.decode().splitlines()
    records: list[dict[str, Any]] = [json.loads(line) for line in lines]  # every line is JSON
    assert {"time", "level", "logger", "message"} <= set(records[0])
    messages = [r["message"] for r in records]
    assert any(m.startswith("Health checks and metrics on 127.0.0.1") for m in messages)
    assert "Store closed" in messages
    assert TEST_TOKEN.split(":", 1)[1] not in err.decode()
    assert any("[REDACTED]" in m for m in messages)


def telegram_env(tmp_path: Path, base_url: str, **more: str) -> dict[str, str]:
    env = environment(
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}",
    )
    env.update(more)
    return env


NOWHERE = "http://127.0.0.1:1"  # nothing listens on port 1


@pytest.mark.parametrize(
    ("database_url", "code", "says"),
    [
        ("sqlite://foo.db", 2, "names a host; SQLite needs none"),
        ("sqlite:///x.db?mode=ro", 2, "has options after the file name"),
        ("sqlite:///missing/dir/x.db", 2, "the folder 'missing/dir' does not exist. Create it"),
        ("mysql://user@db/coach", 2, "uses 'mysql', which this version does not support"),
        ("postgresql://postgres@127.0.0.1:1/coach", 3, "Could not reach PostgreSQL"),
    ],
)
async def test_a_database_url_that_cannot_work_stops_start_up_in_two_lines(
    tmp_path: Path, database_url: str, code: int, says: str
) -> None:
    env = telegram_env(tmp_path, NOWHERE, DATABASE_URL=database_url)
    status, err = await run_bot(env)
    assert status == code, err
    assert says in err and "DATABASE_URL" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2, err
    assert not (ROOT / "x.db?mode=ro").exists() and not (ROOT / "missing").exists()


async def test_postgresql_refusing_the_login_stops_start_up_in_two_lines(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    host = postgres_server.url.split("@", 1)[1]  # host:port/database
    env = telegram_env(tmp_path, NOWHERE, DATABASE_URL=f"postgresql://no_such_role_x@{host}")
    status, err = await run_bot(env)
    assert status == 3, err
    assert "refused the login" in err and "Fix the user name and password in DATABASE_URL" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2, err


async def test_a_webhook_url_that_is_not_https_stops_start_up_in_one_line(tmp_path: Path) -> None:
    env = telegram_env(
        tmp_path, NOWHERE, WEBHOOK_URL="http://coach.example.org", WEBHOOK_SECRET=SECRET
    )
    status, err = await run_bot(env)
    assert status == 2, err
    assert err.startswith(
        "Configuration error: WEBHOOK_URL='http://coach.example.org' is not https"
    )
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("webhook", [False, True])
async def test_telegram_out_of_reach_stops_start_up_with_status_4(
    tmp_path: Path, webhook: bool
) -> None:
    more = {"WEBHOOK_URL": "https://coach.example.org", "WEBHOOK_SECRET": SECRET} if webhook else {}
    status, err = await run_bot(telegram_env(tmp_path, NOWHERE, **more))
    assert status == 4, err
    assert "Telegram cannot be reached at http://127.0.0.1:1" in err
    errors = [line for line in err.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "Traceback" not in err, err  # the retries before it: warnings


async def test_a_refused_token_stops_start_up_with_status_5_in_json(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    wrong = "654321:WRONG-token-0123456789abcdefghij"
    env = telegram_env(tmp_path, fake_bot_api.base_url, LOG_FORMAT="json")
    env["TELEGRAM_BOT_TOKEN"] = wrong
    status, err = await run_bot(env)
    assert status == 5, err
    records = [json.loads(line) for line in err.splitlines()]  # every line is JSON
    (error,) = [r for r in records if r["level"] == "ERROR"]  # before it: progress at INFO
    assert error["message"].startswith("Telegram rejected TELEGRAM_BOT_TOKEN")
    assert wrong.split(":", 1)[1] not in err


async def test_a_bad_setting_with_json_logs_is_one_json_line(tmp_path: Path) -> None:
    env = telegram_env(tmp_path, NOWHERE, LOG_FORMAT="json", HEALTH_PORT="99999")
    status, err = await run_bot(env)
    assert status == 2, err
    (record,) = [json.loads(line) for line in err.splitlines()]
    assert record["level"] == "ERROR"
    assert record["message"].startswith("Configuration error: HEALTH_PORT='99999'")
