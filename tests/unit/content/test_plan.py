"""Reading data/reminders.yaml: the shipped plan, and a broken one named key by key."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.content.plan import check_calendar_words, load_plan
from bot.core.texts import Texts
from bot.errors import ContentError
from tests.helpers.paths import ROOT
from tests.helpers.texts import english


def test_the_shipped_plan() -> None:
    plan = load_plan(ROOT / "data" / "reminders.yaml")
    assert plan.series_every == timedelta(minutes=20) and plan.series_count == 6
    assert (plan.quiet_start, plan.quiet_end) == (time(22), time(7))
    assert (plan.snooze_short, plan.snooze_long) == (timedelta(minutes=30), timedelta(hours=1))


def test_a_broken_plan_names_the_file_the_key_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "reminders.yaml"
    path.write_text(
        "series: {every: 20 minutes, for: 2h}\nquiet: {start: '25:00'}\nsnooze: {shrot: 5m}\n"
        "messages: {daily: 'Drink {amount}'}\n"
    )
    with pytest.raises(ContentError) as failure:
        load_plan(path)
    text = str(failure.value)
    assert "reminders.yaml: series.every = '20 minutes' is not a duration. Write e.g. 20m" in text
    assert "quiet.start = '25:00' is not a time of day" in text
    assert "unknown key snooze.shrot" in text
    assert "'messages' is no longer written here: the texts are reminder_series" in text


def test_weekday_and_month_names_are_counted() -> None:
    texts = Texts(
        {
            "weekdays": "Mo Di Mi Do Fr Sa",
            "months": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
        }
    )
    assert check_calendar_words(texts, where="dialogues/de") == [
        "dialogues/de: texts: 'weekdays' must be 7 names separated by spaces, "
        'e.g. "Mon Tue Wed Thu Fri Sat Sun".'
    ]
    assert check_calendar_words(english(), where="dialogues/en") == []
