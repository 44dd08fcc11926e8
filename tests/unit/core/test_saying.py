"""bot.core.saying: times and durations in words, every word from the texts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.saying import (
    clock_text,
    duration_words,
    hours_words,
    quiet_text,
    say_duration,
    within_words,
)
from bot.core.schedule import Schedule
from bot.core.texts import Texts
from tests.helpers.texts import english

TEXTS = english()
BERLIN = Schedule(ZoneInfo("Europe/Berlin"), time(22), time(7), zone_known=True)


def test_say_duration() -> None:
    assert say_duration(timedelta(minutes=1), TEXTS) == "1 minute"
    assert say_duration(timedelta(minutes=40), TEXTS) == "40 minutes"
    assert say_duration(timedelta(minutes=60), TEXTS) == "1 hour"
    assert say_duration(timedelta(minutes=80), TEXTS) == "1 h 20 min"
    assert say_duration(timedelta(hours=2), TEXTS) == "2 hours"


def test_within_and_hours_words() -> None:
    assert within_words(timedelta(days=14), TEXTS) == "14 days"
    assert within_words(timedelta(days=1), TEXTS) == "24 hours"
    assert within_words(timedelta(hours=1), TEXTS) == "hour"
    assert within_words(timedelta(minutes=1), TEXTS) == "minute"
    assert hours_words(200, TEXTS) == "about 3.5 hours"
    assert hours_words(60, TEXTS) == "about 60 minutes"
    assert hours_words(2000, TEXTS) == "more than a day"


def test_duration_words() -> None:
    assert duration_words(None, TEXTS) is None
    assert duration_words(0.5, TEXTS) == "under a minute"
    assert duration_words(59, TEXTS) == "about 59 min"
    assert duration_words(100, TEXTS) == "about 1.5 h"


def test_clock_text_reads_naturally_after_remind_you() -> None:
    now = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # Monday, 12:00 in Berlin
    assert clock_text(now + timedelta(hours=3, minutes=40), BERLIN, now, TEXTS) == "at 15:40"
    assert clock_text(now + timedelta(hours=19), BERLIN, now, TEXTS) == "tomorrow at 07:00"
    assert clock_text(now + timedelta(days=2, hours=19), BERLIN, now, TEXTS) == (
        "on Thursday at 07:00"
    )
    assert clock_text(now + timedelta(days=9, hours=19), BERLIN, now, TEXTS) == (
        "on Thu 11 Jun at 07:00"
    )


def test_clock_text_tomorrow_is_the_persons_tomorrow() -> None:
    now = datetime(2026, 11, 30, 22, 38, tzinfo=UTC)  # 23:38 in Berlin, still Monday
    assert clock_text(now + timedelta(minutes=80), BERLIN, now, TEXTS) == "tomorrow at 00:58"
    assert clock_text(now + timedelta(minutes=80), Schedule(), now, TEXTS) == "at 23:58"


def test_quiet_text() -> None:
    assert quiet_text(BERLIN, TEXTS) == "22:00 to 07:00"
    assert quiet_text(Schedule(quiet_start=time(0), quiet_end=time(0)), TEXTS) == "none"


def test_the_words_come_from_the_texts() -> None:
    other = Texts({**TEXTS.entries, "minutes_many": "{n} Minuten", "quiet_none": "keine"})
    assert say_duration(timedelta(minutes=5), other) == "5 Minuten"
    assert quiet_text(Schedule(quiet_start=time(0), quiet_end=time(0)), other) == "keine"
