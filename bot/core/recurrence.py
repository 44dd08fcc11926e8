"""Do this person's cramps look recurring? Rules from data/recurrence.yaml.

    check(rules, episodes, current, now) -> (Hit, ...)

The rules are read and checked by bot/content/rules.py.

Two kinds of rule (the YAML file explains them for its readers):

    CountRule   at least `episodes` cramps within `within` of now, optionally in
                the same muscle as the current one
    LongRule    the current cramp lasted at least `lasting_at_least`

Pure: no I/O; the clock comes in as `now`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.core.model import Episode


@dataclass(frozen=True, slots=True)
class CountRule:
    """At least `episodes` cramps (the current one included) in the last `within`."""

    id: str
    episodes: int
    within: timedelta
    say: str
    same_muscle: bool = False


@dataclass(frozen=True, slots=True)
class LongRule:
    """The current cramp lasted at least `lasting_at_least`."""

    id: str
    lasting_at_least: timedelta
    say: str


Rule = CountRule | LongRule


@dataclass(frozen=True, slots=True)
class RecurrenceRules:
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule that matched, and what to tell the person."""

    rule_id: str
    text: str


# --------------------------------------------------------------------------- checking


def check(
    rules: RecurrenceRules, episodes: Sequence[Episode], current: Episode, now: datetime
) -> tuple[Hit, ...]:
    """The rules that match once `current` is recorded, in file order.

    `episodes` are this person's earlier cramps (the store's list); `current` may
    already be among them or not. Cramps of other people, cramps later than `now`
    and cramps older than a rule's window are not counted.
    """
    earlier = [e for e in episodes if e.user_id == current.user_id and not _same(e, current)]
    hits: list[Hit] = []
    for rule in rules.rules:
        if isinstance(rule, LongRule):
            minutes = current.duration_minutes
            if minutes is not None and timedelta(minutes=minutes) >= rule.lasting_at_least:
                hits.append(Hit(rule.id, rule.say.format(duration=hours_words(minutes))))
            continue
        start = now - rule.within
        counted = [e for e in earlier if start <= e.at <= now]
        if rule.same_muscle:
            muscle = _muscle(current)
            if muscle is None:
                continue
            counted = [e for e in counted if _muscle(e) == muscle]
        count = len(counted) + 1
        if count >= rule.episodes:
            text = rule.say.format(
                count=count, within=within_words(rule.within), muscle=(current.muscle or "").strip()
            )
            hits.append(Hit(rule.id, text))
    return tuple(hits)


def _same(episode: Episode, current: Episode) -> bool:
    if current.id is not None and episode.id is not None:
        return episode.id == current.id
    return episode == replace(current, id=episode.id)


def _muscle(episode: Episode) -> str | None:
    return episode.muscle.strip().casefold() if episode.muscle and episode.muscle.strip() else None


def within_words(span: timedelta) -> str:
    """14 days, 2 weeks is said as "14 days"; 1 day as "24 hours"; 1 hour as "hour"."""
    seconds = int(span.total_seconds())
    if seconds % 86400 == 0 and seconds >= 2 * 86400:
        return f"{seconds // 86400} days"
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "hour" if hours == 1 else f"{hours} hours"
    minutes = max(1, round(seconds / 60))
    return "minute" if minutes == 1 else f"{minutes} minutes"


def hours_words(minutes: float) -> str:
    """A long duration in words: "about 3 hours", "about 4.5 hours", "more than a day"."""
    if minutes >= 24 * 60:
        return "more than a day"
    if minutes < 90:
        return f"about {round(minutes)} minutes"
    hours = round(minutes / 30) / 2
    return f"about {hours:g} hours"
