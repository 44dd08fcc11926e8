"""The sweep through the real service and dialogue, with an injected clock and a fake sender."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.model import ButtonPress, Reply
from bot.core.schedule import Advance, Plan
from bot.errors import StoreError
from bot.service import Outcome, SendLater, SendResult, Service, Sweep
from bot.store import SqliteStore, Store
from tests.helpers.clock import T0, Clock
from tests.helpers.shipped import shipped_content, shipped_library

MINUTE = timedelta(minutes=1)


@dataclass
class Outbox:
    """A fake Send: records what would go out; can play a blocked person or a 429."""

    sent: list[tuple[datetime, int, Reply]] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    too_many: int = 0
    clock: Clock | None = None

    async def __call__(self, user_id: int, reply: Reply) -> SendResult:
        if self.too_many:
            self.too_many -= 1
            raise SendLater(2.0)
        if user_id in self.blocked:
            return "blocked"
        self.sent.append((self.clock() if self.clock else T0, user_id, reply))
        return "sent"

    def texts(self, user_id: int = 1) -> list[str]:
        return [reply.text for _, who, reply in self.sent if who == user_id]


def sweep_of(service: Service, send: Outbox) -> Sweep:
    """The reminder sweep on the service's store and content, sending to `send`."""
    return Sweep(service.store, service.library, send, clock=service.clock)


def service_on(store: Store, clock: Clock) -> Service:
    return Service(shipped_library(), store, clock=clock)


async def run_until(
    service: Service, clock: Clock, outbox: Outbox, until: datetime, step: timedelta = MINUTE
) -> None:
    """Sweep every `step` of simulated time up to `until`."""
    while clock.now < until:
        clock.now += step
        await sweep_of(service, outbox).once(clock.now)


async def take_series(service: Service, user_id: int = 1) -> Outcome:
    """Tell of a run and take the series of reminders offered: what the bot says then."""
    await service.handle(user_id, "just finished my run")
    return await service.handle(user_id, "", button=ButtonPress("series_offer", 0))


async def start_series(service: Service, user_id: int = 1) -> None:
    await service.handle(user_id, "/cancel")
    outcome = await take_series(service, user_id)
    assert "every 20 minutes" in outcome.replies[0].text


async def in_berlin(store: Store, clock: Clock) -> Service:
    """The service on `clock`, for a person who has set the time zone to Berlin's."""
    service = service_on(store, clock)
    await service.handle(1, "/timezone")
    await service.handle(1, "Berlin")
    return service


async def test_a_series_is_delivered_every_20_minutes_then_ends(store: Store) -> None:
    clock = Clock()
    service = service_on(store, clock)
    outbox = Outbox(clock=clock)
    await start_series(service)
    await run_until(service, clock, outbox, T0 + timedelta(hours=3))
    times = [at for at, _, _ in outbox.sent]
    assert times == [T0 + k * 20 * MINUTE for k in range(1, 7)]
    assert outbox.texts()[0].startswith("💧 Time for a drink: it's 20 minutes")
    assert outbox.texts()[-1].startswith("💧 Last one: it's 2 hours")
    reply = outbox.sent[0][2]
    assert reply.state == "reminder"
    assert reply.buttons == ("I drank", "Snooze 30 min", "Snooze 1 hour", "Stop reminders")
    assert await store.reminders(1) == []


async def test_a_restart_in_the_middle_loses_and_repeats_nothing(tmp_path: Path) -> None:
    clock, outbox = Clock(), Outbox()
    outbox.clock = clock
    async with SqliteStore(tmp_path / "coach.db") as first:
        service = service_on(first, clock)
        await start_series(service)
        await run_until(service, clock, outbox, T0 + 50 * MINUTE)
    assert len(outbox.sent) == 2
    async with SqliteStore(tmp_path / "coach.db") as second:  # a new process, same file
        service = service_on(second, clock)
        await run_until(service, clock, outbox, T0 + timedelta(hours=3))
    assert [at for at, _, _ in outbox.sent] == [T0 + k * 20 * MINUTE for k in range(1, 7)]


async def test_after_downtime_one_catch_up_then_on_schedule(tmp_path: Path) -> None:
    clock, outbox = Clock(), Outbox()
    outbox.clock = clock
    async with SqliteStore(tmp_path / "coach.db") as store:
        service = service_on(store, clock)
        await start_series(service)
        clock.now = T0 + 65 * MINUTE  # down from 09:00 to 10:05: three reminders missed
        await run_until(service, clock, outbox, T0 + timedelta(hours=3))
    assert [at - T0 for at, _, _ in outbox.sent] == [
        66 * MINUTE,  # the one catch-up
        80 * MINUTE,
        100 * MINUTE,
        120 * MINUTE,
    ]


async def test_a_crash_between_sending_and_recording_repeats_at_most_one(store: Store) -> None:
    clock = Clock()
    service = service_on(store, clock)
    outbox = Outbox(clock=clock)
    await start_series(service)
    real = store.advance_reminders
    failures = iter([True])

    async def flaky(changes: list[Advance]) -> int:
        if next(failures, False):
            raise StoreError("disk full")
        return await real(changes)

    store.advance_reminders = flaky  # type: ignore[method-assign]
    await run_until(service, clock, outbox, T0 + timedelta(hours=3))
    times = [at - T0 for at, _, _ in outbox.sent]
    assert times[:2] == [20 * MINUTE, 21 * MINUTE]  # the unrecorded one, once more
    assert times[2:] == [k * 20 * MINUTE for k in range(2, 7)]  # then nothing lost


async def test_snooze_drank_and_stop_buttons_on_a_reminder(store: Store) -> None:
    clock = Clock()
    service = service_on(store, clock)
    outbox = Outbox(clock=clock)
    await start_series(service)
    await service.handle(1, "/history")  # the person is elsewhere when the reminder comes
    await run_until(service, clock, outbox, T0 + 20 * MINUTE)
    (reminder,) = [reply for _, _, reply in outbox.sent]
    assert reminder.state is not None

    drank = await service.handle(1, "", button=ButtonPress(reminder.state, 0))
    assert "That's 1 drink today" in drank.replies[0].text
    assert drank.replies[-1].text == "What would you like to do?"  # back where they were

    later = await service.handle(1, "", button=ButtonPress(reminder.state, 2))  # 1 hour
    assert "remind you at 10:20" in later.replies[0].text
    await run_until(service, clock, outbox, T0 + 80 * MINUTE)
    assert [at - T0 for at, _, _ in outbox.sent] == [20 * MINUTE, 80 * MINUTE]

    soon = await service.handle(1, "", button=ButtonPress(reminder.state, 1))  # 30 min
    assert "remind you at 10:50" in soon.replies[0].text

    stop = await service.handle(1, "", button=ButtonPress(reminder.state, 3))
    assert "All reminders are off" in stop.replies[0].text
    await run_until(service, clock, outbox, T0 + timedelta(hours=3))
    assert len(outbox.sent) == 2


async def test_a_person_who_blocked_the_bot_gets_nothing_more(store: Store) -> None:
    clock = Clock()
    service = service_on(store, clock)
    outbox = Outbox(clock=clock)
    await start_series(service, 1)
    await start_series(service, 2)
    outbox.blocked.add(2)
    await run_until(service, clock, outbox, T0 + timedelta(hours=3))
    assert len(outbox.texts(1)) == 6 and outbox.texts(2) == []
    assert await store.reminders(2) == []
    profile = await store.load_profile(2)
    assert profile is not None and not profile.active


async def test_too_many_requests_pauses_and_nothing_is_lost(store: Store) -> None:
    clock = Clock()
    service = service_on(store, clock)
    outbox = Outbox(clock=clock, too_many=1)
    await start_series(service)
    clock.now = T0 + 20 * MINUTE
    report = await sweep_of(service, outbox).once(clock.now)
    assert report.pause == 2.0 and report.sent == 0
    report = await sweep_of(service, outbox).once(clock.now + timedelta(seconds=2))
    assert report.sent == 1


async def test_one_message_per_person_when_series_and_daily_fall_due_together(
    store: Store,
) -> None:
    clock = Clock()
    service = service_on(store, clock)
    outbox = Outbox(clock=clock)
    await service.handle(1, "/timezone")
    await service.handle(1, "London")  # 10:00 there
    await service.handle(1, "/reminders")
    await service.handle(1, "Daily reminders on")
    await service.handle(1, "every hour")
    await service.handle(1, "Keep my time zone")  # next daily at 11:00 London = 10:00 UTC
    clock.now = T0 + 40 * MINUTE
    await start_series(service)  # series at 10:00 UTC too
    report = await sweep_of(service, outbox).once(T0 + 60 * MINUTE)
    assert report.due == 2 and report.sent == 1
    assert outbox.texts() == [
        "💧 Time for a drink: it's 20 minutes since your workout. "
        "A glass of water, or an electrolyte drink if it was hot or hard."
    ]
    assert [r.due_at for r in await store.reminders(1)] == [T0 + 80 * MINUTE, T0 + 120 * MINUTE]


async def test_quiet_hours_hold_back_a_daily_reminder_across_a_dst_change(store: Store) -> None:
    """New York, the night the clocks go back (1 November 2026): 22:00-07:00 stays quiet."""
    clock = Clock(datetime(2026, 10, 31, 20, 0, tzinfo=UTC))  # 16:00 in New York
    service = service_on(store, clock)
    outbox = Outbox(clock=clock)
    await service.handle(1, "/timezone")
    await service.handle(1, "New York")
    await service.handle(1, "/reminders")
    await service.handle(1, "Daily reminders on")
    await service.handle(1, "every 3 hours")
    await service.handle(1, "Keep my time zone")
    await run_until(service, clock, outbox, clock.now + timedelta(days=2), step=5 * MINUTE)
    local = [at.astimezone(ZoneInfo("America/New_York")) for at, _, _ in outbox.sent]
    assert [t.strftime("%d %H:%M") for t in local] == [
        "31 19:00",
        "01 07:00", "01 10:00", "01 13:00", "01 16:00", "01 19:00",
        "02 07:00", "02 10:00", "02 13:00",
    ]  # fmt: skip


async def test_a_typed_local_time_offers_cities_as_buttons(store: Store) -> None:
    clock = Clock()
    service = service_on(store, clock)
    await service.handle(1, "/timezone")
    outcome = await service.handle(1, "it's 11:00 here")
    offered = outcome.replies[1]
    assert offered.state == "tz_pick" and "Berlin" in offered.buttons
    # The adapter passes the pressed button's label as the text.
    index = offered.buttons.index("Berlin")
    picked = await service.handle(1, "Berlin", button=ButtonPress("tz_pick", index))
    assert "Time zone set: Europe/Berlin" in picked.replies[0].text
    profile = await store.load_profile(1)
    assert profile is not None and profile.time_zone == "Europe/Berlin"


async def test_forget_removes_reminders_and_intake(store: Store) -> None:
    clock = Clock()
    service = service_on(store, clock)
    await start_series(service)
    await service.handle(1, "i drank")
    exported = await service.handle(1, "/export")
    assert b'"reminders": [' in exported.attachments[0].data
    assert b'"intake": [' in exported.attachments[0].data
    await service.handle(1, "/forget")
    await service.handle(1, "Yes, delete everything")
    assert await store.reminders(1) == [] and await store.intake(1) == []


def test_plan_values_come_from_the_yaml() -> None:
    assert shipped_content().plan.series_count == Plan().series_count == 6


async def test_history_adds_a_chart_of_drinks(store: Store) -> None:
    clock = Clock()
    service = service_on(store, clock)
    await service.handle(1, "hi")
    assert (await service.handle(1, "/history")).attachments == ()
    await service.handle(1, "i drank")
    clock.now += timedelta(days=1)
    await service.handle(1, "/drank")
    await service.handle(1, "/drank")
    outcome = await service.handle(1, "/history")
    (chart,) = outcome.attachments
    assert chart.caption == "Drinks per day" and chart.data.startswith(b"\x89PNG")
    from bot.service.charts import daily_intake

    counts = daily_intake(await store.intake(1), ZoneInfo("UTC"), clock.now)
    assert [n for _, n in counts][-2:] == [1, 2]


async def test_one_persons_failure_does_not_stop_the_others_reminders(store: Store) -> None:
    clock = Clock()
    service = service_on(store, clock)
    await start_series(service, user_id=1)
    await start_series(service, user_id=2)

    async def broken_set_active(user_id: int, active: bool) -> None:
        raise StoreError("database is locked")

    store.set_active = broken_set_active  # type: ignore[method-assign]
    outbox = Outbox(clock=clock, blocked={1})
    clock.now = T0 + 20 * MINUTE
    report = await sweep_of(service, outbox).once(clock.now)  # does not raise
    assert report.failed == 1
    assert outbox.texts(2)  # the other person still got theirs
    assert [r.due_at for r in await store.reminders(1)] == [T0 + 20 * MINUTE]  # still due


@pytest.mark.parametrize(
    ("typed", "quiet"),
    [
        ("22:00-07:00", ("22:00", "07:00")),
        ("10pm-6am", ("22:00", "06:00")),
        ("11-6", ("23:00", "06:00")),
        ("11 to 6am", ("23:00", "06:00")),
        ("23.00-07.00", ("23:00", "07:00")),
        ("22h30 to 6", ("22:30", "06:00")),
        ("between 11 pm and 6 am", ("23:00", "06:00")),
        ("midnight to 8", ("00:00", "08:00")),
        ("no quiet hours", ("00:00", "00:00")),
        ("9pm-9pm", None),
        ("whenever", None),
    ],
)
def test_quiet_hours_are_read_as_a_person_types_them(
    typed: str, quiet: tuple[str, str] | None
) -> None:
    from bot.core.words import parse_quiet

    parsed = parse_quiet(typed)
    shown = None if parsed is None else tuple(t.strftime("%H:%M") for t in parsed)
    assert shown == quiet


async def test_a_series_without_a_time_zone_does_not_promise_quiet_hours(store: Store) -> None:
    service = service_on(store, Clock())
    await service.handle(1, "/cancel")
    outcome = await take_series(service)
    text = outcome.replies[0].text
    assert "can't keep your quiet hours until I know your time zone" in text
    assert "skip your quiet hours" not in text


async def test_a_series_cut_short_by_quiet_hours_says_its_real_last_time(store: Store) -> None:
    clock = Clock(datetime(2026, 6, 1, 19, 15, tzinfo=UTC))  # 21:15 in Berlin
    service = await in_berlin(store, clock)
    outcome = await take_series(service)
    text = outcome.replies[0].text
    assert "the last one at 21:55 (the rest would fall in your quiet hours)" in text


async def test_a_series_all_in_the_quiet_hours_ahead_says_so_and_offers_one(store: Store) -> None:
    clock = Clock(datetime(2026, 11, 30, 20, 45, tzinfo=UTC))  # 21:45 in Berlin
    service = await in_berlin(store, clock)
    outcome = await take_series(service)
    said = "\n".join(reply.text for reply in outcome.replies)
    assert "quiet time now" not in said
    assert "begin at 22:00" in said and outcome.replies[-1].state == "series_quiet"
    session = await store.load_session(1)
    assert session is not None and session.state == "series_quiet"
    outcome = await service.handle(1, "", button=ButtonPress("series_quiet", 0))
    assert "one reminder to drink at 21:50" in outcome.replies[0].text.lower()
    (one,) = await store.reminders(1)
    assert one.due_at == datetime(2026, 11, 30, 20, 50, tzinfo=UTC) == one.ends_at


async def test_an_unreadable_answer_is_asked_again_once_then_kept(store: Store) -> None:
    service = service_on(store, Clock())
    await service.handle(1, "/quiet")
    outcome = await service.handle(1, "whenevr")
    assert outcome.replies[-1].state == "quiet_again"
    assert "Keep as it is" in outcome.replies[-1].buttons
    outcome = await service.handle(1, "still dunno")
    assert "stay as they were: 22:00 to 07:00" in outcome.replies[0].text
    session = await store.load_session(1)
    assert session is not None and session.state == "reminders_menu"


@pytest.mark.parametrize(
    ("typed", "hours"),
    [("i am in berlin", None), ("11pm-7am", None), ("every 2 hrs", 2.0), ("half an hour", 0.5)],
)
def test_an_am_or_a_word_with_a_is_no_interval(typed: str, hours: float | None) -> None:
    from bot.core.words import parse_interval

    parsed = parse_interval(typed)
    assert (None if parsed is None else parsed / timedelta(hours=1)) == hours


async def test_a_city_typed_at_how_often_sets_the_zone_and_asks_again(store: Store) -> None:
    service = service_on(store, Clock())
    await service.handle(1, "/reminders")
    await service.handle(1, "", button=ButtonPress("reminders_menu", 1))
    outcome = await service.handle(1, "i am in berlin")
    assert outcome.replies[0].text == "Got it: time zone Europe/Berlin, where it's 11:00 now."
    assert outcome.replies[-1].state == "daily_ask"
    profile = await store.load_profile(1)
    assert profile is not None and profile.time_zone == "Europe/Berlin"
    outcome = await service.handle(1, "every 2 hours")
    assert "every 2 hours" in outcome.replies[0].text
    (daily,) = await store.reminders(1)
    assert daily.every == timedelta(hours=2)


async def test_quiet_hours_typed_at_how_often_are_kept_and_it_asks_again(store: Store) -> None:
    service = service_on(store, Clock())
    await service.handle(1, "/reminders")
    await service.handle(1, "", button=ButtonPress("reminders_menu", 1))
    outcome = await service.handle(1, "not between 11pm and 7am")
    assert outcome.replies[0].text == "Got it: quiet hours 23:00 to 07:00."
    assert outcome.replies[-1].state == "daily_ask"
    profile = await store.load_profile(1)
    assert profile is not None and profile.time_zone is None
    assert (f"{profile.quiet_start:%H:%M}", f"{profile.quiet_end:%H:%M}") == ("23:00", "07:00")
    assert await store.reminders(1) == []


async def test_an_interval_typed_at_the_city_is_kept_for_when_the_city_comes(
    store: Store,
) -> None:
    service = service_on(store, Clock())
    await service.handle(1, "/reminders")
    await service.handle(1, "", button=ButtonPress("reminders_menu", 1))
    await service.handle(1, "hourly")
    outcome = await service.handle(1, "make it every 3 hrs")
    assert outcome.replies[0].text == "Got it: daily reminders every 3 hours."
    assert outcome.replies[-1].state == "daily_zone"
    session = await store.load_session(1)
    assert session is not None and session.slots["daily_every"] == "make it every 3 hrs"
    outcome = await service.handle(1, "tokyo")
    (daily,) = await store.reminders(1)
    assert daily.every == timedelta(hours=3)


async def test_a_city_typed_at_quiet_hours_sets_the_zone_and_asks_again(store: Store) -> None:
    service = service_on(store, Clock())
    await service.handle(1, "/quiet")
    outcome = await service.handle(1, "im in chicago")
    assert outcome.replies[0].text.startswith("Got it: time zone America/Chicago")
    assert outcome.replies[-1].state == "quiet_ask"
    profile = await store.load_profile(1)
    assert profile is not None and profile.time_zone == "America/Chicago"
    assert (f"{profile.quiet_start:%H:%M}", f"{profile.quiet_end:%H:%M}") == ("22:00", "07:00")


async def test_quiet_hours_that_end_a_series_say_so_when_typed_at_the_city(
    store: Store,
) -> None:
    service = await in_berlin(store, Clock())  # 11:00 in Berlin
    await start_series(service)
    await service.handle(1, "/timezone")
    outcome = await service.handle(1, "quiet 9am to 8pm")
    said, ended = outcome.replies[0].text.splitlines()
    assert said == "Got it: quiet hours 09:00 to 20:00."
    assert ended == shipped_content().dialogue.texts.say("reminders_ended_series")
    assert outcome.replies[-1].state == "tz_ask"
    assert await store.reminders(1) == []
