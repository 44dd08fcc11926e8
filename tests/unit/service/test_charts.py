"""The /history chart and text: PNG output, the span, the person's zone, names and wording."""

from __future__ import annotations

import struct
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.content.lexicon import load_matcher
from bot.core.matcher import Matcher
from bot.core.model import Episode
from bot.core.saying import duration_words
from bot.service.charts import (
    MAX_ROWS,
    NO_MUSCLE,
    OTHER,
    _rows,
    _ticks,
    chart_span,
    daily_intake,
    history_chart,
    history_figure,
    history_text,
    short_duration,
)
from tests.helpers.paths import ROOT
from tests.helpers.texts import english

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# Tuesday 20 May 2025, 18:00 UTC (20:00 in Berlin).
NOW = datetime(2025, 5, 20, 18, 0, tzinfo=UTC)
TEXTS = english()


@cache
def matcher() -> Matcher:
    return load_matcher(ROOT / "data" / "lexicon" / "en")


def name(kind: str, label: str) -> str:
    return matcher().display(kind, label)


def cramp(
    at: datetime, muscle: str | None = "calf", minutes: float | None = 5, severity: str = "mild"
) -> Episode:
    return Episode(1, at, muscle=muscle, duration_minutes=minutes, severity=severity)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def words_on(figure: Any) -> list[str]:
    """Every piece of text drawn: titles, row names, labels, ticks, the legend."""
    found = [t.get_text() for t in figure.texts]
    for axes in figure.axes:
        found += [t.get_text() for t in axes.texts]
        found += [t.get_text() for t in axes.get_xticklabels()]
        found.append(axes.get_xlabel())
    for legend in figure.legends:
        found += [t.get_text() for t in legend.get_texts()]
    return found


def test_one_cramp_makes_a_small_chart_of_a_few_days() -> None:
    episodes = [cramp(NOW - timedelta(hours=2), "quad", 5, "moderate")]
    assert chart_span(episodes, [], BERLIN, NOW) == (date(2025, 5, 18), date(2025, 5, 20))
    data = history_chart(episodes, [], BERLIN, NOW, TEXTS, name)
    width, height = png_size(data)
    assert width == 900 and height < width  # a card, not a page of empty rows
    words = words_on(history_figure(episodes, [], BERLIN, NOW, TEXTS, name))
    assert "front thigh" in words  # the one name, not the label or the button
    assert "quad" not in words and "Thigh (front)" not in words
    assert "5 min" in words
    assert {"mild", "moderate", "severe"} <= set(words)  # the whole scale of pain
    assert "Your cramps, 18 May \N{EN DASH} 20 May" in words
    assert "Days in Europe/Berlin time" in words


def test_many_muscles_make_a_portrait_chart_with_other_last() -> None:
    labels = ["calf", "calf", "toes", "abs", "quad", "hamstring", "foot", "neck", "hand"]
    episodes = [cramp(NOW - timedelta(days=n * 9), m) for n, m in enumerate(labels)]
    rows = _rows(episodes)
    assert len(rows) == MAX_ROWS and rows[0] == "calf" and rows[-1] == OTHER
    data = history_chart(episodes, [NOW - timedelta(days=3)], BERLIN, NOW, TEXTS, name)
    width, height = png_size(data)
    assert height > width  # portrait: rows one under another, readable on a phone
    words = words_on(history_figure(episodes, [], BERLIN, NOW, TEXTS, name))
    assert "stomach muscles" in words and "other muscles" in words


def test_the_span_follows_the_data_up_to_twelve_weeks() -> None:
    old = cramp(NOW - timedelta(days=200))
    recent = cramp(datetime(2025, 5, 10, 22, 30, tzinfo=UTC))  # 11 May, 00:30 in Berlin
    assert chart_span([recent], [], BERLIN, NOW) == (date(2025, 5, 11), date(2025, 5, 20))
    assert chart_span([recent], [], NEW_YORK, NOW) == (date(2025, 5, 10), date(2025, 5, 20))
    # What is older than twelve weeks is left to the text.
    assert chart_span([old, recent], [], BERLIN, NOW)[0] == date(2025, 5, 11)
    drink = NOW - timedelta(days=30)
    assert chart_span([recent], [drink], BERLIN, NOW)[0] == date(2025, 4, 20)
    later = cramp(NOW + timedelta(days=2))
    assert chart_span([later], [], BERLIN, NOW) == (date(2025, 5, 18), date(2025, 5, 20))


def test_few_ticks_however_long_the_span() -> None:
    for days in (3, 10, 21, 40, 84):
        ticks = _ticks(days)
        assert ticks[0] == 0 and len(ticks) <= 5 and ticks[-1] < days, days


def test_drinks_alone_still_make_a_chart() -> None:
    drinks = [NOW - timedelta(days=1), NOW - timedelta(hours=1), NOW - timedelta(hours=2)]
    figure = history_figure([], drinks, BERLIN, NOW, TEXTS, name)
    words = words_on(figure)
    assert "Drinks per day" in words and "No cramps recorded yet" in words
    assert "2" in words and "1" in words  # each day's count over its bar
    assert history_chart([], drinks, BERLIN, NOW, TEXTS, name).startswith(PNG_SIGNATURE)


def test_odd_muscle_names_are_drawn_as_typed() -> None:
    odd = ["$x$", "old_label", None]  # a label the lexicon no longer has: its words
    episodes = [cramp(NOW - timedelta(hours=n), m) for n, m in enumerate(odd)]
    words = words_on(history_figure(episodes, [], NEW_YORK, NOW, TEXTS, name))
    assert r"\$x\$" in words and "old label" in words and "muscle not given" in words


def test_charts_never_touch_pyplot() -> None:
    code = (
        "import sys; from datetime import datetime, UTC; from zoneinfo import ZoneInfo;"
        "from bot.service.charts import history_chart;"
        "from tests.helpers.texts import english;"
        "history_chart([], [datetime.now(UTC)], ZoneInfo('UTC'), datetime.now(UTC), english(),"
        " lambda kind, label: label);"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_daily_intake_counts_days_in_the_persons_zone() -> None:
    late = datetime(2025, 5, 19, 22, 30, tzinfo=UTC)  # 20 May, 00:30 in Berlin
    counts = daily_intake([late, NOW, NOW + timedelta(hours=1)], BERLIN, NOW, days=2)
    assert counts == [(date(2025, 5, 19), 0), (date(2025, 5, 20), 2)]
    assert daily_intake([late], ZoneInfo("UTC"), NOW, days=2)[0] == (date(2025, 5, 19), 1)


def test_short_and_long_duration_words() -> None:
    assert short_duration(None, TEXTS) is None
    assert short_duration(0.5, TEXTS) == "<1 min"
    assert short_duration(59, TEXTS) == "59 min"
    assert short_duration(100, TEXTS) == "1.5 h"
    assert duration_words(5, TEXTS) == "about 5 min"
    assert duration_words(180, TEXTS) == "about 3 h"


def test_history_text_uses_the_persons_zone_and_the_one_name() -> None:
    episodes = [
        cramp(datetime(2025, 5, 20, 17, 0, tzinfo=UTC), "calf", 5),  # today 19:00 Berlin
        cramp(datetime(2025, 5, 18, 22, 30, tzinfo=UTC), "quad", 180, "severe"),  # Mon 00:30
        cramp(datetime(2025, 5, 13, 6, 5, tzinfo=UTC), None, None),
        cramp(datetime(2024, 12, 31, 23, 30, tzinfo=UTC), "abs", 0.5),  # 1 Jan 2025 Berlin
    ]
    text = history_text(episodes, BERLIN, NOW, TEXTS, name)
    assert text.splitlines() == [
        "Your cramps, newest first (times in Europe/Berlin):",
        "• today 19:00: calf, 5 min, mild",
        "• yesterday 00:30: front thigh, 3 h, severe",
        "• Tue 13 May, 08:05: muscle not given, mild",
        "• Wed 1 Jan, 00:30: stomach muscles, <1 min, mild",
    ]
    in_new_york = history_text(episodes, NEW_YORK, NOW, TEXTS, name)
    assert "• Sun 18 May, 18:30: front thigh" in in_new_york
    assert "• Tue 31 Dec 2024, 18:30: stomach muscles" in in_new_york


def test_history_text_sums_up_older_cramps_in_few_words() -> None:
    labels = ["calf", "toes", "calf", "quad", "hand", "calf", "toes", "neck", "back", "foot"]
    episodes = [cramp(NOW - timedelta(days=3 * n, hours=1), m, 2) for n, m in enumerate(labels * 4)]
    text = history_text(episodes, BERLIN, NOW, TEXTS, name)
    lines = text.splitlines()
    assert len(lines) == 1 + 5 + 1
    assert lines[-1] == (
        "Before that, since 23 Jan: 35 more cramps (calf 10, toes 7, back 4, others 14)."
    )
    assert len(text.split()) <= 90
    one_more = history_text(episodes[:6], BERLIN, NOW, TEXTS, name).splitlines()[-1]
    assert one_more == "Before that, since 5 May: 1 more cramp (calf 1)."
    assert history_text([], BERLIN, NOW, TEXTS, name).startswith("No cramps recorded yet.")


def test_no_muscle_and_other_rows_have_their_own_words() -> None:
    assert NO_MUSCLE != OTHER
    assert _rows([cramp(NOW, None)]) == [NO_MUSCLE]
