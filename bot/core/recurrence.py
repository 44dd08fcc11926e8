"""Do this person's cramps look recurring? Rules from data/recurrence.yaml.

    load_rules(path) -> RecurrenceRules        YAML -> frozen rules, or ContentError
    check(rules, episodes, current, now) -> (Hit, ...)

Two kinds of rule (the YAML file explains them for its readers):

    CountRule   at least `episodes` cramps within `within` of now, optionally in
                the same muscle as the current one
    LongRule    the current cramp lasted at least `lasting_at_least`

Pure: no I/O besides reading the YAML file; the clock comes in as `now`.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from bot.core.model import Episode
from bot.core.words import parse_span
from bot.errors import ContentError, did_you_mean

RULES_FILE = "recurrence.yaml"

_COUNT_KEYS = {"episodes", "within", "same_muscle", "say"}
_LONG_KEYS = {"lasting_at_least", "say"}


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


# --------------------------------------------------------------------------- loading


def parse_duration(text: object) -> timedelta | None:
    """ "30m", "3h", "14d", "2w" -> timedelta; None if it is not such a text."""
    return parse_span(text, "mhdw")


def load_rules(path: Path) -> RecurrenceRules:
    """Read and check the rules file. ContentError lists every problem, with its fix."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContentError(
            f"{path}: cannot read the recurrence rules ({exc.strerror}). Check DATA_DIR."
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(
            f"{path}: not valid YAML{where}: {problem}. Check the indentation and quotes there."
        ) from exc
    return parse_rules(raw, source=str(path))


def parse_rules(raw: object, *, source: str = RULES_FILE) -> RecurrenceRules:
    """Rules from already-parsed YAML (a mapping with a "rules" mapping)."""
    if not isinstance(raw, Mapping) or set(raw) != {"rules"}:
        raise ContentError(
            f"{source}: the file must hold one key, 'rules:', with the rules indented under it."
        )
    entries = raw["rules"]
    if not isinstance(entries, Mapping) or not entries:
        raise ContentError(
            f"{source}: 'rules:' is empty or not a list of named rules. Write e.g.\n"
            "rules:\n  frequent:\n    episodes: 3\n    within: 14d\n    say: ..."
        )
    problems: list[str] = []
    rules: list[Rule] = []
    for rule_id, body in entries.items():
        rule = _parse_rule(str(rule_id), body, f"{source}: rule '{rule_id}'", problems)
        if rule is not None:
            rules.append(rule)
    if problems:
        raise ContentError(problems)
    return RecurrenceRules(tuple(rules))


def _parse_rule(rule_id: str, body: object, where: str, problems: list[str]) -> Rule | None:
    if not isinstance(body, Mapping):
        problems.append(f"{where}: write its settings indented under the name, one per line.")
        return None
    start = len(problems)
    counting = "episodes" in body or "within" in body or "same_muscle" in body
    long = "lasting_at_least" in body
    if counting == long:
        problems.append(
            f"{where}: say either 'episodes' and 'within' (a number of cramps in a time) "
            "or 'lasting_at_least' (one long cramp), not both or neither."
        )
        return None
    allowed = _COUNT_KEYS if counting else _LONG_KEYS
    for key in body:
        if key not in allowed:
            problems.append(
                f"{where}: '{key}' is not a setting here; use {', '.join(sorted(allowed))}."
                f"{did_you_mean(str(key), sorted(allowed))}"
            )
    say = body.get("say")
    if not isinstance(say, str) or not say.strip():
        problems.append(f"{where}: 'say' is missing; write the text the person should read.")
        say = ""
    say = " ".join(say.split())

    if long:
        lasting = _duration(body.get("lasting_at_least"), "lasting_at_least", where, problems)
        _check_placeholders(say, {"duration"}, where, problems)
        if len(problems) > start or lasting is None:
            return None
        return LongRule(rule_id, lasting, say)

    episodes = body.get("episodes")
    if isinstance(episodes, bool) or not isinstance(episodes, int) or episodes < 2:
        problems.append(
            f"{where}: 'episodes' is {episodes!r}; write a whole number of cramps, 2 or more."
        )
    within = _duration(body.get("within"), "within", where, problems)
    same_muscle = body.get("same_muscle", False)
    if not isinstance(same_muscle, bool):
        problems.append(f"{where}: 'same_muscle' is {same_muscle!r}; write true or false.")
    fields = {"count", "within"} | ({"muscle"} if same_muscle is True else set())
    _check_placeholders(say, fields, where, problems)
    if len(problems) > start or within is None:
        return None
    assert isinstance(episodes, int) and isinstance(same_muscle, bool)
    return CountRule(rule_id, episodes, within, say, same_muscle)


def _duration(value: object, key: str, where: str, problems: list[str]) -> timedelta | None:
    parsed = parse_duration(value)
    if parsed is None or parsed <= timedelta(0):
        problems.append(
            f"{where}: '{key}' is {value!r}; write a number and a unit, e.g. 30m, 3h, 14d or 2w."
        )
        return None
    return parsed


def _check_placeholders(say: str, allowed: set[str], where: str, problems: list[str]) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(say) if name is not None}
    except ValueError as exc:
        problems.append(f"{where}: 'say' has a stray {{ or }} ({exc}); remove it.")
        return
    for name in sorted(names - allowed):
        problems.append(
            f"{where}: 'say' uses {{{name}}}, which this rule cannot fill; "
            f"use {', '.join('{' + n + '}' for n in sorted(allowed))}."
        )


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
