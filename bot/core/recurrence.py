"""Do this person's cramps look recurring? Rules from data/recurrence.yaml.

    check(rules, episodes, current, now, texts) -> (Hit, ...)

The rules are read and checked by bot/content/rules.py. What a rule says is a text of
the dialogue (dialogues/<language>/texts.yaml), keyed text_key(rule id):
"recurrence_frequent"; content/rules.py checks every rule has one, using only the
placeholders text_fields(rule) names.

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
from bot.core.saying import hours_words, within_words
from bot.core.texts import Texts


@dataclass(frozen=True, slots=True)
class CountRule:
    """At least `episodes` cramps (the current one included) in the last `within`."""

    id: str
    episodes: int
    within: timedelta
    same_muscle: bool = False


@dataclass(frozen=True, slots=True)
class LongRule:
    """The current cramp lasted at least `lasting_at_least`."""

    id: str
    lasting_at_least: timedelta


Rule = CountRule | LongRule


@dataclass(frozen=True, slots=True)
class RecurrenceRules:
    rules: tuple[Rule, ...]


def text_key(rule_id: str) -> str:
    """The key of a rule's text in the dialogue's texts: "recurrence_frequent"."""
    return f"recurrence_{rule_id}"


def text_fields(rule: Rule) -> tuple[str, ...]:
    """The placeholders `check` fills in a rule's text."""
    if isinstance(rule, LongRule):
        return ("duration",)
    return ("count", "within", "muscle") if rule.same_muscle else ("count", "within")


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule that matched, and what to tell the person."""

    rule_id: str
    text: str


# --------------------------------------------------------------------------- checking


def check(
    rules: RecurrenceRules,
    episodes: Sequence[Episode],
    current: Episode,
    now: datetime,
    texts: Texts,
) -> tuple[Hit, ...]:
    """The rules that match once `current` is recorded, in file order.

    `episodes` are this person's earlier cramps (the store's list); `current` may
    already be among them or not. Cramps of other people, cramps later than `now`
    and cramps older than a rule's window are not counted. A text's `{muscle}` placeholders
    are left as written: the dialogue's renderer (core/render.py) fills them with the
    muscle's one name and the words that agree with it ("your toes have cramped").
    """
    earlier = [e for e in episodes if e.user_id == current.user_id and not _same(e, current)]
    hits: list[Hit] = []
    for rule in rules.rules:
        if isinstance(rule, LongRule):
            minutes = current.duration_minutes
            if minutes is not None and timedelta(minutes=minutes) >= rule.lasting_at_least:
                text = texts.say(text_key(rule.id), duration=hours_words(minutes, texts))
                hits.append(Hit(rule.id, text))
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
            text = texts.say(
                text_key(rule.id),
                count=count,
                within=within_words(rule.within, texts),
            )
            hits.append(Hit(rule.id, text))
    return tuple(hits)


def _same(episode: Episode, current: Episode) -> bool:
    if current.id is not None and episode.id is not None:
        return episode.id == current.id
    return episode == replace(current, id=episode.id)


def _muscle(episode: Episode) -> str | None:
    return episode.muscle.strip().casefold() if episode.muscle and episode.muscle.strip() else None
