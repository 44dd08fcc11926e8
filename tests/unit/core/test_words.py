"""bot.core.words: the one reader of spans ("90s", "20m") and of times of day ("2:35pm")."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.core.words import find_clock, parse_clock, parse_interval, parse_quiet, parse_span


@pytest.mark.parametrize(
    ("text", "units", "bare", "expected"),
    [
        ("90s", "smhd", None, timedelta(seconds=90)),
        (" 1.5 H ", "smhd", None, timedelta(minutes=90)),
        ("2w", "mhdw", None, timedelta(weeks=2)),
        ("0m", "mhdw", None, timedelta(0)),
        ("90", "smhd", "s", timedelta(seconds=90)),
        ("90", "smhd", None, None),  # no unit, none assumed
        ("2w", "smhd", None, None),  # a unit this caller does not take
        ("90s", "mhdw", None, None),
        ("3hx", "smhd", None, None),
        ("-3h", "smhd", None, None),
        ("", "smhd", "s", None),
        (3, "smhd", "s", None),  # not text
    ],
)
def test_parse_span(text: object, units: str, bare: str | None, expected: object) -> None:
    assert parse_span(text, units, bare=bare) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22:00", time(22)),
        ("7", time(7)),
        (" 07:30 ", time(7, 30)),
        ("14h35", time(14, 35)),
        ("9.05", time(9, 5)),
        ("2pm", time(14)),
        ("2:35 pm", time(14, 35)),
        ("12am", time(0)),
        ("midnight", time(0)),
        ("Noon", time(12)),
        ("25:00", None),
        ("13pm", None),
        ("7:75", None),
        ("at 7", None),  # the whole text must be a time
        ("", None),
    ],
)
def test_parse_clock(text: str, expected: time | None) -> None:
    assert parse_clock(text) == expected


def test_find_clock_skips_bare_numbers_and_impossible_times() -> None:
    found = find_clock("3 cramps, 25:00, and now it's 2:35")
    assert found is not None and (found.hour, found.minute, found.twelve_hour) == (2, 35, True)
    noon = find_clock("it's noon here")
    assert noon is not None and (noon.hour, noon.twelve_hour, noon.exact_minute) == (
        12,
        False,
        False,
    )
    assert find_clock("3") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("midnite to 6", (time(0), time(6))),
        ("11pm-7am", (time(23), time(7))),
        ("10 pm to 6", (time(22), time(6))),
        ("10pm til 6am", (time(22), time(6))),
        ("23h-7h", (time(23), time(7))),
        ("11 o'clock to 7", (time(23), time(7))),
        ("whenever i sleep", None),
    ],
)
def test_quiet_hours_the_way_phones_type_them(text: str, expected: object) -> None:
    assert parse_quiet(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every 2h", timedelta(hours=2)),
        ("hourly", timedelta(hours=1)),
        ("every hr", timedelta(hours=1)),
        ("once an hour", timedelta(hours=1)),
        ("every couple of hours", timedelta(hours=2)),
        ("Every 3 hours", timedelta(hours=3)),
        ("every few hrs maybe", None),  # how many is a few: asked again
        ("idk", None),
    ],
)
def test_intervals_the_way_phones_type_them(text: str, expected: object) -> None:
    assert parse_interval(text) == expected
