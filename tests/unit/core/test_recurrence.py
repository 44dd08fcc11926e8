"""Recurrence rules: the shipped file, each rule at and below its threshold, old cramps."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.content.rules import load_rules
from bot.core.model import Episode
from bot.core.recurrence import (
    CountRule,
    Hit,
    LongRule,
    RecurrenceRules,
    check,
)
from tests.helpers.paths import ROOT
from tests.helpers.texts import english

RULES_PATH = ROOT / "data" / "recurrence.yaml"
NOW = datetime(2025, 5, 20, 18, 0, tzinfo=UTC)
TEXTS = english()


@pytest.fixture(scope="module")
def rules() -> RecurrenceRules:
    return load_rules(RULES_PATH)


def cramp(
    days_ago: float, muscle: str | None = "calf", minutes: float | None = 2, user: int = 1
) -> Episode:
    return Episode(user, NOW - timedelta(days=days_ago), muscle=muscle, duration_minutes=minutes)


def ids(hits: tuple[Hit, ...]) -> list[str]:
    return [hit.rule_id for hit in hits]


def test_shipped_rules(rules: RecurrenceRules) -> None:
    assert rules.rules == (
        CountRule("frequent", 3, timedelta(days=14)),
        CountRule("same_muscle", 2, timedelta(days=7), same_muscle=True),
        LongRule("long", timedelta(hours=3)),
    )


def test_a_first_short_cramp_is_not_recurring(rules: RecurrenceRules) -> None:
    assert check(rules, [], cramp(0), NOW, TEXTS) == ()


# ---------------------------------------------------------------- frequent: 3 within 14 days


def test_frequent_fires_at_three_cramps_in_fourteen_days(rules: RecurrenceRules) -> None:
    earlier = [cramp(13, "foot"), cramp(2, "thigh")]
    hits = check(rules, earlier, cramp(0, "back"), NOW, TEXTS)
    assert ids(hits) == ["frequent"]
    text = hits[0].text
    assert "3 cramps in the last 14 days" in text
    for word in ("doctor", "calcium", "potassium", "magnesium", "nerve"):
        assert word in text


def test_frequent_does_not_fire_at_two(rules: RecurrenceRules) -> None:
    assert check(rules, [cramp(3, "foot")], cramp(0, "back"), NOW, TEXTS) == ()


def test_frequent_old_cramps_stop_counting(rules: RecurrenceRules) -> None:
    just_inside = [cramp(14, "foot"), cramp(5, "thigh")]
    assert ids(check(rules, just_inside, cramp(0, "back"), NOW, TEXTS)) == ["frequent"]
    just_outside = [
        replace(cramp(14, "foot"), at=NOW - timedelta(days=14, seconds=1)),
        cramp(5, "thigh"),
    ]
    assert check(rules, just_outside, cramp(0, "back"), NOW, TEXTS) == ()
    # The same history, seen a day later, no longer counts the oldest cramp.
    later = NOW + timedelta(days=1)
    current = replace(cramp(0, "back"), at=later)
    assert check(rules, just_inside, current, later, TEXTS) == ()


# ---------------------------------------------------------------- same muscle: 2 within 7 days


def test_same_muscle_fires_at_two_in_a_week(rules: RecurrenceRules) -> None:
    hits = check(rules, [cramp(6, "Calf")], cramp(0, "calf "), NOW, TEXTS)
    assert ids(hits) == ["same_muscle"]
    assert "{muscle} {muscle|has/have} cramped 2 times in the last 7 days." in hits[0].text
    for word in ("doctor", "calcium", "potassium", "magnesium", "nerve"):
        assert word in hits[0].text


def test_same_muscle_needs_the_same_muscle(rules: RecurrenceRules) -> None:
    assert check(rules, [cramp(1, "foot")], cramp(0, "calf"), NOW, TEXTS) == ()
    assert check(rules, [cramp(1, None)], cramp(0, None), NOW, TEXTS) == ()


def test_same_muscle_older_than_a_week_stops_counting(rules: RecurrenceRules) -> None:
    assert check(rules, [cramp(7.01, "calf")], cramp(0, "calf"), NOW, TEXTS) == ()


def test_both_counting_rules_in_file_order(rules: RecurrenceRules) -> None:
    hits = check(rules, [cramp(10, "foot"), cramp(1, "calf")], cramp(0, "calf"), NOW, TEXTS)
    assert ids(hits) == ["frequent", "same_muscle"]


# ---------------------------------------------------------------- long: at least 3 hours


def test_long_fires_from_three_hours(rules: RecurrenceRules) -> None:
    hits = check(rules, [], cramp(0, minutes=180), NOW, TEXTS)
    assert ids(hits) == ["long"]
    assert "several hours" in hits[0].text and "doctor" in hits[0].text
    assert check(rules, [], cramp(0, minutes=179), NOW, TEXTS) == ()
    assert check(rules, [], cramp(0, minutes=None), NOW, TEXTS) == ()


def test_an_old_long_cramp_does_not_fire_again(rules: RecurrenceRules) -> None:
    assert check(rules, [cramp(20, minutes=300)], cramp(0, minutes=2), NOW, TEXTS) == ()


# ---------------------------------------------------------------- what counts


def test_current_already_in_the_list_is_counted_once(rules: RecurrenceRules) -> None:
    earlier = [replace(cramp(5, "foot"), id=1)]
    current = replace(cramp(0, "back"), id=2)
    # Saved already (the store's list includes it) or not yet: the same answer.
    assert check(rules, [*earlier, current], current, NOW, TEXTS) == ()
    assert check(rules, earlier, current, NOW, TEXTS) == ()
    unsaved = replace(current, id=None)
    assert check(rules, [*earlier, unsaved], unsaved, NOW, TEXTS) == ()
    assert ids(check(rules, [*earlier, cramp(1, "thigh")], current, NOW, TEXTS)) == ["frequent"]


def test_other_people_and_future_cramps_do_not_count(rules: RecurrenceRules) -> None:
    others = [cramp(1, user=2), cramp(2, user=2)]
    assert check(rules, others, cramp(0), NOW, TEXTS) == ()
    future = [replace(cramp(0), at=NOW + timedelta(hours=1))]
    assert check(rules, future, cramp(0, "foot"), NOW, TEXTS) == ()
