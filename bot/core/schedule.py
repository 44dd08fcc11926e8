"""Hydration reminders: the plan (data/reminders.yaml) and the next-time arithmetic. Pure.

    Plan                 how often, how long, quiet hours, snooze, catch-up (from YAML)
    Reminder             one row of the reminders table: a post-workout series or daily
    Schedule             where a person lives in time: zone + quiet hours
    next_due(r, after)   the next time `r` fires strictly after `after`, or None (series over)
    decide(r, now)       at a sweep: send now or skip (quiet, too late), and when next

The plan is read by bot/content/plan.py; what a reminder says is bot/core/saying.py.

No I/O and no clock: `now` is always passed in. Inside, every datetime is aware
and in UTC; the person's ZoneInfo is applied only to place slots on their wall
clock and to test quiet hours.

Rules, each tested in tests/test_reminders.py:

- A series runs on a fixed grid from its start: start + every, start + 2*every, ...
  up to start + length. It is absolute time, so a daylight-saving change does not
  stretch or shrink it.
- Daily reminders sit on the person's wall clock: quiet_end, quiet_end + every, ...
  while before quiet_start (quiet hours may wrap midnight). On a day with a
  daylight-saving gap a slot that does not exist moves forward by the gap; in a
  fold (the repeated hour) a slot fires once, at its first occurrence.
- A reminder that falls inside quiet hours is SKIPPED, never moved: the next slot
  outside quiet hours is used. A series whose remaining slots are all quiet ends.
- Snooze: the next reminder comes `delta` from now (if that is quiet, the next slot
  after it); afterwards the reminder carries on on its grid.
- Catch-up after downtime: an overdue reminder is sent at most once, and only if it
  is at most `catch_up_within` late and `now` is not in quiet hours; the next one is
  the first slot after `now`. So a person never gets a flood.
- A series whose every slot falls in quiet hours is not started; the person may take one
  reminder instead (`one_off`), before quiet hours begin or when they end.
- Without a known time zone, quiet hours are not applied to a series (the person
  has just exercised, so they are awake); daily reminders use UTC until a zone is set.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

UTC_ZONE = ZoneInfo("UTC")
ReminderKind = Literal["series", "daily"]
KINDS: tuple[ReminderKind, ...] = ("series", "daily")


# --------------------------------------------------------------------------- the plan
@dataclass(frozen=True, slots=True)
class Plan:
    """data/reminders.yaml, checked. See the comments in that file for each value."""

    series_every: timedelta = timedelta(minutes=20)
    series_for: timedelta = timedelta(hours=2)
    daily_every: timedelta = timedelta(hours=2)
    daily_shortest: timedelta = timedelta(minutes=30)
    daily_longest: timedelta = timedelta(hours=8)
    quiet_start: time = time(22, 0)
    quiet_end: time = time(7, 0)
    snooze_short: timedelta = timedelta(minutes=30)
    snooze_long: timedelta = timedelta(hours=1)
    catch_up_within: timedelta = timedelta(hours=3)

    @property
    def series_count(self) -> int:
        """How many reminders one series sends (when none is skipped)."""
        return int(self.series_for / self.series_every)

    def clamp_daily(self, every: timedelta) -> timedelta:
        """A daily interval someone asked for, within daily.shortest .. daily.longest."""
        return min(max(every, self.daily_shortest), self.daily_longest)


# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Schedule:
    """A person's place in time: their zone (UTC until known) and quiet hours."""

    zone: ZoneInfo = UTC_ZONE
    quiet_start: time = time(22, 0)
    quiet_end: time = time(7, 0)
    zone_known: bool = False


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder schedule of one person. At most one of each kind per person.

    `started_at` anchors the grid: for a series the moment it was asked for; for daily
    reminders the moment they were turned on (the grid itself is on the wall clock).
    """

    user_id: int
    kind: ReminderKind
    due_at: datetime
    every: timedelta
    started_at: datetime
    ends_at: datetime | None = None
    last_sent_at: datetime | None = None
    sent: int = 0
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """What the sweep does with one due reminder."""

    send: bool
    next_due: datetime | None  # None: the reminder is finished (a series ended)
    reason: str = ""  # why it was skipped: "quiet" or "late"


# --------------------------------------------------------------------------- quiet hours


def in_quiet(at: datetime, schedule: Schedule) -> bool:
    """True when `at` falls in the person's quiet hours, on their wall clock."""
    start, end = schedule.quiet_start, schedule.quiet_end
    if start == end:
        return False
    wall = _utc(at).astimezone(schedule.zone).time()
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end  # wraps midnight, e.g. 22:00-07:00


def held_back(kind: ReminderKind, at: datetime, schedule: Schedule) -> bool:
    """Whether quiet hours keep a reminder of `kind` from going out at `at`: a daily one
    always; a series (started right after a workout) only once the person's zone is
    known, since quiet hours on a guessed clock would drop reminders they asked for."""
    return (kind == "daily" or schedule.zone_known) and in_quiet(at, schedule)


def quiet_begins(now: datetime, schedule: Schedule) -> datetime:
    """The next moment (UTC, after `now`) the person's quiet hours begin."""
    return _next_wall(now, schedule.quiet_start, schedule.zone)


def quiet_ends(now: datetime, schedule: Schedule) -> datetime:
    """The next moment (UTC, after `now`) the person's quiet hours end."""
    return _next_wall(now, schedule.quiet_end, schedule.zone)


def _next_wall(after: datetime, wall: time, zone: ZoneInfo) -> datetime:
    """The first moment strictly after `after` when the clock in `zone` shows `wall`
    (in a daylight-saving gap, just after it; in a fold, the first time)."""
    day = _utc(after).astimezone(zone).date()
    for _ in range(3):
        at = datetime.combine(day, wall).replace(tzinfo=zone, fold=0).astimezone(UTC)
        if at > after:
            return at
        day += timedelta(days=1)
    raise AssertionError("a time of day comes round within two days")


def _waking_length(schedule: Schedule) -> timedelta:
    """Length of the waking window on the wall clock: quiet_end until quiet_start."""
    start = _minutes(schedule.quiet_end)
    stop = _minutes(schedule.quiet_start)
    length = (stop - start) % (24 * 60)
    return timedelta(minutes=length or 24 * 60)


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


# --------------------------------------------------------------------------- slots


def daily_slots(day: date, every: timedelta, schedule: Schedule) -> list[datetime]:
    """See `_daily_slots`; cached, since most people share a zone, quiet hours and interval."""
    return list(_daily_slots(day, every, schedule))


@functools.lru_cache(maxsize=4096)
def _daily_slots(day: date, every: timedelta, schedule: Schedule) -> tuple[datetime, ...]:
    """The daily reminder times (UTC) of the waking window that starts on `day` (wall clock).

    Slots are wall-clock times quiet_end + k*every before quiet_start. A wall time in
    a daylight-saving gap is read with fold=0 (it lands after the gap); a time in a fold
    fires at its first occurrence. Duplicates from a gap are dropped.
    """
    zone = schedule.zone
    first = datetime.combine(day, schedule.quiet_end)
    length = _waking_length(schedule)
    found: set[datetime] = set()
    offset = timedelta(0)
    while offset < length:
        wall = first + offset
        found.add(wall.replace(tzinfo=zone, fold=0).astimezone(UTC))
        offset += every
    return tuple(sorted(found))


def next_daily(after: datetime, every: timedelta, schedule: Schedule) -> datetime:
    """The first daily slot strictly after `after` that is not in quiet hours."""
    after = _utc(after)
    day = after.astimezone(schedule.zone).date() - timedelta(days=1)
    for _ in range(4):
        for slot in _daily_slots(day, every, schedule):
            if slot > after and not in_quiet(slot, schedule):
                return slot
        day += timedelta(days=1)
    raise AssertionError("a waking window always has a slot within three days")


def series_slots(reminder: Reminder) -> list[datetime]:
    """Every slot of a series grid, quiet or not: start + every ... up to ends_at."""
    assert reminder.ends_at is not None
    slots = []
    at = reminder.started_at + reminder.every
    while at <= reminder.ends_at:
        slots.append(at)
        at += reminder.every
    return slots


def next_series(after: datetime, reminder: Reminder, schedule: Schedule) -> datetime | None:
    """The first series slot strictly after `after` outside quiet hours; None when over."""
    after = _utc(after)
    ends = reminder.ends_at
    if ends is None:
        raise ValueError("a series reminder needs ends_at")
    steps = max(1, (after - reminder.started_at) // reminder.every + 1)
    at = reminder.started_at + steps * reminder.every
    while at <= ends:
        if at > after and not held_back("series", at, schedule):
            return at
        at += reminder.every
    return None


def next_due(reminder: Reminder, after: datetime, schedule: Schedule) -> datetime | None:
    """When `reminder` fires next, strictly after `after`; None when it is finished."""
    if reminder.kind == "series":
        return next_series(after, reminder, schedule)
    return next_daily(after, reminder.every, schedule)


# --------------------------------------------------------------------------- making and changing


def new_series(user_id: int, now: datetime, plan: Plan, schedule: Schedule) -> Reminder | None:
    """A post-workout series starting now; None if every slot falls in quiet hours."""
    now = _utc(now)
    draft = Reminder(
        user_id=user_id,
        kind="series",
        due_at=now,
        every=plan.series_every,
        started_at=now,
        ends_at=now + plan.series_every * plan.series_count,
    )
    due = next_series(now, draft, schedule)
    return None if due is None else replace(draft, due_at=due)


def one_off(user_id: int, now: datetime, at: datetime, plan: Plan) -> Reminder:
    """A series of one reminder at `at`: what is left of a post-workout series when every
    slot of it would fall in quiet hours (one before they begin, or one when they end)."""
    now, at = _utc(now), _utc(at)
    return Reminder(
        user_id=user_id,
        kind="series",
        due_at=at,
        every=plan.series_every,
        started_at=now,
        ends_at=at,
    )


def new_daily(user_id: int, now: datetime, every: timedelta, schedule: Schedule) -> Reminder:
    now = _utc(now)
    return Reminder(
        user_id=user_id,
        kind="daily",
        due_at=next_daily(now, every, schedule),
        every=every,
        started_at=now,
    )


def snoozed(
    reminder: Reminder, now: datetime, delta: timedelta, schedule: Schedule
) -> Reminder | None:
    """The reminder `delta` from now; if that is quiet, the next slot after it.

    A series snoozed past its end still sends that one snoozed reminder (the person
    asked for it) unless it would fall in quiet hours; None means nothing is left.
    """
    wanted = _utc(now) + delta
    if not held_back(reminder.kind, wanted, schedule):
        if reminder.kind == "series" and reminder.ends_at is not None:
            return replace(reminder, due_at=wanted, ends_at=max(reminder.ends_at, wanted))
        return replace(reminder, due_at=wanted)
    following = next_due(reminder, wanted, schedule)
    return None if following is None else replace(reminder, due_at=following)


def rescheduled(reminder: Reminder, now: datetime, schedule: Schedule) -> Reminder | None:
    """After a change of time zone or quiet hours: the next slot from now under the new rules."""
    if reminder.kind == "series":
        following = next_series(now, reminder, schedule)
        return None if following is None else replace(reminder, due_at=following)
    return replace(reminder, due_at=next_daily(now, reminder.every, schedule))


def decide(reminder: Reminder, now: datetime, schedule: Schedule, plan: Plan) -> Decision:
    """At a sweep, for a reminder due at or before `now`: send it or skip it, and when next.

    At most one send per overdue reminder, whatever the downtime: the next time is
    always the first slot after `now`, never an older one.
    """
    now = _utc(now)
    following = next_due(reminder, now, schedule)
    if now - reminder.due_at > plan.catch_up_within:
        return Decision(False, following, "late")
    if held_back(reminder.kind, now, schedule):
        return Decision(False, following, "quiet")
    return Decision(True, following)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value!r} is naive; reminders use aware datetimes only")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Advance:
    """What a sweep records about one reminder after it was sent (or skipped).

    Applied only if the reminder is still as it was read (same id and due_at): a
    snooze, a stop or a new series in the meantime wins over the sweep.
    """

    reminder: Reminder
    next_due: datetime | None  # None: delete it (a finished series)
    sent_at: datetime | None  # None: skipped, not sent


def day_bounds(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the person's calendar day that contains `now`."""
    local = _utc(now).astimezone(zone)
    start = datetime.combine(local.date(), time(0), tzinfo=zone)
    end = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)
