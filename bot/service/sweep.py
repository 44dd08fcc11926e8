"""The reminder sweep: the one thing that sends reminders.

    sweep = Sweep(store, library, send, clock=clock)
    await sweep.once(now)                  # send what is due now, record each send
    await sweep.forever(every=10s, stop=event)

Nothing is kept in memory per reminder: the database is the only record, so a restart
simply carries on from it. Per person, ONE transaction that holds the person
(Store.transaction(user_id): across processes on PostgreSQL) hands the message to `send`
and records the reminders as sent, compare-and-set on the due time they were read with:
if another process recorded them first, the transaction is rolled back and nothing goes
out twice. Then `after(user_id)` runs. One message per person per sweep, even when a
series and a daily reminder fall due together, in the person's language, with the
buttons of the dialogue's `reminder` state.

How a reminder reaches the person is the adapter's business (`Send`): Telegram queues it
in the outbox, in that transaction, and `after` sends it from there (paced:
bot/channels/telegram/pacing.py), so a crash repeats at most that message and loses none;
the console prints it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.content.loading import Content, Library
from bot.core.contract import Needs
from bot.core.model import Profile, Reply
from bot.core.saying import reminder_text
from bot.core.schedule import Advance, Decision, Reminder, decide
from bot.errors import StoreError
from bot.service.reminders import schedule_of
from bot.service.turns import Clock, stop_person, utc_now
from bot.store import Store

log = logging.getLogger(__name__)

#: The dialogue state whose buttons go on every reminder (dialogues/<language>/reminders.yaml).
REMINDER_STATE = "reminder"
#: People served at once per sweep; the adapter's pacing decides the real rate.
CONCURRENCY = 16
NEEDS = Needs(
    who="the reminder sweep (bot/service/sweep.py)",
    states=(REMINDER_STATE,),
    buttons=(REMINDER_STATE,),
)


class SendLater(Exception):
    """Raised by a Send when Telegram says "too many requests": pause, then retry."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


SendResult = Literal["sent", "blocked"]
#: Deliver one reminder to a person, in the transaction that records it: "sent",
#: "blocked" (they blocked the bot), or raise SendLater. Any other exception leaves the
#: reminder due for the next sweep.
Send = Callable[[int, Reply], Awaitable[SendResult]]
#: What the adapter does for a person once their reminders are recorded (Telegram: send
#: what `Send` queued).
After = Callable[[int], Awaitable[object]]


class _Taken(Exception):
    """The reminders changed since they were read (another process recorded them)."""


@dataclass(slots=True)
class SweepReport:
    """What one sweep did."""

    due: int = 0  # reminders read
    sent: int = 0  # messages sent (one per person)
    skipped: int = 0  # reminders skipped (quiet hours, too late)
    blocked: int = 0  # people who blocked the bot
    failed: int = 0  # sends that failed otherwise (left due)
    pause: float | None = None  # Telegram asked to wait this long
    full: bool = False  # the batch was full: more may be due


class Sweep:
    """Sends due reminders through `send` and records them in `store`."""

    def __init__(
        self,
        store: Store,
        library: Library,
        send: Send,
        *,
        clock: Clock = utc_now,
        limit: int = 500,
        concurrency: int = CONCURRENCY,
        only_user: int | None = None,
        after: After | None = None,
    ) -> None:
        self.store = store
        self.library = library
        self.send = send
        self.after = after
        self.clock = clock
        self.limit = limit
        self.concurrency = concurrency
        self.only_user = only_user  # one person's reminders only (the console's person)

    async def once(self, now: datetime) -> SweepReport:
        """Send what is due at `now` (at most `limit` reminders) and record each send."""
        due = await self.store.due_reminders(now, self.limit)
        if self.only_user is not None:
            due = [(r, p) for r, p in due if r.user_id == self.only_user]
        report = SweepReport(due=len(due), full=len(due) >= self.limit)
        people: dict[int, tuple[Profile, list[Reminder]]] = {}
        for reminder, profile in due:
            people.setdefault(reminder.user_id, (profile, []))[1].append(reminder)
        stop = asyncio.Event()
        gate = asyncio.Semaphore(self.concurrency)

        async def one(profile: Profile, reminders: list[Reminder]) -> None:
            async with gate:
                if stop.is_set():
                    return
                try:
                    await self._send_person(now, profile, reminders, report, stop)
                except Exception:
                    # One person's trouble (a bad row, a database error) must not stop the
                    # others' reminders: theirs stay due and are tried at the next sweep.
                    log.exception("Reminders of user %s failed; they stay due", profile.user_id)
                    report.failed += 1

        async with asyncio.TaskGroup() as group:
            for profile, reminders in people.values():
                group.create_task(one(profile, reminders))
        return report

    async def _send_person(
        self,
        now: datetime,
        profile: Profile,
        reminders: list[Reminder],
        report: SweepReport,
        stop: asyncio.Event,
    ) -> None:
        content = self.library.content(profile.language)
        schedule = schedule_of(profile)
        decisions = [(r, decide(r, now, schedule, content.plan)) for r in reminders]
        sending = [(r, d) for r, d in decisions if d.send]
        report.skipped += len(decisions) - len(sending)
        changes = [Advance(r, d.next_due, now if d.send else None) for r, d in decisions]
        user_id = profile.user_id
        try:
            async with self.store.transaction(user_id):
                if sending:
                    result = await self.send(user_id, self.reply(content, now, sending))
                    if result == "blocked":
                        report.blocked += 1
                        await stop_person(self.store, user_id)
                        return
                if await self.store.advance_reminders(changes) < len(changes):
                    raise _Taken
        except _Taken:
            log.info("Reminders of user %s were recorded elsewhere meanwhile", user_id)
            report.skipped += len(sending)
            return
        except SendLater as exc:
            report.pause = max(report.pause or 0.0, exc.seconds)
            stop.set()
            return  # nothing recorded: still due, sent after the pause
        except StoreError:
            log.exception("Could not record the reminders of user %s; they stay due", user_id)
            report.failed += 1
            return
        except Exception:
            log.exception("Could not send a reminder to user %s; it stays due", user_id)
            report.failed += 1
            return
        if sending:
            report.sent += 1
        if self.after is not None:
            await self.after(user_id)

    def reply(
        self, content: Content, now: datetime, sending: Sequence[tuple[Reminder, Decision]]
    ) -> Reply:
        """One message for everything due for a person, in their language (`content`): the
        series text wins over daily."""
        reminder, decision = sorted(sending, key=lambda pair: pair[0].kind != "series")[0]
        last = reminder.kind == "series" and decision.next_due is None
        buttons = content.dialogue.states[REMINDER_STATE].buttons
        text = reminder_text(reminder, now, content.dialogue.texts, last=last)
        return Reply(text, buttons, REMINDER_STATE)

    async def forever(
        self,
        *,
        every: timedelta = timedelta(seconds=10),
        stop: asyncio.Event | None = None,
        on_report: Callable[[SweepReport], None] | None = None,
    ) -> None:
        """The one periodic job: sweep, wait, repeat, until `stop` is set (or cancelled).

        A full batch sweeps again at once; a "too many requests" pauses as long as Telegram
        asked; a database error is logged and retried at the next round. Setting `stop`
        lets the sweep in progress finish its sends and records first.
        """
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                report = await self.once(self.clock())
            except Exception:
                # The sweep is the only thing that sends reminders: it must outlive any error.
                log.exception("The reminder sweep failed; it tries again at the next round")
                report = SweepReport()
            if on_report is not None:
                on_report(report)
            if report.pause is not None:
                log.warning("Telegram asked to slow down; reminders pause %.1f s", report.pause)
                wait = report.pause
            elif report.full and report.sent + report.skipped + report.blocked > 0:
                continue  # more are due and this batch made progress: go on at once
            else:
                wait = every.total_seconds()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
