"""The inbox: every update kept in the store before Telegram is told it arrived, and each
person's updates handled from there, in order, each exactly once.

    polling   Poller: getUpdates -> Inbox.receive -> the next getUpdates, whose offset
              confirms them to Telegram -> the Application's update_queue
    webhook   the webhook handler: Inbox.receive, then 200, then the update_queue
    receive   each person's updates, oldest first, while each is their next (their lock
              free in this process; no row of the update and nothing of theirs pending,
              checked as it commits: finish_update's `new`):
                  ONE transaction (Store.transaction(person)): Relay.dispatch (the turn,
                  its replies queued in the outbox) + finish_update(new=True): the
                  update is kept already handled
              the rest (the person busy, an earlier update of theirs pending, the turn
              or the database failed, a button press): kept alone, pending, in ONE
              statement, for `handle`
    queue     InboxOrder (the Application's update processor): the person's lock, then
              Inbox.handle(update)
    handle    an update handled as it arrived: Outbox.flush(person), its replies go out.
              Else, for each update of the person still pending, oldest first, up to
              this one:
                  ONE transaction (Store.transaction(person): PostgreSQL locks the person
                  across processes): Relay.dispatch (the turn, its replies queued in the
                  outbox) + finish_update; tried first without reading what is pending,
                  as if this update were the person's next (finish_update's next_of)
              then Outbox.flush(person): the replies go out
    rounds    Inbox.forever: every few seconds, updates kept a while and still pending
              (a process that died, a database that was down) go back on the queue,
              messages still queued are sent, and handled ids older than two days go

python-telegram-bot's Updater confirms an update (the next getUpdates offset) as soon as it
has fetched it, and its webhook server answers 200 before handling: an update fetched and
not yet handled when the process dies would be lost. Here the offset moves, and the 200 is
sent, only once the update is in the database: pending, or handled with its replies in
the outbox (a process that dies before they are sent sends them at its next start's
round). Handling an update twice is prevented by its row: handled, it keeps only its
id, and `handle` skips it; one handled as it arrived is saved only where no row of it
was.

Handling an update in the transaction that keeps it makes a turn one commit and the
sends' deletes, where keeping it first made it two: the one-at-a-time case, where
nothing waits to share a commit. The sent replies' deletes stay one by one, each
before the next send: a crash then repeats at most the one reply on its way.

A turn that fails is rolled back whole: the person gets an apology (once per update), the
attempt is counted, and the update is tried again at the next round; after
`max_attempts` failures it is given up on (logged), so one update that always fails does
not hold up the person's later ones for long.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any, TypeVar

from telegram import Update
from telegram.error import Conflict, InvalidToken, TelegramError

from bot.channels.telegram.bot import ReplyBot
from bot.channels.telegram.order import PerUserOrder, sender
from bot.channels.telegram.outbox import Outbox
from bot.channels.telegram.relay import Relay
from bot.errors import OutOfTurn, StoreError
from bot.locks import KeyedLocks
from bot.service.metrics import Metrics
from bot.store import Store
from bot.store.mailbox import Incoming

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
T = TypeVar("T")
#: Updates of no one (no user, no chat) are ordered under this key.
NO_ONE = 0
#: Handled updates' ids are kept this long: Telegram resends an update for up to a day.
KEEP_HANDLED = timedelta(days=2)
#: Seconds between the tries of a turn whose database failed (then it counts as failed).
RETRY_PAUSES = (0.2, 1.0)
#: How many updates handled by this process Inbox remembers, to skip a second handle().
HANDLED_HERE = 10_000


def _first(pending: Sequence[Incoming], update: Update) -> Incoming | None:
    """Which of the person's pending updates (oldest first) to handle now, for `update`:
    the oldest up to it that has not failed before, or `update` itself. One that failed
    is tried again when its own turn comes round (Inbox.round), so it never holds up the
    person's later messages."""
    for row in pending:
        if row.update_id > update.update_id:
            return None
        if row.update_id == update.update_id or row.attempts == 0:
            return row
    return None


class _Done(Exception):
    """The update was handled already."""


class _Failed(Exception):
    """A turn failed for good (rolled back): which update, and why."""

    def __init__(self, update: Update, error: BaseException) -> None:
        super().__init__(str(error))
        self.update = update
        self.error = error


class Inbox:
    """Receiving into the store, handling from it, and the rounds that pick up the rest."""

    def __init__(
        self,
        store: Store,
        bot: ReplyBot,
        relay: Relay,
        outbox: Outbox,
        *,
        locks: KeyedLocks,
        clock: Clock,
        metrics: Metrics,
        max_attempts: int = 3,
        stale_after: timedelta = timedelta(seconds=10),
    ) -> None:
        self.store = store
        self.bot = bot
        self.relay = relay
        self.outbox = outbox
        self.locks = locks
        self.clock = clock
        self.metrics = metrics
        self.max_attempts = max_attempts
        self.stale_after = stale_after
        self._apologised: OrderedDict[int, None] = OrderedDict()
        # Updates this process saved as handled (the last HANDLED_HERE): a second
        # handle() of one (the round put it back on the queue while its first was under
        # way, or it was handled as an earlier update of a later one) returns at once.
        self._handled: OrderedDict[int, None] = OrderedDict()
        # Updates handled as they arrived (receive), whose replies handle() sends: when
        # their turn began, for the turn's latency (InboxOrder).
        self._arrived: OrderedDict[int, float] = OrderedDict()
        # Updates that were not their person's next as they arrived: handle() reads
        # what is pending first, rather than trying their turn as the next once more.
        self._out_of_turn: OrderedDict[int, None] = OrderedDict()

    # Receiving --------------------------------------------------------------------------------

    async def receive(
        self,
        updates: Sequence[Update],
        payloads: Mapping[int, str] | None = None,
        *,
        ready: Callable[[Update], Awaitable[None]] | None = None,
    ) -> list[Update]:
        """Keep the updates; return those for the queue, in order: the ones handled as
        they were kept (their replies wait in the outbox: handle() sends them) and the
        ones kept to handle. `payloads`: each update's JSON as Telegram sent it, by
        update_id (else it is written from the Update). StoreError when they could not
        be kept: do not confirm them to Telegram.

        Each person's updates, oldest first, while each is their next, are handled in
        the transaction that keeps them (`_arrive`); the rest are kept alone, pending,
        in one statement. Different people's go concurrently. `ready`: given each
        update handled so as soon as it is committed (the Poller's queue.put), which
        is then left out of the list returned: with many people in one batch, their
        replies go out as their turns end, not all at once once the last has (a
        crash repeats every reply then on its way)."""
        if not updates:
            return []
        people: dict[int, list[Update]] = {}
        for update in updates:
            people.setdefault(sender(update) or NO_ONE, []).append(update)
        if len(people) == 1:
            key, theirs = next(iter(people.items()))
            rest = await self._arrive(key, theirs, ready)
        else:
            groups = await asyncio.gather(*(self._arrive(k, u, ready) for k, u in people.items()))
            rest = [update for group in groups for update in group]
        todo: set[int] = set()
        if rest:
            given = payloads or {}
            kept = [
                Incoming(
                    update.update_id,
                    sender(update) or NO_ONE,
                    given.get(update.update_id) or update.to_json(),
                )
                for update in rest
            ]
            todo.update(await self.store.receive_updates(kept, self.clock()))
        if ready is not None:
            return [u for u in updates if u.update_id in todo]
        return [u for u in updates if u.update_id in todo or u.update_id in self._arrived]

    async def _arrive(
        self,
        key: int,
        updates: list[Update],
        ready: Callable[[Update], Awaitable[None]] | None = None,
    ) -> list[Update]:
        """Handle the person's `updates` (oldest first) each in the transaction that
        keeps it, while that can be (each given to `ready` once committed); the rest,
        from the first that could not, to keep alone (their order is the person's)."""
        for number, update in enumerate(updates):
            if not await self._at_arrival(key, update):
                return updates[number:]
            if ready is not None:
                await ready(update)
        return []

    async def _at_arrival(self, key: int, update: Update) -> bool:
        """The update's turn, and the update saved as handled with its replies queued,
        in ONE transaction, if it is the person's next: no lock of theirs held or
        awaited in this process, and (checked as it commits: finish_update's `new`) no
        row of this update and no earlier update of theirs pending. Whether it was.

        Not tried for a button press (answering it is a call to Telegram that comes
        before its turn, and would hold up keeping the update), for an update of no
        one, nor for one handled here already. When it was not the person's next, the
        turn failed, or the database did: nothing of it is saved, and the update is
        kept alone, as any other, for handle()."""
        if (
            key == NO_ONE
            or update.callback_query is not None
            or update.update_id in self._handled
            or self.locks.busy(key)
        ):
            return False
        began = time.perf_counter()
        try:
            async with self.locks.hold(key), self.store.transaction(key):
                await self.relay.dispatch(update)
                await self.store.finish_update(
                    update.update_id, self.clock(), next_of=key, new=True
                )
        except OutOfTurn:
            _remember(self._out_of_turn, update.update_id, None)
            return False
        except Exception as exc:  # a turn or a database that failed: rolled back
            # A database that fails is told by the keep that follows, or the handling.
            log.log(
                logging.INFO if isinstance(exc, StoreError) else logging.WARNING,
                "The turn of update %s failed as it arrived (%s: %s); it is kept and "
                "handled from the inbox",
                update.update_id,
                type(exc).__name__,
                exc,
            )
            return False
        self._done(update.update_id)
        _remember(self._arrived, update.update_id, began)
        return True

    def began(self, update_id: int) -> float | None:
        """When (time.perf_counter) the turn of an update handled as it arrived began,
        until handle() has sent its replies; else None."""
        return self._arrived.get(update_id)

    async def refused(self, updates: Sequence[Update], error: StoreError) -> None:
        """The updates could not be kept: log it, and apologise once to each person."""
        log.error(
            "Could not keep %d incoming updates in the database (%s) They are not "
            "confirmed to Telegram, which sends them again; the people were told to try "
            "later.",
            len(updates),
            str(error).rstrip(". "),
        )
        for update in updates:
            await self.apologise(update, error)

    # Handling ---------------------------------------------------------------------------------

    async def handle(self, update: Update) -> None:
        """Handle the person's pending updates up to and including `update`, oldest first,
        each in a transaction of its own, sending each one's replies once committed. The
        caller holds the person's lock of this process (InboxOrder)."""
        key = sender(update) or NO_ONE
        if update.update_id in self._handled:
            # Handled here already: no turn, no second answer to a button. Handled as it
            # arrived (receive): its replies are queued, to send now.
            if self._arrived.pop(update.update_id, None) is not None:
                await self.flush(key)
            return
        await self.relay.acknowledge(update)
        earlier = True
        # Out of turn as it arrived: an earlier update of theirs is pending; read it.
        fast = update.update_id not in self._out_of_turn
        self._out_of_turn.pop(update.update_id, None)
        while earlier:
            try:
                earlier = await self._next(key, update, fast=fast)
                fast = False  # an earlier update was pending: read what is, from now on
            except _Failed as failure:
                await self.failed(failure.update, failure.error)
                earlier = False
            except _Done:
                return  # handled already: seen twice, or by another process
            await self.flush(key)

    def _done(self, update_id: int) -> None:
        """This process saved the update as handled."""
        _remember(self._handled, update_id, None)

    async def _next(self, key: int, update: Update, *, fast: bool = True) -> bool:
        """Handle the person's oldest pending update (up to `update`) in one transaction;
        whether it was an earlier one. A database that fails (a connection lost, a busy
        file) is given RETRIES more tries, a moment apart, before the turn counts as failed.

        `fast`: first as if `update` were the person's next, as it nearly always is: its
        turn, then finish_update(next_of=the person), which saves the turn only if so.
        Else (OutOfTurn: handled already, or an earlier update of theirs pending) the
        person's pending updates are read, and the first handled.

        An update out of turn thus runs its turn once for nothing (its side effects
        outside the transaction too: logs such as a red flag's escalation, charts and
        exports built, none sent). What avoids it without a read per turn, which is the
        round trip the fast path saves: an update this process handled already is
        skipped before any turn (handle, `_handled`); one found out of turn as it
        arrived (receive tried it as the person's next) starts with the read; and once
        one was out of turn, handle() reads what is pending for the rest (`fast`
        False). Left: an update another process handled (webhooks on PostgreSQL), and
        a new update of a person whose updates kept before a crash are still pending
        (its one turn for nothing is the one tried as it arrived). Knowing beforehand
        would cost every update a lookup for these rare cases.
        """
        for pause in (*RETRY_PAUSES, None):
            current: Update | None = None
            try:
                if fast:
                    with suppress(OutOfTurn):
                        async with self.store.transaction(key):
                            await self.relay.dispatch(update)
                            await self.store.finish_update(
                                update.update_id, self.clock(), next_of=key
                            )
                        self._done(update.update_id)
                        return False
                    fast = False  # out of turn: a retry after a database failure reads
                async with self.store.transaction(key):
                    row = _first(await self.store.pending_updates(key, limit=20), update)
                    if row is not None:  # else handled already: nothing written, committed
                        earlier = row.update_id != update.update_id
                        current = self.parse(row) if earlier else update
                        await self.relay.dispatch(current)
                        await self.store.finish_update(row.update_id, self.clock())
                if row is None:
                    raise _Done
                self._done(row.update_id)
                return earlier
            except StoreError as exc:
                if pause is None:
                    raise _Failed(current or update, exc) from exc
                log.warning("A turn of %s failed (%s); trying again in %s s", key, exc, pause)
                await asyncio.sleep(pause)
            except _Done:
                raise
            except Exception as exc:  # a turn's failure of any kind: rolled back
                raise _Failed(current or update, exc) from exc
        raise AssertionError("unreachable")

    def parse(self, row: Incoming) -> Update:
        """A kept update, as python-telegram-bot's Update again."""
        update = Update.de_json(json.loads(row.payload), self.bot)
        assert update is not None
        return update

    async def failed(self, update: Update, error: BaseException) -> None:
        """Count the attempt; the first time, say it is being retried; after
        max_attempts, give up and say so."""
        self.metrics.error("update", error)
        try:
            attempts = await self.store.retry_update(update.update_id)
        except StoreError as exc:
            log.error("Could not count a failure of update %s: %s", update.update_id, exc)
            attempts = 0
        if attempts < self.max_attempts:
            await self.apologise(update, error)
            return
        log.error("Update %s failed %d times; given up on", update.update_id, attempts)
        try:
            await self.store.finish_update(update.update_id, self.clock())
        except StoreError as exc:
            log.error("Could not give up on update %s: %s", update.update_id, exc)
            return
        self._done(update.update_id)
        await self.relay.on_error(update, error, "gave_up")

    async def apologise(self, update: Update, error: BaseException) -> None:
        """Relay.on_error (log with the traceback, "I'll try again on my own"), once per
        update."""
        if update.update_id in self._apologised:
            log.warning("Update %s failed again: %s", update.update_id, error)
            return
        _remember(self._apologised, update.update_id, None)
        await self.relay.on_error(update, error, "retrying")

    async def flush(self, key: int, *, paced: bool = False) -> None:
        """Send what the person has queued (`paced`: Outbox.flush's); a store failure
        leaves it for the next round. The caller holds the person's lock."""
        try:
            await self.outbox.flush(key, paced=paced)
        except StoreError as exc:
            log.error("Could not read or update the outbox of %s: %s", key, exc)

    async def send_reminders(self, user_id: int) -> None:
        """The reminder sweep's `after`: send what it queued for the person, paced behind
        replies, under the person's lock (one flush of theirs at a time)."""
        async with self.locks.hold(user_id):
            await self.flush(user_id, paced=True)

    # Rounds -----------------------------------------------------------------------------------

    async def round(self, queue: asyncio.Queue[object], *, everything: bool = False) -> int:
        """Put back on `queue` the updates pending for longer than `stale_after` (all of
        them when `everything`, as at start-up), send what is still queued, and forget
        handled ids older than KEEP_HANDLED. Returns how many updates were put back."""
        now = self.clock()
        before = None if everything else now - self.stale_after
        pending = await self.store.pending_updates(limit=1000, before=before)
        for row in pending:
            await queue.put(self.parse(row))
        for person in {message.user_id for message in await self.store.queued_messages()}:
            async with self.locks.hold(person):
                await self.flush(person)
        await self.store.prune_updates(now - KEEP_HANDLED)
        depth = await self.store.backlog()
        self.metrics.backlog(*depth)
        return len(pending)

    async def forever(
        self, queue: asyncio.Queue[object], *, every: timedelta, stop: asyncio.Event
    ) -> None:
        """A round now (everything kept), then one every `every` until `stop` is set."""
        everything = True
        while not stop.is_set():
            try:
                await self.round(queue, everything=everything)
                everything = False
            except StoreError as exc:
                log.error("The inbox round failed: %s; trying again in %s", exc, every)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every.total_seconds())


class InboxOrder(PerUserOrder):
    """The Application's update processor: the person's lock (PerUserOrder), then
    Inbox.handle in place of python-telegram-bot's handlers, timed (metrics)."""

    def __init__(self, locks: KeyedLocks, metrics: Metrics) -> None:
        super().__init__(locks)
        self.metrics = metrics
        self.inbox: Inbox | None = None  # set once built (build_application)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        # python-telegram-bot's own handling (Application.process_update) is not used:
        # the inbox dispatches, inside the turn's transaction.
        close = getattr(coroutine, "close", None)
        if close is not None:
            close()
        if not isinstance(update, Update) or self.inbox is None:
            return
        self.metrics.received()
        inbox = self.inbox

        async def timed() -> None:
            began = inbox.began(update.update_id)  # handled as it arrived: since then
            start = time.perf_counter() if began is None else began
            try:
                await inbox.handle(update)
            finally:
                self.metrics.handled(time.perf_counter() - start)

        await super().do_process_update(update, timed())


class Poller:
    """Long polling that confirms an update only once the inbox has kept it.

    Each getUpdates carries the offset after the last update kept: Telegram forgets
    updates only then. When the database cannot keep a batch, the offset stays, and the
    same updates come again after a pause. A 409 Conflict (another process polls with
    this token) and a refused token end polling with the error: the caller stops the bot.

    Stopping (`stop` set, then `interrupt`): a long poll under way is cancelled; a batch
    being kept (its turns run as it is kept) goes on to its end, and one more short
    getUpdates confirms it, so the next start is not sent it again.
    """

    def __init__(
        self,
        bot: ReplyBot,
        inbox: Inbox,
        queue: asyncio.Queue[object],
        *,
        timeout: float,
        allowed_updates: Sequence[str],
        on_error: Callable[[TelegramError], None],
        payloads: dict[int, str] | None = None,
        pause: float = 1.0,
    ) -> None:
        self.payloads = payloads if payloads is not None else {}
        self.bot = bot
        self.inbox = inbox
        self.queue = queue
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates)
        self.on_error = on_error
        self.pause = pause
        self.offset: int | None = None
        self._told: int | None = None  # the offset the last getUpdates carried
        self._fetch: asyncio.Future[tuple[Update, ...]] | None = None

    def interrupt(self) -> None:
        """Cancel the long poll under way, if any (nothing kept is lost: what it fetched
        is not confirmed, and comes again at the next start)."""
        if self._fetch is not None:
            self._fetch.cancel()

    async def forever(self, stop: asyncio.Event) -> None:
        pause = self.pause
        try:
            await self._poll(stop, pause)
        finally:
            if self.offset != self._told:  # kept, and not yet confirmed: confirm it
                with suppress(TelegramError, TimeoutError):
                    await asyncio.wait_for(
                        self.bot.get_updates(offset=self.offset, limit=1, timeout=0), 2.0
                    )

    async def _poll(self, stop: asyncio.Event, pause: float) -> None:
        while not stop.is_set():
            try:
                await self.once()
                pause = self.pause
            except (Conflict, InvalidToken):
                raise
            except TelegramError as exc:
                self.on_error(exc)
            except StoreError:
                pass  # told in Inbox.refused; the same updates come again
            else:
                continue
            try:  # a pause that doubles while failures go on, up to 30 s
                await asyncio.wait_for(stop.wait(), pause)
            except TimeoutError:
                pause = min(30.0, pause * 2)

    async def once(self) -> None:
        self._told = self.offset
        self._fetch = asyncio.ensure_future(
            self.bot.get_updates(
                offset=self.offset,
                timeout=timedelta(seconds=self.timeout),
                allowed_updates=self.allowed_updates,
            )
        )
        try:
            updates = await self._fetch
        finally:
            self._fetch = None
        if not updates:
            return
        payloads = {u.update_id: self.payloads.pop(u.update_id, "") for u in updates}
        try:
            todo = await self.inbox.receive(updates, payloads, ready=self.queue.put)
        except StoreError as exc:
            await self.inbox.refused(updates, exc)
            raise
        self.offset = updates[-1].update_id + 1
        for update in todo:
            await self.queue.put(update)


def _remember(seen: OrderedDict[int, T], update_id: int, value: T) -> None:
    """Note `update_id` (with `value`) in `seen`, which keeps the last HANDLED_HERE."""
    seen[update_id] = value
    if len(seen) > HANDLED_HERE:
        seen.popitem(last=False)
