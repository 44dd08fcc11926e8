"""Reading data/recurrence.yaml: every problem named with its file, rule and fix."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.content.rules import check_rule_texts, load_rules
from bot.core.model import Episode
from bot.core.recurrence import Hit, check
from bot.core.texts import Texts
from bot.errors import ContentError
from tests.helpers.paths import ROOT
from tests.helpers.texts import english

NOW = datetime(2025, 5, 20, 18, 0, tzinfo=UTC)


def cramp(days_ago: float, minutes: float | None = 2) -> Episode:
    return Episode(1, NOW - timedelta(days=days_ago), muscle="calf", duration_minutes=minutes)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "recurrence.yaml"
    path.write_text(text)
    return path


def test_custom_rules_say_their_texts(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "rules:\n"
        "  twice_today:\n    episodes: 2\n    within: 12h\n"
        "  very_long:\n    lasting_at_least: 1.5h\n",
    )
    rules = load_rules(path)
    texts = Texts(
        {
            **english().entries,
            "recurrence_twice_today": "{count} in {within}",
            "recurrence_very_long": "It lasted {duration}.",
        }
    )
    assert check_rule_texts(rules, texts, where="dialogues/en") == []
    current = cramp(0, minutes=100)
    hits = check(rules, [replace(cramp(0), at=NOW - timedelta(hours=11))], current, NOW, texts)
    assert hits == (
        Hit("twice_today", "2 in 12 hours"),
        Hit("very_long", "It lasted about 1.5 hours."),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules:\n  a:\n    episodes: 3\n    within: 14 days\n", "rule 'a': 'within'"),
        ("rules:\n  a:\n    episodes: 1\n    within: 3d\n", "2 or more"),
        ("rules:\n  a:\n    episodes: 3\n    withn: 3d\n", "Did you mean 'within'"),
        ("rules:\n  a:\n    lasting_at_least: 3h\n    episodes: 2\n", "not both"),
        ("rules:\n  a:\n    episodes: 2\n    within: 3d\n    same_muscle: 2\n", "true or false"),
        ("rules:\n  a:\n    lasting_at_least: 3h\n    say: x\n", "'recurrence_a' under 'texts:'"),
        ("rules: {}\n", "empty"),
        ("frequent:\n  episodes: 3\n", "one key, 'rules:'"),
        ("rules:\n  a: [1, 2\n", "not valid YAML"),
    ],
)
def test_malformed_files_name_file_rule_and_fix(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ContentError) as raised:
        load_rules(path)
    message = str(raised.value)
    assert path.name in message
    assert expected in message


def test_every_rule_needs_its_text_with_only_its_placeholders(tmp_path: Path) -> None:
    rules = load_rules(
        write(
            tmp_path,
            "rules:\n  a:\n    lasting_at_least: 3h\n  b:\n    episodes: 2\n    within: 3d\n"
            "  c:\n    episodes: 2\n    within: 3d\n  d:\n    lasting_at_least: 1h\n",
        )
    )
    texts = Texts(
        {"recurrence_b": "{muscle} {count}", "recurrence_c": "a } b", "recurrence_d": "{duration}"}
    )
    problems = check_rule_texts(rules, texts, where="dialogues/en")
    assert problems == [
        "dialogues/en: texts: 'recurrence_a' is missing: the recurrence rule 'a' "
        "(recurrence.yaml) says it. Add it under 'texts:'; it may use {duration}.",
        "dialogues/en: texts: 'recurrence_b' uses {muscle}, which the rule 'b' cannot fill; "
        "use {count}, {within}.",
        "dialogues/en: texts: 'recurrence_c' has a stray { or }; remove it.",
    ]


def test_the_shipped_rules_have_their_english_texts() -> None:
    rules = load_rules(ROOT / "data" / "recurrence.yaml")
    assert check_rule_texts(rules, english(), where="dialogues/en") == []


def test_every_problem_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "rules:\n  a:\n    episodes: 0\n    within: 3d\n  b:\n    lasting_at_least: soon\n",
    )
    with pytest.raises(ContentError) as raised:
        load_rules(path)
    assert len(raised.value.problems) == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="cannot be read"):
        load_rules(tmp_path / "nope.yaml")
