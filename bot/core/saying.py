"""Saying times and durations, in the person's language. Pure. The one place for each.

    say_duration(timedelta(minutes=80), texts)   -> "1 h 20 min"       reminders
    within_words(timedelta(days=14), texts)      -> "14 days"          "in the last {within}"
    hours_words(200, texts)                      -> "about 3.5 hours"  a long cramp
    duration_words(5, texts)                     -> "about 5 min"      the cramp history
    clock_text(moment, schedule, now, texts)     -> "tomorrow at 07:00" on the person's clock
    quiet_text(schedule, texts)                  -> "22:00 to 07:00"
    reminder_text(reminder, now, texts, last=)   -> "💧 Time for a drink: it's 40 minutes ..."

Every word comes from the dialogue's texts (dialogues/<language>/texts.yaml); NEEDS
lists the keys and the fields each is given. Reading them is bot/core/words.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.core.contract import Needs
from bot.core.schedule import Reminder, Schedule
from bot.core.texts import Texts

NEEDS = Needs(
    who="the words for times and durations (bot/core/saying.py)",
    texts={
        "minutes_one": (),
        "minutes_many": ("n",),
        "hours_one": (),
        "hours_many": ("n",),
        "hours_minutes": ("hours", "minutes"),
        "days_many": ("n",),
        "the_hour": (),
        "the_minute": (),
        "about_minutes": ("n",),
        "about_hours": ("n",),
        "over_a_day": (),
        "under_a_minute": (),
        "about_min": ("n",),
        "about_h": ("n",),
        "clock_today": ("time",),
        "clock_tomorrow": ("time",),
        "clock_this_week": ("weekday", "time"),
        "clock_other_day": ("weekday", "day", "month", "time"),
        "weekdays": (),
        "weekdays_long": (),
        "months": (),
        "quiet_none": (),
        "quiet_hours": ("start", "end"),
        "reminder_series": ("since",),
        "reminder_series_last": ("since",),
        "reminder_daily": (),
    },
)


def say_duration(span: timedelta, texts: Texts) -> str:
    """timedelta -> "40 minutes", "1 hour", "1 h 20 min", "2 hours" (rounded to minutes)."""
    minutes = max(0, round(span.total_seconds() / 60))
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return texts.say("minutes_one") if rest == 1 else texts.say("minutes_many", n=rest)
    if rest == 0:
        return texts.say("hours_one") if hours == 1 else texts.say("hours_many", n=hours)
    return texts.say("hours_minutes", hours=hours, minutes=rest)


def within_words(span: timedelta, texts: Texts) -> str:
    """A rule's window, after "in the last": 14 days as "14 days", 1 day as "24 hours",
    1 hour as "hour"."""
    seconds = int(span.total_seconds())
    if seconds % 86400 == 0 and seconds >= 2 * 86400:
        return texts.say("days_many", n=seconds // 86400)
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return texts.say("the_hour") if hours == 1 else texts.say("hours_many", n=hours)
    minutes = max(1, round(seconds / 60))
    return texts.say("the_minute") if minutes == 1 else texts.say("minutes_many", n=minutes)


def hours_words(minutes: float, texts: Texts) -> str:
    """A long duration: "about 60 minutes", "about 4.5 hours", "more than a day"."""
    if minutes >= 24 * 60:
        return texts.say("over_a_day")
    if minutes < 90:
        return texts.say("about_minutes", n=round(minutes))
    return texts.say("about_hours", n=f"{round(minutes / 30) / 2:g}")


#: The texts duration_words says a length with: under a minute, minutes ({n}), hours ({n}).
DURATION_KEYS = ("under_a_minute", "about_min", "about_h")


def duration_words(
    minutes: float | None, texts: Texts, keys: tuple[str, str, str] = DURATION_KEYS
) -> str | None:
    """A cramp's length, short: "under a minute", "about 5 min", "about 1.5 h"; None if
    not known. Other `keys` word the same rounding otherwise (the chart's "<1 min")."""
    if minutes is None:
        return None
    under, in_minutes, in_hours = keys
    if minutes < 1:
        return texts.say(under)
    if minutes < 59.5:
        return texts.say(in_minutes, n=round(minutes))
    return texts.say(in_hours, n=f"{round(minutes / 30) / 2:g}")


def clock_text(moment: datetime, schedule: Schedule, now: datetime, texts: Texts) -> str:
    """When `moment` is on the person's clock, as it reads after "I'll remind you":
    "at 15:40" (today), "tomorrow at 07:00", "on Thursday at 07:00" (this week),
    "on Thu 11 Jun at 07:00" (later)."""
    local, today = moment.astimezone(schedule.zone), now.astimezone(schedule.zone).date()
    hhmm = f"{local:%H:%M}"
    days = (local.date() - today).days
    if days == 0:
        return texts.say("clock_today", time=hhmm)
    if days == 1:
        return texts.say("clock_tomorrow", time=hhmm)
    if 1 < days < 7:
        return texts.say(
            "clock_this_week", weekday=weekday_name(local.date(), texts, long=True), time=hhmm
        )
    return texts.say(
        "clock_other_day",
        weekday=weekday_name(local.date(), texts),
        day=f"{local.day}",
        month=month_name(local.date(), texts),
        time=hhmm,
    )


def weekday_name(day: date, texts: Texts, *, long: bool = False) -> str:
    """ "Mon" for a Monday, from the language's `weekdays` (seven names, Monday first);
    with `long`, "Monday", from `weekdays_long` (the short name if that is not seven)."""
    names = texts.say("weekdays_long").split() if long else []
    if len(names) != 7:
        names = texts.say("weekdays").split()
    return names[day.weekday()]


def month_name(day: date, texts: Texts) -> str:
    """ "Jun" for a day in June, from the language's `months` (twelve names)."""
    return texts.say("months").split()[day.month - 1]


def quiet_text(schedule: Schedule, texts: Texts) -> str:
    """The person's quiet hours: "22:00 to 07:00", or "none"."""
    start, end = schedule.quiet_start, schedule.quiet_end
    if start == end:
        return texts.say("quiet_none")
    return texts.say("quiet_hours", start=f"{start:%H:%M}", end=f"{end:%H:%M}")


def reminder_text(reminder: Reminder, now: datetime, texts: Texts, *, last: bool) -> str:
    """What the reminder being sent at `now` says."""
    if reminder.kind == "daily":
        return texts.say("reminder_daily")
    key = "reminder_series_last" if last else "reminder_series"
    return texts.say(key, since=say_duration(now - reminder.started_at, texts))
