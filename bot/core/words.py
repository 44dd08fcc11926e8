"""Reading times and durations as people write them. Pure. The one reader of each.

    parse_span("20m", "smhd")       -> 0:20:00           settings and data files
    parse_interval("every 2 hours") -> 2:00:00           what a person types
    parse_clock("22:00")            -> time(22, 0)       a whole text that is a time of day
    find_clock("it's 2:35pm here")  -> Clock(14, 35 ...) the first time of day in a text
    parse_quiet("10pm-6am")         -> (time(22), time(6))   quiet hours

A time of day is read by one pattern (CLOCK): "14:35", "2pm", "2:35 pm", "14h35",
"9.05", "7", "11 o'clock", "23h", "midnight" (or "midnite"), "noon". Saying times and
durations is bot/core/saying.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta

# --------------------------------------------------------------------------- spans

_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]?)\s*$", re.IGNORECASE)
_UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}


def parse_span(text: object, units: str, *, bare: str | None = None) -> timedelta | None:
    """A number and one of `units` ("smhd"...) -> timedelta; None if `text` is not that.

    With `bare`, a number without a unit counts in that unit ("90" -> 90 s).
    Zero is a span too: callers that need more say so themselves.
    """
    found = _SPAN.match(text) if isinstance(text, str) else None
    if found is None:
        return None
    unit = found.group(2).lower() or bare
    if unit is None or unit not in units:
        return None
    return float(found.group(1)) * _UNITS[unit]


_INTERVAL = re.compile(
    r"(\d+(?:[.,]\d+)?|\b(?:an?|one|two|three|four|five|six|couple(?: of)?|half an?)\b)\s*"
    r"(h|hr|hrs|hrz|hour|hours|hors|m|min|mins|minute|minutes|minuts)\b",
    re.IGNORECASE,
)
_WORD_NUMBERS = {
    "a": 1.0,
    "an": 1.0,
    "one": 1.0,
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "six": 6.0,
    "couple": 2.0,
    "couple of": 2.0,
}
#: "every hour", "each hr", "once an hour": one of the unit.
_EVERY_UNIT = re.compile(r"\b(?:every|each|once an?)\s+(hour|hr|minute|min)\b")


def parse_interval(text: str) -> timedelta | None:
    """ "every 2 hours", "every 2h", "90 min", "hourly", "1.5h", "every half an hour",
    "every couple hours" -> timedelta; None when the text names no interval ("every few
    hrs": how many is a few?). (The plan's limits are Plan.clamp_daily.)"""
    lowered = _EVERY_UNIT.sub(r"every 1 \1", " ".join(text.lower().split()))
    if re.search(r"\bhourly\b|\bhrly\b", lowered):
        return timedelta(hours=1)
    found = _INTERVAL.search(lowered)
    if found is None:
        return None
    amount_text = found.group(1).lower().replace(",", ".")
    if amount_text.startswith("half"):
        amount = 0.5
    else:
        amount = _WORD_NUMBERS.get(amount_text) or float(amount_text)
    unit = 3600 if found.group(2).lower().startswith("h") else 60
    return timedelta(seconds=amount * unit)


# --------------------------------------------------------------------------- times of day

#: One time of day, in a larger pattern: a word, or hour [sep minute] [am/pm].
CLOCK = (
    r"(?:\b(midnight|midnite|mid night|midnigth|midnght|noon|midday|mid day)\b"
    r"|(?<![\d:.])(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?(?!\d)"
    r"(?:\s*(?:o'?\s?clock|h\b))?)"
)
_CLOCK = re.compile(CLOCK, re.IGNORECASE)
_WHOLE_CLOCK = re.compile(rf"^\s*{CLOCK}\s*$", re.IGNORECASE)
_QUIET_RANGE = re.compile(
    rf"(?P<start>{CLOCK})\s*(?:-|\u2013|\u2014|to|until|till|til|untill|and|through|thru)\s*(?P<end>{CLOCK})",
    re.IGNORECASE,
)
_NO_QUIET = re.compile(r"\bno quiet\b|\bnone\b|\bnever\b|\boff\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Clock:
    """A time of day someone wrote, and how much of it they wrote."""

    hour: int
    minute: int
    exact_minute: bool  # minutes written: "14:35", "2:00pm" rather than "2pm" or "14"
    meridiem: bool  # am/pm written, or a word ("noon"): never 12 hours off

    @property
    def bare(self) -> bool:
        """Just a number ("3"): a time only where a time is expected."""
        return not self.exact_minute and not self.meridiem

    @property
    def twelve_hour(self) -> bool:
        """No am/pm and hour 1..12: "2:35" may be 02:35 or 14:35."""
        return not self.meridiem and 1 <= self.hour <= 12

    @property
    def time(self) -> time:
        return time(self.hour, self.minute)


def _clock(found: re.Match[str]) -> Clock | None:
    """The Clock of one CLOCK match (its first four groups); None if no such time."""
    word, hour_text, minute_text, suffix = found.group(1, 2, 3, 4)
    if word is not None:
        midnight = word.lower().startswith("mid") and not word.lower().endswith("day")
        return Clock(0 if midnight else 12, 0, False, True)
    hour, minute = int(hour_text), int(minute_text or 0)
    if minute > 59:
        return None
    if suffix is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix.lower().startswith("p") else 0)
        return Clock(hour, minute, minute_text is not None, True)
    if hour > 23:
        return None
    return Clock(hour, minute, minute_text is not None, False)


def _whole_clock(text: str) -> Clock | None:
    found = _WHOLE_CLOCK.match(text)
    return None if found is None else _clock(found)


def parse_clock(text: str) -> time | None:
    """ "22:00", "7", "07:30", "10pm", "noon" -> a time of day; None if the text is not one."""
    clock = _whole_clock(text)
    return None if clock is None else clock.time


def find_clock(text: str) -> Clock | None:
    """The first time of day in `text`: "it's 14:35 here", "2 pm", "14h35", "9.05".
    A bare number ("3") is not one; None if there is none."""
    for found in _CLOCK.finditer(text):
        clock = _clock(found)
        if clock is not None and not clock.bare:
            return clock
    return None


def parse_quiet(text: str) -> tuple[time, time] | None:
    """ "22:00-07:00", "23 to 8", "10pm-6am", "No quiet hours" -> (start, end); None if unclear."""
    if _NO_QUIET.search(text):
        return (time(0), time(0))
    found = _QUIET_RANGE.search(text)
    if found is None:
        return None
    first, last = _whole_clock(found.group("start")), _whole_clock(found.group("end"))
    if first is None or last is None:
        return None
    start, end = first.time, last.time
    if not first.meridiem and end < start < time(12) and start.hour >= 6:
        # "11-6", "10 to 7am": quiet hours are a night; read the first as the evening.
        start = start.replace(hour=start.hour + 12)
    if start == end:
        return None  # "9pm-9pm" is no night at all; "no quiet hours" says so in words
    return start, end
