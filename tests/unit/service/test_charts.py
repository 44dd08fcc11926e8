"""The /history chart and text: PNG output, weeks in the person's zone, wording."""

from __future__ import annotations

import struct
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.model import Episode
from bot.core.saying import duration_words
from bot.service.charts import (
    NO_MUSCLE,
    OTHER,
    history_chart,
    history_text,
    local_week_start,
    weekly_counts,
)
from tests.helpers.texts import english

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# Tuesday 20 May 2025, 18:00 UTC (20:00 in Berlin).
NOW = datetime(2025, 5, 20, 18, 0, tzinfo=UTC)
TEXTS = english()


def cramp(at: datetime, muscle: str | None = "calf", minutes: float | None = 5) -> Episode:
    return Episode(1, at, muscle=muscle, duration_minutes=minutes, severity="mild")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chart_is_a_png() -> None:
    episodes = [cramp(NOW - timedelta(days=d), m) for d, m in [(0, "calf"), (1, "foot"), (9, None)]]
    data = history_chart(episodes, BERLIN, NOW, TEXTS)
    assert data.startswith(PNG_SIGNATURE)
    assert png_size(data) == (800, 450)


def test_chart_without_episodes_is_still_an_image() -> None:
    data = history_chart([], BERLIN, NOW, TEXTS)
    assert png_size(data) == (800, 450)
    assert len(data) > 5_000  # axes, title and the "no cramps" note are drawn


def test_chart_with_many_muscles_and_odd_names() -> None:
    names = [f"muscle {n}" for n in range(10)] + ["$x$", "_hidden"]
    episodes = [cramp(NOW - timedelta(hours=n), name) for n, name in enumerate(names)]
    assert history_chart(episodes, NEW_YORK, NOW, TEXTS, weeks=4).startswith(PNG_SIGNATURE)


def test_charts_never_touch_pyplot() -> None:
    code = (
        "import sys; from datetime import datetime, UTC; from zoneinfo import ZoneInfo;"
        "from bot.service.charts import history_chart;"
        "from tests.helpers.texts import english;"
        "history_chart([], ZoneInfo('UTC'), datetime.now(UTC), english());"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_week_starts_on_monday_in_the_persons_zone() -> None:
    # Sunday 2 March 2025, 23:30 UTC: already Monday 3 March in Berlin.
    late_sunday = datetime(2025, 3, 2, 23, 30, tzinfo=UTC)
    assert local_week_start(late_sunday, ZoneInfo("UTC")) == date(2025, 2, 24)
    assert local_week_start(late_sunday, BERLIN) == date(2025, 3, 3)
    # Monday 3 March, 03:00 UTC: still Sunday evening in New York.
    early_monday = datetime(2025, 3, 3, 3, 0, tzinfo=UTC)
    assert local_week_start(early_monday, ZoneInfo("UTC")) == date(2025, 3, 3)
    assert local_week_start(early_monday, NEW_YORK) == date(2025, 2, 24)


def test_weekly_counts_by_muscle() -> None:
    episodes = [
        cramp(datetime(2025, 5, 19, 8, 0, tzinfo=UTC), "calf"),  # Monday this week
        cramp(datetime(2025, 5, 20, 9, 0, tzinfo=UTC), "calf"),
        cramp(datetime(2025, 5, 20, 10, 0, tzinfo=UTC), None),
        cramp(datetime(2025, 5, 18, 21, 59, tzinfo=UTC), "foot"),  # Sun 23:59 Berlin
        cramp(datetime(2025, 5, 18, 22, 0, tzinfo=UTC), "foot"),  # Mon 00:00 Berlin
        cramp(datetime(2025, 2, 1, 10, 0, tzinfo=UTC), "back"),  # before the 12 weeks
        cramp(NOW + timedelta(hours=1), "thigh"),  # after now
    ]
    weeks = weekly_counts(episodes, BERLIN, NOW)
    assert len(weeks) == 12
    assert weeks[-1].start == date(2025, 5, 19)
    assert weeks[0].start == date(2025, 3, 3)
    assert weeks[-1].by_muscle == {"calf": 2, NO_MUSCLE: 1, "foot": 1}
    assert weeks[-2].by_muscle == {"foot": 1}
    assert sum(week.total for week in weeks) == 5
    # In UTC both foot cramps fall on Sunday, the week before.
    weeks_utc = weekly_counts(episodes, ZoneInfo("UTC"), NOW)
    assert weeks_utc[-2].by_muscle == {"foot": 2}


def test_weeks_across_a_clock_change() -> None:
    # Berlin moved to summer time on Sunday 30 March 2025.
    now = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
    episodes = [
        cramp(datetime(2025, 3, 30, 21, 30, tzinfo=UTC)),  # Sun 23:30 CEST
        cramp(datetime(2025, 3, 30, 22, 30, tzinfo=UTC)),  # Mon 00:30 CEST
    ]
    weeks = weekly_counts(episodes, BERLIN, now, weeks=2)
    assert [(w.start, w.total) for w in weeks] == [(date(2025, 3, 24), 1), (date(2025, 3, 31), 1)]


def test_many_muscles_are_grouped() -> None:
    from bot.service.charts import _series

    names = [f"m{n}" for n in range(9)]
    episodes = [cramp(NOW - timedelta(hours=n), name) for n, name in enumerate(names)]
    series = _series(weekly_counts(episodes, BERLIN, NOW, weeks=1))
    assert len(series) == 7
    assert series[-1] == (OTHER, [3])


def test_duration_words() -> None:
    assert duration_words(None, TEXTS) is None
    assert duration_words(0.5, TEXTS) == "under a minute"
    assert duration_words(5, TEXTS) == "about 5 min"
    assert duration_words(59, TEXTS) == "about 59 min"
    assert duration_words(60, TEXTS) == "about 1 h"
    assert duration_words(100, TEXTS) == "about 1.5 h"
    assert duration_words(180, TEXTS) == "about 3 h"


def test_history_text_uses_the_persons_zone() -> None:
    episodes = [
        cramp(datetime(2025, 5, 20, 17, 0, tzinfo=UTC), "calf", 5),  # today 19:00 Berlin
        cramp(datetime(2025, 5, 18, 22, 30, tzinfo=UTC), "thigh", 180),  # Mon 00:30 Berlin
        cramp(datetime(2025, 5, 13, 6, 5, tzinfo=UTC), None, None),
        cramp(datetime(2024, 12, 31, 23, 30, tzinfo=UTC), "foot", 0.5),  # 1 Jan 2025 Berlin
    ]
    text = history_text(episodes, BERLIN, NOW, TEXTS)
    assert text.splitlines() == [
        "Your last 4 cramps (times in Europe/Berlin):",
        "• today 19:00: calf, about 5 min, mild",
        "• yesterday 00:30: thigh, about 3 h, mild",
        "• Tue 13 May, 08:05: muscle not given, mild",
        "• Wed 1 Jan, 00:30: foot, under a minute, mild",
    ]
    in_new_york = history_text(episodes, NEW_YORK, NOW, TEXTS)
    assert "• Sun 18 May, 18:30: thigh" in in_new_york
    assert "• Tue 31 Dec 2024, 18:30: foot" in in_new_york


def test_history_text_limit_and_empty() -> None:
    episodes = [cramp(NOW - timedelta(days=n)) for n in range(13)]
    text = history_text(episodes, BERLIN, NOW, TEXTS, limit=10)
    lines = text.splitlines()
    assert lines[0] == "Your last 10 cramps (times in Europe/Berlin):"
    assert len(lines) == 12
    assert lines[-1] == "…and 3 earlier cramps."
    assert history_text(episodes[:1], BERLIN, NOW, TEXTS).startswith("Your last cramp ")
    assert history_text([], BERLIN, NOW, TEXTS).startswith("No cramps recorded yet.")
