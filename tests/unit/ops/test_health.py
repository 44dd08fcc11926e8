"""GET /healthz's verdict: the store answers its ping, and updates are arriving."""

from __future__ import annotations

import asyncio

from bot.errors import StoreError
from bot.service.health import Health
from bot.store import Store


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_every_store_answers_a_ping(store: Store) -> None:
    await store.ping()
    assert (await Health(store.ping).database()) == "ok"


async def test_a_closed_store_fails_the_database_check(store: Store) -> None:
    await store.close()
    if type(store).__name__ == "MemoryStore":
        return  # nothing to close: it always answers
    verdict = await Health(store.ping).check()
    assert not verdict.ok
    assert verdict.checks["database"].startswith("StoreError: The store is not open")


async def test_a_database_that_does_not_answer_in_time_fails() -> None:
    never = asyncio.Event()

    async def hangs() -> None:
        await never.wait()

    health = Health(hangs, ping_timeout=0.01)
    assert await health.database() == "no answer within 0.01 s"


async def test_a_failing_ping_is_named() -> None:
    async def refuses() -> None:
        raise StoreError("Could not reach PostgreSQL at db:5432")

    health = Health(refuses)
    health.webhook()
    verdict = await health.check()
    assert verdict.document() == {
        "status": "failing",
        "checks": {
            "database": "StoreError: Could not reach PostgreSQL at db:5432",
            "receiving": "ok",
        },
    }


async def test_polling_is_receiving_while_getupdates_answers_within_the_limit() -> None:
    clock = Clock()
    health = Health(poll_max_age=60, clock=clock)
    assert health.receiving() == "starting: not receiving updates yet"
    health.polling()  # the start counts as an answer: the first long poll may take a while
    clock.now += 60
    assert health.receiving() == "ok"
    clock.now += 15
    assert health.receiving() == "no getUpdates answer for 75 s (the limit is 60 s)"
    health.polled()
    assert health.receiving() == "ok"
    verdict = await health.check()
    assert verdict.ok and verdict.document() == {
        "status": "ok",
        "checks": {"database": "ok", "receiving": "ok"},
    }
    health.stopping()
    assert health.receiving() == "stopping: no longer receiving updates"


async def test_webhook_mode_is_receiving_once_the_server_is_up() -> None:
    health = Health()
    assert not (await health.check()).ok
    health.webhook()
    assert (await health.check()).ok
