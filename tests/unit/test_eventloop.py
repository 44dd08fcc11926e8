"""bot.eventloop: uvloop when installed, asyncio's own loop otherwise; the same result."""

from __future__ import annotations

import asyncio

import pytest

from bot import eventloop


async def which_loop() -> str:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop()).__module__


def test_runs_on_uvloop_when_it_is_installed() -> None:
    uvloop = pytest.importorskip("uvloop")
    assert eventloop.name() == "uvloop"
    assert eventloop.run(which_loop()) == uvloop.Loop.__module__


def test_falls_back_to_asyncio_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(eventloop, "uvloop", None)
    assert eventloop.name() == "asyncio"
    assert eventloop.run(which_loop()).startswith("asyncio")


def test_a_thread_hop_answers_on_either_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """What aiosqlite does for every query: work in a thread, answer through the loop."""

    async def hop() -> int:
        return await asyncio.to_thread(sum, range(10))

    assert eventloop.run(hop()) == 45
    monkeypatch.setattr(eventloop, "uvloop", None)
    assert eventloop.run(hop()) == 45
