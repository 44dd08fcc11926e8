"""KeyedLocks: one FIFO lock per key, dropped once idle, even after a cancelled wait."""

from __future__ import annotations

import asyncio

import pytest

from bot.locks import KeyedLocks


async def test_one_key_runs_in_arrival_order_and_keys_run_side_by_side() -> None:
    locks = KeyedLocks()
    log: list[tuple[str, int, int]] = []

    async def work(key: int, n: int) -> None:
        async with locks.hold(key):
            log.append(("start", key, n))
            await asyncio.sleep(0)
            log.append(("end", key, n))

    await asyncio.gather(*(work(key, n) for n in range(4) for key in (1, 2)))
    for key in (1, 2):
        mine = [(kind, n) for kind, k, n in log if k == key]
        assert mine == [(kind, n) for n in range(4) for kind in ("start", "end")]
    assert log[:2] == [("start", 1, 0), ("start", 2, 0)]  # key 2 did not wait for key 1
    assert len(locks) == 0


async def test_a_cancelled_wait_and_an_error_inside_leave_nothing_behind() -> None:
    locks = KeyedLocks()
    entered = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with locks.hold("k"):
            entered.set()
            await release.wait()

    first = asyncio.create_task(holder())
    await entered.wait()
    waiter = asyncio.create_task(locks.hold("k").__aenter__())
    await asyncio.sleep(0)
    assert len(locks) == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    release.set()
    await first
    assert len(locks) == 0
    with pytest.raises(RuntimeError):
        async with locks.hold("k"):
            raise RuntimeError("inside")
    assert len(locks) == 0
    async with locks.hold("k"):  # still usable
        assert len(locks) == 1


async def test_the_task_holding_a_key_may_hold_it_again_and_others_still_wait() -> None:
    locks = KeyedLocks()
    log: list[str] = []

    async def outer() -> None:
        async with locks.hold(7):
            log.append("outer")
            async with locks.hold(7):  # the turn inside the adapter's hold: no deadlock
                log.append("inner")
                await asyncio.sleep(0)
            log.append("outer again")
            await asyncio.sleep(0)
        log.append("released")

    async def other() -> None:
        await asyncio.sleep(0)
        async with locks.hold(7):
            log.append("other")

    await asyncio.gather(outer(), other())
    assert log == ["outer", "inner", "outer again", "released", "other"]
    assert len(locks) == 0
