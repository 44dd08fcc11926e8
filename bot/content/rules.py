"""data/recurrence.yaml -> RecurrenceRules (bot/core/recurrence.py), checked.

load_rules(path) -> RecurrenceRules        or ContentError listing every problem, with its fix
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from bot.content.yamlfile import load_yaml
from bot.core.recurrence import (
    CountRule,
    LongRule,
    RecurrenceRules,
    Rule,
    text_fields,
    text_key,
)
from bot.core.texts import SLOT_PATTERN, Texts, placeholders
from bot.core.words import parse_span
from bot.errors import ContentError, did_you_mean

RULES_FILE = "recurrence.yaml"

_COUNT_KEYS = {"episodes", "within", "same_muscle"}
_LONG_KEYS = {"lasting_at_least"}


def load_rules(path: Path) -> RecurrenceRules:
    """Read and check the rules file. ContentError lists every problem, with its fix."""
    return parse_rules(load_yaml(path), source=path.name)


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
            "rules:\n  frequent:\n    episodes: 3\n    within: 14d"
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
        if key == "say":
            problems.append(
                f"{where}: 'say' is no longer written here: the text is "
                f"'{text_key(rule_id)}' under 'texts:' in dialogues/<language>/texts.yaml. "
                "Move it there."
            )
        elif key not in allowed:
            problems.append(
                f"{where}: '{key}' is not a setting here; use {', '.join(sorted(allowed))}."
                f"{did_you_mean(str(key), sorted(allowed))}"
            )

    if long:
        lasting = _duration(body.get("lasting_at_least"), "lasting_at_least", where, problems)
        if len(problems) > start or lasting is None:
            return None
        return LongRule(rule_id, lasting)

    episodes = body.get("episodes")
    if isinstance(episodes, bool) or not isinstance(episodes, int) or episodes < 2:
        problems.append(
            f"{where}: 'episodes' is {episodes!r}; write a whole number of cramps, 2 or more."
        )
    within = _duration(body.get("within"), "within", where, problems)
    same_muscle = body.get("same_muscle", False)
    if not isinstance(same_muscle, bool):
        problems.append(f"{where}: 'same_muscle' is {same_muscle!r}; write true or false.")
    if len(problems) > start or within is None:
        return None
    assert isinstance(episodes, int) and isinstance(same_muscle, bool)
    return CountRule(rule_id, episodes, within, same_muscle)


def _duration(value: object, key: str, where: str, problems: list[str]) -> timedelta | None:
    parsed = parse_span(value, "mhdw")
    if parsed is None or parsed <= timedelta(0):
        problems.append(
            f"{where}: '{key}' is {value!r}; write a number and a unit, e.g. 30m, 3h, 14d or 2w."
        )
        return None
    return parsed


def check_rule_texts(rules: RecurrenceRules, texts: Texts, *, where: str) -> list[str]:
    """Every rule needs its text in the dialogue of each language, using only the
    placeholders that rule fills. `where` names the texts ("dialogues/en/texts.yaml")."""
    problems: list[str] = []
    for rule in rules.rules:
        key, fields = text_key(rule.id), text_fields(rule)
        named = ", ".join("{" + field + "}" for field in fields)
        if key not in texts:
            problems.append(
                f"{where}: texts: {key!r} is missing: the recurrence rule '{rule.id}' "
                f"({RULES_FILE}) says it. Add it under 'texts:'; it may use {named}."
            )
            continue
        text = texts.entries[key]
        for name in sorted(placeholders(text) - set(fields)):
            problems.append(
                f"{where}: texts: {key!r} uses {{{name}}}, which the rule '{rule.id}' cannot "
                f"fill; use {named}."
            )
        if "{" in SLOT_PATTERN.sub("", text) or "}" in SLOT_PATTERN.sub("", text):
            problems.append(f"{where}: texts: {key!r} has a stray {{ or }}; remove it.")
    return problems
