"""Reminder arithmetic with an injected clock: zones, quiet hours, DST, snooze, series, catch-up."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.saying import reminder_text
from bot.core.schedule import (
    Plan,
    Reminder,
    Schedule,
    daily_slots,
    day_bounds,
    decide,
    in_quiet,
    new_daily,
    new_series,
    next_daily,
    next_due,
    one_off,
    quiet_begins,
    quiet_ends,
    rescheduled,
    series_slots,
    snoozed,
)
from bot.core.words import parse_interval
from tests.helpers.texts import english

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
PLAN = Plan()
TEXTS = english()


def at(zone: ZoneInfo, *parts: int, fold: int = 0) -> datetime:
    """A wall-clock time in `zone`, as aware UTC."""
    return datetime(*parts, tzinfo=zone, fold=fold).astimezone(UTC)  # type: ignore[misc]


def schedule(zone: ZoneInfo, quiet: tuple[int, int] = (22, 7), known: bool = True) -> Schedule:
    return Schedule(zone, time(quiet[0]), time(quiet[1]), zone_known=known)


def walls(slots: list[datetime], zone: ZoneInfo) -> list[str]:
    return [slot.astimezone(zone).strftime("%H:%M") for slot in slots]


# Quiet hours ----------------------------------------------------------------------------------


def test_quiet_hours_wrap_midnight() -> None:
    berlin = schedule(BERLIN)
    assert in_quiet(at(BERLIN, 2026, 6, 1, 22, 0), berlin)
    assert in_quiet(at(BERLIN, 2026, 6, 2, 0, 30), berlin)
    assert in_quiet(at(BERLIN, 2026, 6, 2, 6, 59), berlin)
    assert not in_quiet(at(BERLIN, 2026, 6, 2, 7, 0), berlin)
    assert not in_quiet(at(BERLIN, 2026, 6, 1, 21, 59), berlin)


def test_quiet_hours_within_one_day_and_none() -> None:
    siesta = schedule(BERLIN, (13, 15))
    assert in_quiet(at(BERLIN, 2026, 6, 1, 14, 0), siesta)
    assert not in_quiet(at(BERLIN, 2026, 6, 1, 15, 0), siesta)
    assert not in_quiet(at(BERLIN, 2026, 6, 1, 23, 0), siesta)
    never = schedule(BERLIN, (0, 0))
    assert not any(in_quiet(at(BERLIN, 2026, 6, 1, h, 0), never) for h in range(24))


def test_quiet_hours_are_on_the_persons_wall_clock() -> None:
    moment = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)  # 05:00 in Berlin, 23:00 in New York
    assert in_quiet(moment, schedule(BERLIN))
    assert in_quiet(moment, schedule(NEW_YORK))
    moment = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert not in_quiet(moment, schedule(BERLIN)) and not in_quiet(moment, schedule(NEW_YORK))


# Daily reminders ------------------------------------------------------------------------------


def test_daily_slots_fill_the_waking_hours() -> None:
    slots = daily_slots(date(2026, 6, 1), timedelta(hours=2), schedule(BERLIN))
    assert walls(slots, BERLIN) == [f"{h:02}:00" for h in range(7, 22, 2)]


def test_daily_slots_when_quiet_hours_do_not_wrap() -> None:
    night_shift = schedule(BERLIN, (9, 17))  # sleeps 09:00-17:00: awake 17:00 to 09:00
    slots = daily_slots(date(2026, 6, 1), timedelta(hours=4), night_shift)
    assert walls(slots, BERLIN) == ["17:00", "21:00", "01:00", "05:00"]


@pytest.mark.parametrize(
    ("zone", "before", "after", "utc_before", "utc_after"),
    [
        # Berlin springs forward on 29 March 2026, New York on 8 March 2026.
        (BERLIN, date(2026, 3, 28), date(2026, 3, 29), 6, 5),
        (NEW_YORK, date(2026, 3, 7), date(2026, 3, 8), 12, 11),
        # Berlin falls back on 25 October 2026, New York on 1 November 2026.
        (BERLIN, date(2026, 10, 24), date(2026, 10, 25), 5, 6),
        (NEW_YORK, date(2026, 10, 31), date(2026, 11, 1), 11, 12),
    ],
)
def test_daily_reminders_keep_their_wall_clock_time_across_dst(
    zone: ZoneInfo, before: date, after: date, utc_before: int, utc_after: int
) -> None:
    every = timedelta(hours=2)
    first_before = daily_slots(before, every, schedule(zone))[0]
    first_after = daily_slots(after, every, schedule(zone))[0]
    assert first_before.hour == utc_before and first_after.hour == utc_after  # UTC moved
    assert walls([first_before, first_after], zone) == ["07:00", "07:00"]  # the clock did not


def test_a_slot_in_the_spring_gap_moves_forward_and_is_not_doubled() -> None:
    always = schedule(BERLIN, (0, 0))
    slots = daily_slots(date(2026, 3, 29), timedelta(hours=1), always)
    assert len(slots) == 23  # 02:00 does not exist; it becomes 03:00, which is already a slot
    assert walls(slots, BERLIN)[:4] == ["00:00", "01:00", "03:00", "04:00"]
    assert len(set(slots)) == len(slots)


def test_a_slot_in_the_autumn_fold_fires_once() -> None:
    always = schedule(NEW_YORK, (0, 0))
    slots = daily_slots(date(2026, 11, 1), timedelta(hours=1), always)
    assert len(slots) == 24  # 25 real hours, but 01:00 (twice on the clock) fires once
    one_am = [s for s in slots if s.astimezone(NEW_YORK).hour == 1]
    assert one_am == [at(NEW_YORK, 2026, 11, 1, 1, 0, fold=0)]  # its first occurrence


def test_next_daily_skips_the_night() -> None:
    berlin = schedule(BERLIN)
    evening = at(BERLIN, 2026, 6, 1, 21, 0)
    assert next_daily(evening, timedelta(hours=2), berlin) == at(BERLIN, 2026, 6, 2, 7, 0)
    assert next_daily(at(BERLIN, 2026, 6, 2, 7, 0), timedelta(hours=2), berlin) == at(
        BERLIN, 2026, 6, 2, 9, 0
    )


@pytest.mark.parametrize(
    ("zone", "start"),
    [(BERLIN, datetime(2026, 3, 27, tzinfo=UTC)), (NEW_YORK, datetime(2026, 10, 30, tzinfo=UTC))],
)
def test_a_clock_running_minute_by_minute_across_dst_sends_every_daily_slot_once(
    zone: ZoneInfo, start: datetime
) -> None:
    """Sweeps every minute for four days across a DST change: the same wall times each day."""
    person = schedule(zone)
    reminder = new_daily(1, start, timedelta(hours=3), person)
    sent: list[datetime] = []
    now = start
    while now < start + timedelta(days=4):
        if reminder.due_at <= now:
            decision = decide(reminder, now, person, PLAN)
            if decision.send:
                sent.append(now)
            assert decision.next_due is not None
            reminder = replace(reminder, due_at=decision.next_due)
        now += timedelta(minutes=1)
    by_day: dict[date, list[str]] = {}
    for moment in sent:
        local = moment.astimezone(zone)
        by_day.setdefault(local.date(), []).append(local.strftime("%H:%M"))
    days = sorted(by_day)[1:-1]  # whole days only
    assert len(days) >= 2
    for day in days:
        assert by_day[day] == ["07:00", "10:00", "13:00", "16:00", "19:00"], day
    assert not any(in_quiet(moment, person) for moment in sent)


# Series ---------------------------------------------------------------------------------------


def test_a_series_every_20_minutes_for_2_hours() -> None:
    start = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    series = new_series(1, start, PLAN, schedule(BERLIN))
    assert series is not None
    assert series.due_at == start + timedelta(minutes=20)
    assert len(series_slots(series)) == 6 == PLAN.series_count
    times = []
    due: datetime | None = series.due_at
    while due is not None:
        times.append(due)
        due = next_due(series, due, schedule(BERLIN))
    assert [t - start for t in times] == [timedelta(minutes=20 * k) for k in range(1, 7)]


def test_a_series_ends_after_its_last_slot() -> None:
    start = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    series = new_series(1, start, PLAN, schedule(BERLIN))
    assert series is not None
    last = start + timedelta(hours=2)
    assert next_due(series, last - timedelta(seconds=1), schedule(BERLIN)) == last
    assert next_due(series, last, schedule(BERLIN)) is None
    decision = decide(replace(series, due_at=last), last, schedule(BERLIN), PLAN)
    assert decision.send and decision.next_due is None
    assert reminder_text(series, last, TEXTS, last=True).startswith("💧 Last one: it's 2 hours")


def test_series_slots_in_quiet_hours_are_skipped_and_can_end_the_series() -> None:
    late = at(BERLIN, 2026, 6, 1, 21, 30)
    series = new_series(1, late, PLAN, schedule(BERLIN))
    assert series is not None
    assert walls([series.due_at], BERLIN) == ["21:50"]
    assert next_due(series, series.due_at, schedule(BERLIN)) is None  # 22:10... are quiet
    assert new_series(1, at(BERLIN, 2026, 6, 1, 23, 0), PLAN, schedule(BERLIN)) is None


def test_without_a_zone_quiet_hours_do_not_cut_a_series_short() -> None:
    utc = Schedule(zone_known=False)
    start = datetime(2026, 6, 1, 21, 30, tzinfo=UTC)
    series = new_series(1, start, PLAN, utc)
    assert series is not None
    assert next_due(series, start + timedelta(minutes=50), utc) == start + timedelta(minutes=60)


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK])
def test_a_series_across_the_spring_gap_stays_20_minutes_apart(zone: ZoneInfo) -> None:
    always = schedule(zone, (0, 0))
    day = 29 if zone is BERLIN else 8
    start = at(zone, 2026, 3, day, 1, 30)
    series = new_series(1, start, PLAN, always)
    assert series is not None
    times, due = [], series.due_at
    while due is not None:
        times.append(due)
        due = next_due(series, due, always)
    assert all(b - a == timedelta(minutes=20) for a, b in itertools.pairwise(times))
    assert walls(times, zone)[:3] == ["01:50", "03:10", "03:30"]  # the clock jumps, we don't


# Snooze ---------------------------------------------------------------------------------------


def test_snooze_then_back_on_the_grid() -> None:
    person = schedule(BERLIN)
    daily = new_daily(1, at(BERLIN, 2026, 6, 1, 8, 0), timedelta(hours=2), person)
    assert walls([daily.due_at], BERLIN) == ["09:00"]
    now = at(BERLIN, 2026, 6, 1, 9, 1)
    later = snoozed(daily, now, timedelta(minutes=30), person)
    assert later is not None and later.due_at == now + timedelta(minutes=30)
    decision = decide(later, later.due_at, person, PLAN)
    assert decision.send
    assert decision.next_due == at(BERLIN, 2026, 6, 1, 11, 0)


def test_snooze_into_quiet_hours_waits_for_the_morning() -> None:
    person = schedule(NEW_YORK)
    daily = new_daily(1, at(NEW_YORK, 2026, 6, 1, 20, 0), timedelta(hours=2), person)
    later = snoozed(daily, at(NEW_YORK, 2026, 6, 1, 21, 45), timedelta(hours=1), person)
    assert later is not None and later.due_at == at(NEW_YORK, 2026, 6, 2, 7, 0)


def test_snoozing_the_last_of_a_series_sends_it_once_more_then_ends() -> None:
    start = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    person = schedule(BERLIN)
    series = new_series(1, start, PLAN, person)
    assert series is not None
    last = start + timedelta(hours=2)
    later = snoozed(replace(series, due_at=last), last, timedelta(hours=1), person)
    assert later is not None and later.due_at == last + timedelta(hours=1)
    decision = decide(later, later.due_at, person, PLAN)
    assert decision.send and decision.next_due is None


def test_snoozing_a_series_into_quiet_hours_ends_it() -> None:
    person = schedule(BERLIN)
    series = new_series(1, at(BERLIN, 2026, 6, 1, 21, 0), PLAN, person)
    assert series is not None
    assert snoozed(series, at(BERLIN, 2026, 6, 1, 21, 40), timedelta(hours=1), person) is None


# Catch-up after downtime ----------------------------------------------------------------------


def test_after_downtime_one_catch_up_then_the_next_future_slot() -> None:
    start = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    person = schedule(BERLIN)
    series = new_series(1, start, PLAN, person)
    assert series is not None
    back = start + timedelta(minutes=65)  # down from 10:15 to 11:05: three slots missed
    decision = decide(series, back, person, PLAN)
    assert decision.send
    assert decision.next_due == start + timedelta(minutes=80)


def test_a_sweep_every_second_after_downtime_sends_exactly_one() -> None:
    start = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    person = schedule(BERLIN)
    reminder = new_series(1, start, PLAN, person)
    assert reminder is not None
    now, sends = start + timedelta(minutes=70), 0
    for _ in range(300):  # five minutes of sweeps after the restart
        if reminder.due_at <= now:
            decision = decide(reminder, now, person, PLAN)
            sends += decision.send
            assert decision.next_due is not None
            reminder = replace(reminder, due_at=decision.next_due)
        now += timedelta(seconds=1)
    assert sends == 1


def test_a_reminder_too_late_is_skipped_not_sent() -> None:
    person = schedule(BERLIN)
    daily = new_daily(1, at(BERLIN, 2026, 6, 1, 8, 0), timedelta(hours=2), person)
    back = at(BERLIN, 2026, 6, 1, 15, 10)  # 6 hours late
    decision = decide(daily, back, person, PLAN)
    assert not decision.send and decision.reason == "late"
    assert decision.next_due == at(BERLIN, 2026, 6, 1, 17, 0)


def test_a_reminder_overdue_into_quiet_hours_is_not_sent() -> None:
    person = schedule(BERLIN)
    daily = replace(
        new_daily(1, at(BERLIN, 2026, 6, 1, 20, 0), timedelta(hours=2), person),
        due_at=at(BERLIN, 2026, 6, 1, 21, 0),
    )
    decision = decide(daily, at(BERLIN, 2026, 6, 1, 22, 0, 5), person, PLAN)
    assert not decision.send and decision.reason == "quiet"
    assert decision.next_due == at(BERLIN, 2026, 6, 2, 7, 0)


def test_changing_quiet_hours_reschedules() -> None:
    person = schedule(BERLIN)
    daily = new_daily(1, at(BERLIN, 2026, 6, 1, 6, 0), timedelta(hours=2), person)
    assert walls([daily.due_at], BERLIN) == ["07:00"]
    late_riser = schedule(BERLIN, (23, 9))
    moved = rescheduled(daily, at(BERLIN, 2026, 6, 1, 6, 0), late_riser)
    assert moved is not None and walls([moved.due_at], BERLIN) == ["09:00"]


# Small helpers --------------------------------------------------------------------------------


def test_day_bounds_follow_the_persons_calendar_and_dst() -> None:
    start, end = day_bounds(at(BERLIN, 2026, 3, 29, 12, 0), BERLIN)
    assert start == at(BERLIN, 2026, 3, 29, 0, 0)
    assert end - start == timedelta(hours=23)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("every 2 hours", 120),
        ("Every hour", 60),
        ("hourly", 60),
        ("90 min", 90),
        ("1.5h", 90),
        ("every half an hour", 30),
        ("every 5 minutes", 30),  # clamped to daily.shortest
        ("every 12 hours", 480),  # clamped to daily.longest
        ("whenever", None),
    ],
)
def test_parse_interval(text: str, minutes: int | None) -> None:
    read = parse_interval(text)
    found = None if read is None else PLAN.clamp_daily(read)
    assert (None if found is None else found.total_seconds() / 60) == minutes


def test_reminders_are_aware() -> None:
    with pytest.raises(ValueError, match="naive"):
        new_daily(1, datetime(2026, 6, 1, 8, 0), timedelta(hours=2), schedule(BERLIN))
    assert isinstance(Reminder, type)


# A series that would fall in the quiet hours ahead -------------------------------------------


def test_a_series_all_in_the_quiet_hours_ahead_is_not_started_and_when_they_begin_and_end() -> None:
    now = at(BERLIN, 2026, 11, 30, 21, 45)
    berlin = schedule(BERLIN)
    assert not in_quiet(now, berlin)
    assert new_series(1, now, PLAN, berlin) is None
    assert quiet_begins(now, berlin) == at(BERLIN, 2026, 11, 30, 22, 0)
    assert quiet_ends(now, berlin) == at(BERLIN, 2026, 12, 1, 7, 0)
    inside = at(BERLIN, 2026, 11, 30, 23, 0)
    assert quiet_begins(inside, berlin) == at(BERLIN, 2026, 12, 1, 22, 0)


def test_one_reminder_instead_fires_once_and_is_the_last() -> None:
    now = at(BERLIN, 2026, 11, 30, 21, 45)
    berlin = schedule(BERLIN)
    for when in (at(BERLIN, 2026, 11, 30, 21, 50), at(BERLIN, 2026, 12, 1, 7, 0)):
        one = one_off(1, now, when, PLAN)
        assert one.kind == "series" and one.due_at == when == one.ends_at
        decision = decide(one, when, berlin, PLAN)
        assert decision.send and decision.next_due is None
