"""Reminders end to end: the real service and adapter against the fake Bot API server.

The service runs on an injected clock that each test moves forward by hand, one
reminder slot at a time, waiting for what the real sweep (every 0.05 s) sends. So
the shipped plan (every 20 minutes for 2 hours) plays out in a second, and a slow
machine cannot make a slot pass unseen. The arithmetic is tested in test_reminders*.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from bot import app
from bot.channels.telegram.pacing import Pacer
from bot.channels.telegram.requests import Delivery
from tests.helpers.clock import Clock
from tests.helpers.fake_bot_api import Call, FakeBotApi, settings_for
from tests.helpers.shipped import shipped_library

FAST = Delivery(
    attempts=2, first_delay=0.01, max_delay=0.05, read_timeout=1.0, rate_limit_retries=1,
    poll_timeout=1.0,
)  # fmt: skip
SLOT = timedelta(minutes=20)  # the shipped series: every 20 minutes for 2 hours
SERIES = 6
BUTTONS = ["I drank", "Snooze 30 min", "Snooze 1 hour", "Stop reminders"]


@asynccontextmanager
async def bot(fake: FakeBotApi, tmp_path: Path, clock: Clock) -> AsyncIterator[app.Running]:
    """The bot as bot/app.py wires it (service, adapter, sweep), on a clock the test moves."""
    settings = settings_for(fake, tmp_path, reminder_sweep_every=timedelta(seconds=0.05))
    async with app.telegram(
        settings,
        library=shipped_library(),
        clock=clock,
        delivery=FAST,
        pacer=Pacer(100.0, per_chat=0.0),
    ) as running:
        yield running


def reminders(fake: FakeBotApi, user: int = 1) -> list[Call]:
    return [c for c in fake.sent(user) if c.buttons == BUTTONS]


async def start_series(fake: FakeBotApi, user: int = 1) -> None:
    mark = fake.push_text(user, "just finished my run")
    offer = await fake.wait_for_text(user, "Shall I remind you", after=mark)
    mark = fake.push_press(user, offer, offer.buttons.index("Yes, remind me"))
    await fake.wait_for_text(user, "remind you to drink every", after=mark)


async def next_reminder(fake: FakeBotApi, clock: Clock, user: int = 1) -> Call:
    """Move the clock one slot on and wait for the reminder the sweep sends for it."""
    mark = fake.mark()
    clock.now += SLOT
    return await fake.wait_for_text(user, "💧", after=mark, timeout=5)


async def nothing_sent(fake: FakeBotApi, user: int = 1) -> bool:
    mark = fake.mark()
    await asyncio.sleep(0.3)  # several sweeps
    return not [c for c in fake.sent(user, after=mark) if "💧" in c.text]


async def test_a_series_is_delivered(fake_bot_api: FakeBotApi, tmp_path: Path) -> None:
    fake, clock = fake_bot_api, Clock()
    async with bot(fake, tmp_path, clock):
        await start_series(fake)
        assert await nothing_sent(fake)  # the first one is 20 minutes away
        texts = [(await next_reminder(fake, clock)).text for _ in range(SERIES)]
        clock.now += 3 * SLOT
        assert await nothing_sent(fake)  # the series is over
    assert len(reminders(fake)) == SERIES
    assert texts[0].startswith("💧 Time for a drink")
    assert texts[-1].startswith("💧 Last one")


async def test_a_restart_mid_series_neither_loses_nor_repeats(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    fake, clock = fake_bot_api, Clock()
    async with bot(fake, tmp_path, clock):
        await start_series(fake)
        await next_reminder(fake, clock)
        await next_reminder(fake, clock)
    assert len(reminders(fake)) == 2
    async with bot(fake, tmp_path, clock):  # the same database, a new process state
        assert await nothing_sent(fake)  # nothing sent twice after the restart
        for _ in range(SERIES - 2):
            await next_reminder(fake, clock)
        assert await nothing_sent(fake)
    texts = [c.text for c in reminders(fake)]
    assert len(texts) == SERIES and texts[-1].startswith("💧 Last one")


async def test_after_downtime_one_catch_up_not_a_flood(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    fake, clock = fake_bot_api, Clock()
    async with bot(fake, tmp_path, clock):
        await start_series(fake)
    clock.now += 3 * SLOT + timedelta(minutes=5)  # down while three slots passed
    async with bot(fake, tmp_path, clock):
        await fake.wait_for_text(1, "💧", timeout=5)
        assert await nothing_sent(fake)
    assert len(reminders(fake)) == 1


async def test_snooze_then_stop(fake_bot_api: FakeBotApi, tmp_path: Path) -> None:
    fake, clock = fake_bot_api, Clock()
    async with bot(fake, tmp_path, clock):
        await start_series(fake)
        first = await next_reminder(fake, clock)
        sent_at = clock.now
        mark = fake.push_press(1, first, BUTTONS.index("Snooze 1 hour"))
        await fake.wait_for_text(1, "Snoozed", after=mark)
        clock.now += SLOT  # the next slot is inside the snooze
        assert await nothing_sent(fake)
        mark = fake.mark()
        clock.now = sent_at + timedelta(hours=1)
        again = await fake.wait_for_text(1, "💧", after=mark, timeout=5)
        mark = fake.push_press(1, again, BUTTONS.index("Stop reminders"))
        await fake.wait_for_text(1, "All reminders are off", after=mark)
        count = len(reminders(fake))
        clock.now += 4 * SLOT
        assert await nothing_sent(fake)
    assert len(reminders(fake)) == count


async def test_a_person_who_blocked_the_bot_stops_receiving(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    fake, clock = fake_bot_api, Clock()
    async with bot(fake, tmp_path, clock) as running:
        await start_series(fake, 1)
        await start_series(fake, 2)
        fake.fail("sendMessage", "403")  # the next message, a reminder to 1 or 2, is refused
        mark = fake.mark()
        clock.now += SLOT
        await fake.wait_for("sendMessage", lambda c: c.fault is None, after=mark, timeout=5)
        await fake.settle(0.2)
        refused = [c for c in fake.calls if c.fault == "403"]
        (blocked,) = {c.chat_id for c in refused}
        other = 2 if blocked == 1 else 1
        for _ in range(SERIES - 1):
            await next_reminder(fake, clock, other)
        assert await running.service.store.reminders(blocked) == []
    attempts = [c for c in fake.calls if c.method == "sendMessage" and c.chat_id == blocked]
    assert [c.fault for c in attempts if "💧" in c.text or c.fault] == ["403"]
    assert len(reminders(fake, other)) == SERIES
