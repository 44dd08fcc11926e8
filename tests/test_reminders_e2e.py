"""Reminders end to end: the real service and adapter against the fake Bot API server.

A short plan (a reminder every 0.4 s for 2 s) and a fast sweep keep these tests quick; the
arithmetic itself is tested with an injected clock in test_reminders*.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from bot.config import Settings
from bot.hydration import Hydration
from bot.pacing import Pacer
from bot.reminders import Plan
from bot.service import Service
from bot.store import open_store
from bot.telegram_adapter import App, ChatService, Delivery, build_application, running
from conftest import TEST_TOKEN
from fake_bot_api import Call, FakeBotApi
from shipped import shipped_content

FAST = Delivery(
    attempts=2, first_delay=0.01, max_delay=0.05, read_timeout=1.0, rate_limit_retries=1,
    poll_timeout=1.0,
)  # fmt: skip
PLAN = Plan(
    series_every=timedelta(seconds=0.4),
    series_for=timedelta(seconds=2.0),
    snooze_short=timedelta(seconds=1.0),
    catch_up_within=timedelta(minutes=5),
)
BUTTONS = ["I drank", "Snooze 30 min", "Snooze 1 hour", "Stop reminders"]


@asynccontextmanager
async def bot(fake: FakeBotApi, tmp_path: Path) -> AsyncIterator[App]:
    settings = Settings(
        telegram_token=TEST_TOKEN,
        telegram_api_base_url=fake.base_url,
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        reminder_sweep_every=timedelta(seconds=0.05),
    )

    async def factory(settings: Settings) -> ChatService:
        store = await open_store(settings)
        return Service(
            shipped_content(), store, hydration=Hydration(PLAN, shipped_content().hydration.atlas)
        )

    application = build_application(settings, factory, delivery=FAST)
    application.bot_data["relay"].pacer = Pacer(100.0, per_chat=0.0)
    async with running(application, settings):
        yield application


def reminders(fake: FakeBotApi, user: int = 1) -> list[Call]:
    return [c for c in fake.sent(user) if c.buttons == BUTTONS]


async def start_series(fake: FakeBotApi, user: int = 1) -> None:
    mark = fake.push_text(user, "just finished my run")
    offer = await fake.wait_for_text(user, "Shall I remind you", after=mark)
    mark = fake.push_press(user, offer, offer.buttons.index("Yes, remind me"))
    await fake.wait_for_text(user, "remind you to drink every", after=mark)


async def test_a_series_is_delivered(fake_bot_api: FakeBotApi, tmp_path: Path) -> None:
    fake = fake_bot_api
    async with bot(fake, tmp_path):
        await start_series(fake)
        await fake.wait_for_text(1, "Last one", timeout=5)
        await fake.settle(0.6)
    texts = [c.text for c in reminders(fake)]
    assert len(texts) == 5
    assert texts[0].startswith("💧 Time for a drink") and texts[-1].startswith("💧 Last one")


async def test_a_restart_mid_series_neither_loses_nor_repeats(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    fake = fake_bot_api
    async with bot(fake, tmp_path):
        await start_series(fake)
        await fake.wait_for_text(1, "Time for a drink", timeout=5)
    assert len(reminders(fake)) == 1
    async with bot(fake, tmp_path):  # the same database, a new process state
        await fake.wait_for_text(1, "Last one", timeout=5)
        await fake.settle(0.6)
    assert len(reminders(fake)) == 5


async def test_snooze_then_stop(fake_bot_api: FakeBotApi, tmp_path: Path) -> None:
    fake = fake_bot_api
    async with bot(fake, tmp_path):
        await start_series(fake)
        first = await fake.wait_for_text(1, "Time for a drink", timeout=5)
        mark = fake.push_press(1, first, BUTTONS.index("Snooze 30 min"))
        await fake.wait_for_text(1, "Snoozed", after=mark)
        loop = asyncio.get_running_loop()
        snoozed_at = loop.time()
        again = await fake.wait_for_text(1, "💧", after=mark + 1, timeout=5)
        assert loop.time() - snoozed_at > 0.8  # not at the next 0.4 s slot
        mark = fake.push_press(1, again, BUTTONS.index("Stop reminders"))
        await fake.wait_for_text(1, "All reminders are off", after=mark)
        count = len(reminders(fake))
        await asyncio.sleep(1.5)
    assert len(reminders(fake)) == count


async def test_a_person_who_blocked_the_bot_stops_receiving(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    fake = fake_bot_api
    async with bot(fake, tmp_path) as app:
        await start_series(fake, 1)
        await start_series(fake, 2)
        fake.fail("sendMessage", "403")  # the next message, a reminder to 1 or 2, is refused
        await asyncio.sleep(2.6)
        service = app.bot_data["relay"].service
        assert isinstance(service, Service)
        refused = [c for c in fake.calls if c.fault == "403"]
        (blocked,) = {c.chat_id for c in refused}
        assert blocked is not None
        assert await service.store.reminders(blocked) == []
    attempts = [c for c in fake.calls if c.method == "sendMessage" and c.chat_id == blocked]
    assert [c.fault for c in attempts if "💧" in c.text or c.fault] == ["403"]
    other = 2 if blocked == 1 else 1
    assert len(reminders(fake, other)) == 5
