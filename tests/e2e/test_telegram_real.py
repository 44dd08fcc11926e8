"""End to end with the real service: Telegram adapter + engine + SQLite, against the fake Bot API.

In process for conversations, faults and restarts; as a subprocess (`python -m bot run`) for
SIGKILL and SIGTERM, where the conversation must resume from the database.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot import app
from bot.service import Service
from tests.helpers.fake_bot_api import TEST_TOKEN, Call, FakeBotApi, fast_delivery, settings_for
from tests.helpers.paths import ROOT
from tests.helpers.shipped import shipped_library

FAST = fast_delivery()


@asynccontextmanager
async def real_bot(fake: FakeBotApi, tmp_path: Path) -> AsyncIterator[app.Running]:
    """The bot as `python -m bot run` wires it (bot/app.py), in this process."""
    settings = settings_for(fake, tmp_path)
    async with app.telegram(settings, library=shipped_library(), delivery=FAST) as running:
        yield running


def service_of(running: app.Running) -> Service:
    return running.service


async def ask(fake: FakeBotApi, user: int, text: str, expect: str) -> Call:
    """Send text; return the message with buttons (or text) that contains `expect`."""
    mark = fake.push_text(user, text)
    return await fake.wait_for_text(user, expect, after=mark)


async def press(fake: FakeBotApi, user: int, message: Call, label: str, expect: str) -> Call:
    mark = fake.push_press(user, message, message.buttons.index(label))
    return await fake.wait_for_text(user, expect, after=mark)


async def test_a_full_cramp_conversation(fake_bot_api: FakeBotApi, tmp_path: Path) -> None:
    fake = fake_bot_api
    async with real_bot(fake, tmp_path):
        menu = await ask(fake, 1, "/start", "What would you like to do?")
        where = await press(fake, 1, menu, "I have a cramp", "Where is the cramp?")
        assert "Calf" in where.buttons
        assert all(len(d.encode()) <= 64 for d in where.callback_data)
        timing = await press(fake, 1, where, "Calf", "right now")
        duration = await press(fake, 1, timing, "Cramping right now", "How long")
        severity = await press(fake, 1, duration, "Less than a minute", "How bad")
        context = await press(fake, 1, severity, "Mild (1-3)", "Did any of these apply")
        advice = await press(fake, 1, context, "Hot weather", "Care level")
        assert "Why did it happen?" in advice.buttons
        removed = [c for c in fake.calls if c.method == "editMessageReplyMarkup"]
        assert len(removed) == 6  # each pressed keyboard taken away

        mark = fake.push_text(1, "/history")
        photo = await fake.wait_for("sendPhoto", chat_id=1, after=mark)
        assert photo.files["photo"][1].startswith(b"\x89PNG")
        mark = fake.push_text(1, "/export")
        document = await fake.wait_for("sendDocument", chat_id=1, after=mark)
        assert b'"calf"' in document.files["document"][1]


async def test_red_flag_in_the_middle_comes_first(fake_bot_api: FakeBotApi, tmp_path: Path) -> None:
    fake = fake_bot_api
    async with real_bot(fake, tmp_path) as bot:
        menu = await ask(fake, 1, "/start", "What would you like to do?")
        await press(fake, 1, menu, "I have a cramp", "Where is the cramp?")
        mark = fake.push_text(1, "my calf cramps and I have chest pain")
        await fake.wait_for_text(1, "emergency", after=mark)
        await fake.wait_confirmed()
        await asyncio.wait_for(bot.telegram.application.update_queue.join(), 5)
        first = fake.texts(1, after=mark)[0]
        assert "emergency" in first and "chest pain" in first


async def test_stale_and_forged_buttons_are_refused(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    fake = fake_bot_api
    async with real_bot(fake, tmp_path):
        menu = await ask(fake, 1, "/start", "What would you like to do?")
        where = await press(fake, 1, menu, "I have a cramp", "Where is the cramp?")
        await press(fake, 1, where, "Calf", "right now")

        mark = fake.push_press(1, where, 1)  # an old question
        await fake.wait_for_text(1, "has passed", after=mark)
        reask = await fake.wait_for_text(1, "right now", after=mark)
        assert reask.buttons == ["Cramping right now", "Sore afterwards"]

        mark = fake.push_callback(1, "q|ask_timing|not-a-number", message=reask)
        await fake.wait_for("answerCallbackQuery", after=mark)
        await fake.wait_for_text(1, "has passed", after=mark)
        # the real question still works afterwards
        mark = fake.push_press(1, reask, 1)
        await fake.wait_for("editMessageReplyMarkup", after=mark)
        reply = await fake.wait_for("sendMessage", chat_id=1, after=mark)
        assert "has passed" not in reply.text


async def test_two_people_are_kept_apart(fake_bot_api: FakeBotApi, tmp_path: Path) -> None:
    fake = fake_bot_api
    async with real_bot(fake, tmp_path):
        menu_a = await ask(fake, 1, "/start", "What would you like to do?")
        menu_b = await ask(fake, 2, "/start", "What would you like to do?")
        where_a = await press(fake, 1, menu_a, "I have a cramp", "Where is the cramp?")
        where_b = await press(fake, 2, menu_b, "I have a cramp", "Where is the cramp?")
        await press(fake, 1, where_a, "Calf", "Is your calf")
        await press(fake, 2, where_b, "Back", "Is your back")
    assert not any("Is your back" in t for t in fake.texts(1))
    assert not any("Is your calf" in t for t in fake.texts(2))


async def test_restart_in_the_middle_of_a_conversation(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    fake = fake_bot_api
    async with real_bot(fake, tmp_path):
        menu = await ask(fake, 1, "/start", "What would you like to do?")
        where = await press(fake, 1, menu, "I have a cramp", "Where is the cramp?")
        timing = await press(fake, 1, where, "Calf", "right now")
    mark = fake.push_press(1, timing, 0)  # pressed while the bot is down
    async with real_bot(fake, tmp_path):
        await fake.wait_for_text(1, "How long", after=mark)


async def test_blocked_by_the_person_marks_them_inactive(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    fake = fake_bot_api
    async with real_bot(fake, tmp_path) as bot:
        await ask(fake, 1, "/start", "What would you like to do?")
        fake.fail("sendMessage", "403")
        mark = fake.push_text(1, "/help")
        await fake.wait_confirmed()
        await asyncio.wait_for(bot.telegram.application.update_queue.join(), 5)
        profile = await service_of(bot).store.load_profile(1)
        assert profile is not None and not profile.active
        assert [c.fault for c in fake.calls[mark:] if c.method == "sendMessage"] == ["403"]


@pytest.mark.parametrize("fault", ["429", "500", "hang"])
async def test_faults_lose_nothing_with_the_real_service(
    fake_bot_api: FakeBotApi, tmp_path: Path, fault: str
) -> None:
    fake = fake_bot_api
    async with real_bot(fake, tmp_path):
        fake.fail("sendMessage", fault, retry_after=1, hang=3)  # type: ignore[arg-type]
        menu = await ask(fake, 1, "/start", "What would you like to do?")
        await press(fake, 1, menu, "I have a cramp", "Where is the cramp?")
    attempts = [c for c in fake.calls if c.method == "sendMessage"]
    assert attempts[0].fault == fault
    assert all(c.fault is None for c in attempts[1:])
    assert fake.texts(1)[0].startswith("Hi, I'm Cramp Coach")  # the failed one came through
    assert len(fake.texts(1)) == len(attempts) - 1  # every message delivered once


# As a process -----------------------------------------------------------------------------------


def bot_command() -> list[str]:
    return [sys.executable, "-m", "bot", "run"]


async def start_bot(
    fake: FakeBotApi, tmp_path: Path, log: Path, token: str = TEST_TOKEN
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}",
        LOG_LEVEL="DEBUG",
    )
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            *bot_command(), cwd=ROOT, env=env, stdout=out, stderr=out
        )
    return process


async def stop(process: asyncio.subprocess.Process, sig: int) -> int:
    if process.returncode is None:
        process.send_signal(sig)
    return await asyncio.wait_for(process.wait(), 15)


async def test_sigkill_mid_conversation_then_resume(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    fake = fake_bot_api
    log = tmp_path / "bot.log"
    process = await start_bot(fake, tmp_path, log)
    try:
        menu = await ask(fake, 1, "/start", "What would you like to do?")
        where = await press(fake, 1, menu, "I have a cramp", "Where is the cramp?")
        timing = await press(fake, 1, where, "Calf", "right now")
        await fake.wait_confirmed()  # else the press comes again after the restart
    finally:
        await stop(process, signal.SIGKILL)

    mark = fake.push_press(1, timing, 0)  # arrives while nothing runs
    process = await start_bot(fake, tmp_path, log)
    try:
        duration = await fake.wait_for_text(1, "How long", after=mark, timeout=15)
        await press(fake, 1, duration, "A few minutes", "How bad")
    finally:
        assert await stop(process, signal.SIGTERM) == 0
    assert TEST_TOKEN.split(":", 1)[1] not in log.read_text()


async def test_sigterm_shuts_down_cleanly(fake_bot_api: FakeBotApi, tmp_path: Path) -> None:
    fake = fake_bot_api
    log = tmp_path / "bot.log"
    process = await start_bot(fake, tmp_path, log)
    try:
        await ask(fake, 1, "/start", "What would you like to do?")
    finally:
        code = await stop(process, signal.SIGTERM)
    output = log.read_text()
    assert code == 0, output
    assert "Store closed" in output
    assert fake.pending_updates == []  # the last offset was confirmed on the way out
    assert TEST_TOKEN.split(":", 1)[1] not in output
    assert "[REDACTED]" in output  # DEBUG logs mention the API URL, token masked


async def test_a_rejected_token_exits_with_a_message_that_does_not_show_it(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    log = tmp_path / "bot.log"
    wrong = "654321:WRONG-token-0123456789abcdefghij"
    process = await start_bot(fake_bot_api, tmp_path, log, token=wrong)
    code = await asyncio.wait_for(process.wait(), 15)
    output = log.read_text()
    assert code == 5, output
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in output
    assert wrong.split(":", 1)[1] not in output


async def test_telegram_out_of_reach_stops_start_up_in_two_lines(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL="http://127.0.0.1:1",  # nothing listens on port 1
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}",
        LOG_LEVEL="ERROR",
    )
    process = await asyncio.create_subprocess_exec(
        *bot_command(), cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    text = err.decode()
    assert process.returncode == 4, text
    assert "Telegram cannot be reached at http://127.0.0.1:1" in text
    assert "Traceback" not in text and len(text.strip().splitlines()) <= 2
