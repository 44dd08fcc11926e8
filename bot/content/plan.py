"""data/reminders.yaml -> Plan (bot/core/schedule.py), checked.

load_plan(path) -> Plan      or ContentError listing every problem (file, key, fix)
"""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from typing import Any

from bot.content.yamlfile import load_yaml
from bot.core.schedule import Plan
from bot.core.texts import Texts
from bot.core.words import parse_clock, parse_span
from bot.errors import ContentError

PLAN_FILE = "reminders.yaml"

_PLAN_KEYS: dict[str, set[str]] = {
    "series": {"every", "for"},
    "daily": {"every", "shortest", "longest"},
    "quiet": {"start", "end"},
    "snooze": {"short", "long"},
    "catch_up_within": set(),
}
_MOVED = {"messages": "reminder_series, reminder_series_last and reminder_daily"}


def load_plan(path: Path) -> Plan:
    """Read and check data/reminders.yaml; ContentError lists every problem (file, key, fix)."""
    name = path.name
    data = load_yaml(path)
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ContentError(f"{name}: must be a mapping with series:, daily:, quiet:, snooze:.")
    for key in data:
        if key in _MOVED:
            problems.append(
                f"{name}: {key!r} is no longer written here: the texts are {_MOVED[key]} "
                "under 'texts:' in dialogues/<language>/texts.yaml. Move them there."
            )
        elif key not in _PLAN_KEYS:
            problems.append(f"{name}: unknown key {key!r}. Known keys: {', '.join(_PLAN_KEYS)}.")

    def section(key: str) -> dict[str, Any]:
        value = data.get(key) or {}
        if not isinstance(value, dict):
            problems.append(f"{name}: {key!r} must be a mapping, e.g. '{key}:' then indented keys.")
            return {}
        for inner in value:
            if inner not in _PLAN_KEYS[key]:
                problems.append(
                    f"{name}: unknown key {key}.{inner}. Known: "
                    f"{', '.join(sorted(_PLAN_KEYS[key]))}."
                )
        return value

    default = Plan()

    def duration(where: str, raw: Any, fallback: timedelta) -> timedelta:
        if raw is None:
            return fallback
        span = parse_span(str(raw), "smhd")
        if span is None or span <= timedelta(0):
            problems.append(f"{name}: {where} = {raw!r} is not a duration. Write e.g. 20m or 2h.")
            return fallback
        return span

    def clock(where: str, raw: Any, fallback: time) -> time:
        if raw is None:
            return fallback
        parsed = parse_clock(str(raw))
        if parsed is None:
            problems.append(
                f'{name}: {where} = {raw!r} is not a time of day. Write e.g. "22:00" in quotes.'
            )
            return fallback
        return parsed

    series, daily, quiet = section("series"), section("daily"), section("quiet")
    snooze = section("snooze")
    plan = Plan(
        series_every=duration("series.every", series.get("every"), default.series_every),
        series_for=duration("series.for", series.get("for"), default.series_for),
        daily_every=duration("daily.every", daily.get("every"), default.daily_every),
        daily_shortest=duration("daily.shortest", daily.get("shortest"), default.daily_shortest),
        daily_longest=duration("daily.longest", daily.get("longest"), default.daily_longest),
        quiet_start=clock("quiet.start", quiet.get("start"), default.quiet_start),
        quiet_end=clock("quiet.end", quiet.get("end"), default.quiet_end),
        snooze_short=duration("snooze.short", snooze.get("short"), default.snooze_short),
        snooze_long=duration("snooze.long", snooze.get("long"), default.snooze_long),
        catch_up_within=duration(
            "catch_up_within", data.get("catch_up_within"), default.catch_up_within
        ),
    )
    if plan.series_every > plan.series_for:
        problems.append(
            f"{name}: series.every ({series.get('every')}) is longer than series.for "
            f"({series.get('for')}), so a series would send nothing. Make 'for' longer."
        )
    if not plan.daily_shortest <= plan.daily_every <= plan.daily_longest:
        problems.append(
            f"{name}: daily.every must lie between daily.shortest and daily.longest. "
            "Change one of the three."
        )
    if plan.daily_shortest < timedelta(minutes=5):
        problems.append(f"{name}: daily.shortest must be at least 5m; reminders are not a chat.")
    if problems:
        raise ContentError(problems)
    return plan


def check_calendar_words(texts: Texts, *, where: str) -> list[str]:
    """The names bot/core/saying.py picks by position: 7 weekdays, 12 months."""
    problems: list[str] = []
    for key, count, example in (
        ("weekdays", 7, "Mon Tue Wed Thu Fri Sat Sun"),
        ("months", 12, "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec"),
    ):
        if key in texts and len(texts.say(key).split()) != count:
            problems.append(
                f"{where}: texts: {key!r} must be {count} names separated by spaces, "
                f'e.g. "{example}".'
            )
    return problems
