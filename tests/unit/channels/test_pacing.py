"""Pacing with a fake clock: the overall rate, 1 s per chat, replies first, 429 pauses."""

from __future__ import annotations

import asyncio

import pytest

from bot.channels.telegram.pacing import Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def pacer(t: FakeTime, rate: float = 30.0, **options: float) -> Pacer:
    return Pacer(rate, clock=t.clock, sleep=t.sleep, **options)


async def test_the_overall_rate_is_kept() -> None:
    t = FakeTime()
    p = pacer(t, 30.0)
    for chat in range(300):
        await p.acquire(chat)
    assert t.now == pytest.approx(299 / 30, rel=0.01)  # 300 sends in ~10 s


async def test_one_chat_gets_at_most_one_a_second() -> None:
    t = FakeTime()
    p = pacer(t, 30.0)
    for _ in range(5):
        await p.acquire(7)
    assert t.now == pytest.approx(4.0)


async def test_replies_spend_the_budget_and_never_wait() -> None:
    t = FakeTime()
    p = pacer(t, 10.0)
    for chat in range(20):
        p.take(chat)  # a burst of replies: no waiting, the bucket goes into debt
    assert t.now == 0.0
    await p.acquire(100)  # the reminder waits until the debt is paid back
    assert t.now == pytest.approx(2.0, rel=0.01)


async def test_reminders_hold_back_while_a_reply_is_in_flight() -> None:
    t = FakeTime()
    p = pacer(t, 30.0, max_yield=0.5)
    with p.interactive():
        await p.acquire(1)
    assert 0.5 <= t.now < 0.6  # waited for the reply, but not forever


async def test_a_429_pauses_every_reminder() -> None:
    t = FakeTime()
    p = pacer(t, 30.0)
    p.pause(3.0)
    await p.acquire(1)
    assert t.now == pytest.approx(3.0)


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="rate"):
        Pacer(0)


async def test_one_chats_spacing_does_not_hold_up_other_chats() -> None:
    pacer = Pacer(rate=1000.0, per_chat=1.0)
    pacer.take(1)  # person 1 was just answered: their reminder must wait about 1 s
    loop = asyncio.get_running_loop()
    started = loop.time()
    waiting = asyncio.create_task(pacer.acquire(1))
    await asyncio.sleep(0.01)
    await asyncio.wait_for(pacer.acquire(2), timeout=0.5)  # not stuck behind chat 1
    assert loop.time() - started < 0.5
    await waiting
    assert loop.time() - started >= 0.9
