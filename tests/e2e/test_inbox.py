"""The durable inbox and outbox in one process, against the fake Bot API (issue 12).

The kills, cut connections and full disks are in test_faults.py, through real processes;
here each mechanism on its own: an update kept before it is handled and handled once, a
turn that fails rolled back whole, a reply that cannot be sent kept until it can, one
poller per database.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from telegram import Update

from bot import app
from bot.channels.telegram.inbox import Inbox
from bot.config import Settings
from bot.errors import AlreadyPolling
from bot.locks import KeyedLocks
from bot.service.metrics import Metrics
from bot.store import SqliteStore
from bot.store.mailbox import Incoming, Outgoing
from tests.helpers.fake_bot_api import (
    TEST_TOKEN,
    FakeBotApi,
    fast_delivery,
    settings_for,
    webhook_settings,
    webhook_update,
)
from tests.helpers.paths import ROOT
from tests.helpers.shipped import shipped_library

FAST = fast_delivery()
SECRET = "s3cret-Value_1"
DRINK = "That's {n} drink"


@asynccontextmanager
async def bot(settings: Settings) -> AsyncIterator[app.Running]:
    async with app.telegram(settings, library=shipped_library(), delivery=FAST) as running:
        yield running


async def settled(running: app.Running) -> None:
    await asyncio.wait_for(running.telegram.application.update_queue.join(), 5)


async def test_an_update_posted_twice_is_handled_once(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    fake = fake_bot_api
    settings = webhook_settings(fake, tmp_path, SECRET)
    hook = f"http://127.0.0.1:{settings.port}/{settings.webhook_route}"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with bot(settings) as running, aiohttp.ClientSession() as http:
        for update_id in (1, 1, 2, 1, 2):  # Telegram resends what it thinks was not taken
            update = webhook_update(update_id, 5, "i drank")
            async with http.post(hook, json=update, headers=headers) as response:
                assert response.status == 200
        await fake.wait_for_text(5, DRINK.format(n=2) + "s today")
        await settled(running)
        await fake.settle(0.3)
        assert running.telegram.outbox is not None
        assert await running.service.store.intake(5) != []
        assert len(await running.service.store.intake(5)) == 2
    drinks = [t for t in fake.texts(5) if "drink" in t and "today" in t]
    assert len(drinks) == 2, drinks


async def test_updates_kept_before_a_crash_are_handled_first_at_start(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    """What a process kept and did not handle (it died) is handled when the next starts,
    in order, before anything new; so are replies it queued and did not send."""
    fake = fake_bot_api
    settings = settings_for(fake, tmp_path)
    async with SqliteStore(tmp_path / "db.sqlite") as store:
        await store.receive_updates(
            [
                Incoming(n, 8, json.dumps(webhook_update(n, 8, text)))
                for n, text in ((101, "/start"), (102, "i drank"), (103, "i drank"))
            ],
            app.utc_now(),
        )
        await store.queue_messages([Outgoing(9, 9, "text", "a reply from before")], app.utc_now())
    mark = fake.mark()
    fake.continue_after(103)  # what comes now is newer than what was kept
    fake.push_text(8, "i drank")
    async with bot(settings) as running:
        await fake.wait_for_text(8, DRINK.format(n=3) + "s today", after=mark)
        await fake.wait_for_text(9, "a reply from before", after=mark)
        await settled(running)
        assert await running.service.store.pending_updates() == []
        assert await running.service.store.queued_messages() == []
    texts = [t for t in fake.texts(8, after=mark)]
    assert "not a doctor" in texts[0].lower()  # /start, kept first, answered first
    counts = [t for t in texts if "today" in t]
    assert len(counts) == 3 and "3 drinks" in counts[-1], texts


async def test_a_turn_that_fails_is_rolled_back_retried_and_given_up(
    fake_bot_api: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_bot_api
    async with bot(settings_for(fake, tmp_path)) as running:
        store = running.service.store
        real = store.log_intake
        failures = 0

        async def broken(user_id: int, at: object) -> None:
            nonlocal failures
            await real(user_id, at)  # type: ignore[arg-type]  # written, then the turn fails
            failures += 1
            raise RuntimeError("a bug after the drink was written")

        monkeypatch.setattr(store, "log_intake", broken)
        mark = fake.push_text(4, "i drank")
        await fake.wait_for_text(4, "Sorry", after=mark)
        inbox = running.telegram.inbox
        for _ in range(3):  # the inbox rounds try it again, then give up
            await inbox.round(running.telegram.application.update_queue, everything=True)
            await settled(running)
        # Once as it arrived (in the transaction that would have kept it), then the
        # three attempts counted: the first at once, two at the rounds.
        assert failures == 4
        assert await store.pending_updates() == []  # given up on
        monkeypatch.undo()
        assert await store.intake(4) == []  # every attempt rolled back whole
        mark = fake.push_text(4, "i drank")
        await fake.wait_for_text(4, DRINK.format(n=1) + " today", after=mark)
        await settled(running)
    texts = running.service.texts()
    sorry = [t for t in fake.texts(4) if t.startswith("Sorry")]
    assert sorry == [texts.say("retrying"), texts.say("gave_up")]


async def test_a_reply_telegram_cannot_take_stays_queued_until_it_can(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    fake = fake_bot_api
    async with bot(settings_for(fake, tmp_path)) as running:
        fake.fail("sendMessage", "500", times=FAST.attempts)  # every retry of one send
        mark = fake.push_text(6, "/start")
        await fake.wait_for("sendMessage", lambda c: c.fault == "500", after=mark, delivered=False)
        await settled(running)
        await fake.settle(0.2)
        assert [m.chat_id for m in await running.service.store.queued_messages()] == [6]
        await running.telegram.inbox.round(running.telegram.application.update_queue)
        await fake.wait_for_text(6, "What would you like to do?", after=mark)
        assert await running.service.store.queued_messages() == []


async def test_a_second_poller_on_the_same_database_is_refused(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    fake = fake_bot_api
    settings = settings_for(fake, tmp_path)
    async with bot(settings):
        with pytest.raises(AlreadyPolling, match="Another process is already polling"):
            async with bot(settings):
                pass
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "DATABASE_URL": settings.database_url,
        }
        second = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(second.communicate(), 60)
    message = stderr.decode()
    assert second.returncode == app.EXIT_ANOTHER_POLLER, message
    assert "already polling" in message and "WEBHOOK_URL" in message
    assert len(message.strip().splitlines()) <= 2, message


async def test_a_failed_message_does_not_hold_up_the_next_ones(
    fake_bot_api: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Order is kept, except around a message that failed: it is tried again on its own
    turn, and the person's later messages are answered meanwhile."""
    fake = fake_bot_api
    async with bot(settings_for(fake, tmp_path)) as running:
        service = running.service
        real = service.handle

        failures = 0

        async def flaky(user_id: int, text: str, **kwargs: object) -> object:
            nonlocal failures
            if text == "i drank" and failures < 2:  # as it arrives, and handled at once
                failures += 1
                raise RuntimeError("fails twice")
            return await real(user_id, text, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(service, "handle", flaky)
        mark = fake.push_text(3, "i drank")
        await fake.wait_for_text(3, "Sorry", after=mark)
        later = fake.push_text(3, "/reminders")
        await fake.wait_for_text(3, "Drinks logged today: 0", after=later)
        await running.telegram.inbox.round(
            running.telegram.application.update_queue, everything=True
        )
        await fake.wait_for_text(3, DRINK.format(n=1) + " today", after=later)
        await settled(running)
        assert await service.store.pending_updates() == []


class _CountingRelay:
    """Relay's part the inbox calls, counting the turns it runs."""

    def __init__(self) -> None:
        self.turns: list[int] = []

    async def acknowledge(self, update: Update) -> None:
        pass

    async def dispatch(self, update: Update) -> None:
        self.turns.append(update.update_id)

    async def on_error(self, update: Update, error: BaseException, stage: str) -> None:
        raise AssertionError(f"update {update.update_id} failed: {error}")


class _NoOutbox:
    async def flush(self, key: int, *, paced: bool = False) -> None:
        pass


async def test_an_update_out_of_turn_runs_its_turn_for_nothing_at_most_once(
    tmp_path: Path,
) -> None:
    """A person's earlier updates still pending (kept before a crash): the new one's turn
    is tried as their next once, then what is pending is read for the rest; and an update
    this process handled already is skipped without a turn (the round put it back)."""
    relay = _CountingRelay()
    async with SqliteStore(tmp_path / "db.sqlite") as store:
        inbox = Inbox(
            store,
            None,  # type: ignore[arg-type]  # the updates are given, none parsed from a bot
            relay,  # type: ignore[arg-type]
            _NoOutbox(),  # type: ignore[arg-type]
            locks=KeyedLocks(),
            clock=app.utc_now,
            metrics=Metrics(),
        )
        payloads = {n: webhook_update(n, 8, "i drank") for n in (201, 202, 203)}
        kept = [Incoming(n, 8, json.dumps(p)) for n, p in payloads.items()]
        assert await store.receive_updates(kept, app.utc_now()) == [201, 202, 203]
        newest = Update.de_json(payloads[203], None)
        assert newest is not None
        await inbox.handle(newest)
        assert relay.turns == [203, 201, 202, 203]  # 203 out of turn once, not three times
        assert await store.pending_updates() == []
        for again in (203, 201):
            update = Update.de_json(payloads[again], None)
            assert update is not None
            await inbox.handle(update)
        assert relay.turns == [203, 201, 202, 203]


class _QueueingRelay(_CountingRelay):
    """A relay whose turns queue one reply each (in the turn's transaction), and may
    fail: `failing` holds the update ids whose next turn raises."""

    def __init__(self, store: SqliteStore) -> None:
        super().__init__()
        self.store = store
        self.failing: set[int] = set()

    async def dispatch(self, update: Update) -> None:
        self.turns.append(update.update_id)
        await self.store.queue_messages(
            [Outgoing(8, 8, "text", f"reply to {update.update_id}")], app.utc_now()
        )
        if update.update_id in self.failing:
            self.failing.discard(update.update_id)
            raise RuntimeError("a turn that fails once")


class _Flushes:
    """The outbox's flush, recorded: whose, and what they had queued then."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.sent: list[str] = []

    async def flush(self, key: int, *, paced: bool = False) -> None:
        for message in await self.store.queued_messages(key):
            assert message.id is not None
            self.sent.append(message.body)
            await self.store.message_sent(message.id)


def _inbox(store: SqliteStore, relay: _CountingRelay, outbox: object, locks: KeyedLocks) -> Inbox:
    return Inbox(
        store,
        None,  # type: ignore[arg-type]  # the updates are given, none parsed from a bot
        relay,  # type: ignore[arg-type]
        outbox,  # type: ignore[arg-type]
        locks=locks,
        clock=app.utc_now,
        metrics=Metrics(),
    )


def _updates(*ids: int, person: int = 8) -> list[Update]:
    found = [Update.de_json(webhook_update(n, person, "i drank"), None) for n in ids]
    assert all(found)
    return [u for u in found if u is not None]


async def test_an_update_is_handled_in_the_transaction_that_keeps_it(tmp_path: Path) -> None:
    """The person's next: its turn, its reply queued and the update saved handled, in one
    transaction, before receive returns (Telegram not yet told); handle() then only
    sends. Seen again, it is neither handled nor sent twice."""
    async with SqliteStore(tmp_path / "db.sqlite") as store:
        relay, outbox = _QueueingRelay(store), _Flushes(store)
        inbox = _inbox(store, relay, outbox, KeyedLocks())
        first, second = _updates(301, 302)
        assert await inbox.receive([first, second]) == [first, second]
        assert relay.turns == [301, 302]
        assert await store.pending_updates() == []
        assert [m.body for m in await store.queued_messages()] == ["reply to 301", "reply to 302"]
        assert outbox.sent == []
        for update in (first, second):
            await inbox.handle(update)
        assert outbox.sent == ["reply to 301", "reply to 302"]
        again = _updates(301)
        assert await inbox.receive(again) == []  # handled once
        await inbox.handle(again[0])  # queued anyway (the round): nothing more
        assert relay.turns == [301, 302] and len(outbox.sent) == 2
        assert await store.receive_updates([Incoming(302, 8, "{}")], app.utc_now()) == []


async def test_an_update_that_cannot_be_handled_as_it_arrives_is_kept_alone(
    tmp_path: Path,
) -> None:
    """The person's lock held in this process, an earlier update of theirs pending, or a
    turn that fails: the update is kept pending, nothing of its turn saved, and handle()
    handles it in order, its turn run once for nothing at most."""
    async with SqliteStore(tmp_path / "db.sqlite") as store:
        relay, outbox, locks = _QueueingRelay(store), _Flushes(store), KeyedLocks()
        inbox = _inbox(store, relay, outbox, locks)

        # The person's lock is held (an update of theirs under way here): no turn yet.
        (busy,) = _updates(401)
        async with locks.hold(8):
            assert await inbox.receive([busy]) == [busy]
        assert relay.turns == []
        assert [u.update_id for u in await store.pending_updates()] == [401]

        # 401 pending: 402 is not their next, and nothing of its turn is saved; the
        # person's later updates in the same batch are kept alone behind it.
        later = _updates(402, 403)
        assert await inbox.receive(later) == later
        assert relay.turns == [402]
        assert [u.update_id for u in await store.pending_updates()] == [401, 402, 403]
        assert await store.queued_messages() == []
        for update in (busy, *later):
            await inbox.handle(update)
        assert relay.turns == [402, 401, 402, 403]  # 402 at most once for nothing
        assert outbox.sent == ["reply to 401", "reply to 402", "reply to 403"]
        assert await store.pending_updates() == []

        # A turn that fails as it arrives is rolled back, kept, and handled again.
        relay.failing.add(404)
        (failing,) = _updates(404)
        assert await inbox.receive([failing]) == [failing]
        assert [u.update_id for u in await store.pending_updates()] == [404]
        assert len(await store.queued_messages()) == 0
        await inbox.handle(failing)
        assert relay.turns[-2:] == [404, 404]
        assert outbox.sent[-1] == "reply to 404"
        assert await store.pending_updates() == []
        assert await store.queued_messages() == []


async def test_a_crash_between_keeping_and_sending_loses_nothing(tmp_path: Path) -> None:
    """Handled as it arrived, and the process dies before handle() sent the reply: the
    next process sends it at its first round, and does not apply the update again."""
    path = tmp_path / "db.sqlite"
    async with SqliteStore(path) as store:
        relay = _QueueingRelay(store)
        inbox = _inbox(store, relay, _Flushes(store), KeyedLocks())
        (update,) = _updates(501)
        assert await inbox.receive([update]) == [update]
        assert relay.turns == [501]
        # (the process dies here: Telegram was told, nothing sent)
    async with SqliteStore(path) as store:
        relay, outbox = _QueueingRelay(store), _Flushes(store)
        inbox = _inbox(store, relay, outbox, KeyedLocks())
        queue: asyncio.Queue[object] = asyncio.Queue()
        assert await inbox.round(queue, everything=True) == 0  # nothing pending
        assert outbox.sent == ["reply to 501"]
        # Telegram, not told before the crash, sends it again: tried as the person's
        # next (the new process cannot know it without a read), nothing of it saved.
        assert await inbox.receive(_updates(501)) == []
        assert relay.turns == [501]
        assert await store.queued_messages() == []
        assert outbox.sent == ["reply to 501"]
