"""The /history answer: a chart of cramps per week, and a short list of the last ones.

    history_chart(episodes, tz, now, texts) -> PNG  stacked bars: cramps per week, by muscle
    intake_chart(drinks, tz, now, texts) -> PNG     bars: drinks logged per day ("I drank")
    history_text(episodes, tz, now, texts) -> str   the last few cramps, one per line
    weekly_counts(episodes, tz, now) -> [Week]      the numbers behind the chart

Weeks start on Monday in the person's own time zone; episodes arrive in UTC. Every
word comes from the texts of the person's language (NEEDS lists them).
The chart is drawn on a bare matplotlib Figure with the Agg canvas: no pyplot,
no global state, safe to call from several threads.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.contract import Needs
from bot.core.model import Episode
from bot.core.saying import duration_words, month_name, weekday_name
from bot.core.texts import Texts

WEEKS_SHOWN = 12
NO_MUSCLE = "\0no muscle"  # keys of Week.by_muscle that no muscle label can be
OTHER = "\0other"
MAX_MUSCLES = 7  # more than this many muscles: the rarest are drawn together as "other"
# Colour-blind-safe palette (Okabe & Ito), then a grey for "other".
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
OTHER_COLOUR = "#999999"


@dataclass(frozen=True, slots=True)
class Week:
    """Cramps in one week (Monday `start`, in the person's zone), per muscle."""

    start: date
    by_muscle: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_muscle.values())


def local_week_start(at: datetime, tz: ZoneInfo) -> date:
    """The Monday of the week `at` falls in, as a date in zone `tz`."""
    day = at.astimezone(tz).date()
    return day - timedelta(days=day.weekday())


def muscle_label(episode: Episode) -> str:
    return episode.muscle.strip() if episode.muscle and episode.muscle.strip() else NO_MUSCLE


def weekly_counts(
    episodes: Iterable[Episode], tz: ZoneInfo, now: datetime, weeks: int = WEEKS_SHOWN
) -> list[Week]:
    """`weeks` weeks, oldest first, the last one containing `now`; later cramps are left out."""
    last = local_week_start(now, tz)
    starts = [last - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    counts: dict[date, Counter[str]] = {start: Counter() for start in starts}
    for episode in episodes:
        if episode.at > now:
            continue
        start = local_week_start(episode.at, tz)
        if start in counts:
            counts[start][muscle_label(episode)] += 1
    return [Week(start, dict(counts[start])) for start in starts]


def _series(weeks: Sequence[Week]) -> list[tuple[str, list[int]]]:
    """(muscle, count per week) for each muscle to draw, most frequent first."""
    totals: Counter[str] = Counter()
    for week in weeks:
        totals.update(week.by_muscle)
    ranked = [muscle for muscle, _ in sorted(totals.items(), key=lambda mc: (-mc[1], mc[0]))]
    shown = ranked if len(ranked) <= MAX_MUSCLES else ranked[: MAX_MUSCLES - 1]
    series = [(m, [week.by_muscle.get(m, 0) for week in weeks]) for m in shown]
    rest = [m for m in ranked if m not in shown]
    if rest:
        series.append((OTHER, [sum(week.by_muscle.get(m, 0) for m in rest) for week in weeks]))
    return series


def _plain_label(text: str) -> str:
    """A legend label shown as typed: no mathtext, no hidden '_' labels."""
    text = text.replace("$", r"\$")
    return " " + text if text.startswith("_") else text


def _canvas(width: float, height: float) -> tuple[Any, Any, Any]:
    """A bare Figure on an Agg canvas, and the integer tick locator.

    matplotlib is imported here, on the first chart, not when the bot starts: it
    costs some 30 MB that a bot nobody asks for /history never needs.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return figure, FigureCanvasAgg(figure), lambda: MaxNLocator(integer=True)


def _bar_axes(
    axes: Any, positions: list[int], labels: list[str], top: int, integer_ticks: Any
) -> None:
    """What both charts share: slanted date labels, whole counts up to `top`, a light
    grid behind the bars, no box."""
    axes.set_xticks(positions, labels, rotation=45, ha="right", rotation_mode="anchor")
    axes.yaxis.set_major_locator(integer_ticks())
    axes.set_ylim(0, top + 0.5)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _png(canvas: Any) -> bytes:
    buffer = io.BytesIO()
    canvas.print_figure(buffer, format="png")
    return buffer.getvalue()


def history_chart(
    episodes: Iterable[Episode],
    tz: ZoneInfo,
    now: datetime,
    texts: Texts,
    *,
    weeks: int = WEEKS_SHOWN,
) -> bytes:
    """A PNG: cramps per week for the last `weeks` weeks, stacked by muscle."""
    data = weekly_counts(episodes, tz, now, weeks)
    figure, canvas, integer_ticks = _canvas(8, 4.5)
    axes = figure.add_subplot()
    positions = list(range(len(data)))
    bottoms = [0] * len(data)
    series = _series(data)
    for index, (muscle, counts) in enumerate(series):
        colour = OTHER_COLOUR if muscle == OTHER else COLOURS[index % len(COLOURS)]
        axes.bar(
            positions,
            counts,
            bottom=bottoms,
            width=0.7,
            color=colour,
            label=_plain_label(_muscle_name(muscle, texts)),
        )
        bottoms = [b + c for b, c in zip(bottoms, counts, strict=True)]

    axes.set_title(texts.say("chart_cramps_title", weeks=weeks), fontsize=14)
    axes.set_xlabel(texts.say("chart_cramps_axis", zone=tz.key))
    axes.set_ylabel(texts.say("chart_cramps_count"))
    labels = [_day_label(w.start, texts) for w in data]
    _bar_axes(axes, positions, labels, max([*bottoms, 1]), integer_ticks)
    axes.set_xlim(-0.6, len(data) - 0.4)
    if series:
        title = texts.say("chart_muscle")
        axes.legend(title=title, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    else:
        axes.text(
            0.5,
            0.5,
            texts.say("chart_cramps_none", weeks=weeks),
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=13,
            color="#555555",
        )
    return _png(canvas)


DAYS_SHOWN = 14


def daily_intake(
    drinks: Iterable[datetime], tz: ZoneInfo, now: datetime, days: int = DAYS_SHOWN
) -> list[tuple[date, int]]:
    """Drinks per calendar day (the person's zone), the last `days` days, oldest first."""
    today = now.astimezone(tz).date()
    counts = Counter(at.astimezone(tz).date() for at in drinks)
    return [
        (day, counts[day]) for day in (today - timedelta(days=n) for n in range(days - 1, -1, -1))
    ]


def intake_chart(
    drinks: Iterable[datetime],
    tz: ZoneInfo,
    now: datetime,
    texts: Texts,
    *,
    days: int = DAYS_SHOWN,
) -> bytes:
    """A PNG: drinks logged with "I drank" per day, the last `days` days."""
    data = daily_intake(drinks, tz, now, days)
    figure, canvas, integer_ticks = _canvas(8, 4)
    axes = figure.add_subplot()
    positions = list(range(len(data)))
    counts = [count for _, count in data]
    axes.bar(positions, counts, width=0.7, color=COLOURS[4])
    axes.set_title(texts.say("chart_drinks_title", days=days), fontsize=14)
    axes.set_xlabel(texts.say("chart_drinks_axis", zone=tz.key))
    axes.set_ylabel(texts.say("chart_drinks_count"))
    labels = [_day_label(day, texts) for day, _ in data]
    _bar_axes(axes, positions, labels, max([*counts, 1]), integer_ticks)
    return _png(canvas)


def _day_label(day: date, texts: Texts) -> str:
    return texts.say("chart_day", day=day.day, month=month_name(day, texts))


def _muscle_name(muscle: str, texts: Texts) -> str:
    if muscle == NO_MUSCLE:
        return texts.say("muscle_not_given")
    return texts.say("chart_muscle_other") if muscle == OTHER else muscle


def _when(at: datetime, tz: ZoneInfo, now: datetime, texts: Texts) -> str:
    local, today = at.astimezone(tz), now.astimezone(tz).date()
    clock = f"{local:%H:%M}"
    if local.date() == today:
        return texts.say("when_today", time=clock)
    if local.date() == today - timedelta(days=1):
        return texts.say("when_yesterday", time=clock)
    day = local.date()
    return texts.say(
        "when_other_day" if local.year == today.year else "when_other_year",
        weekday=weekday_name(day, texts),
        day=day.day,
        month=month_name(day, texts),
        year=day.year,
        time=clock,
    )


def history_text(
    episodes: Iterable[Episode], tz: ZoneInfo, now: datetime, texts: Texts, limit: int = 10
) -> str:
    """The last `limit` cramps, newest first, with times in the person's zone."""
    ordered = sorted(episodes, key=lambda e: (e.at, e.id or 0), reverse=True)
    if not ordered:
        return texts.say("history_none")
    shown = ordered[:limit]
    title = "history_title_one" if len(shown) == 1 else "history_title_many"
    lines = [texts.say(title, count=len(shown), zone=tz.key)]
    for episode in shown:
        parts = [_muscle_name(muscle_label(episode), texts)]
        duration = duration_words(episode.duration_minutes, texts)
        if duration:
            parts.append(duration)
        if episode.severity:
            parts.append(episode.severity)
        when = _when(episode.at, tz, now, texts)
        lines.append(texts.say("history_line", when=when, details=", ".join(parts)))
    if len(ordered) > limit:
        earlier = len(ordered) - limit
        more = "history_earlier_one" if earlier == 1 else "history_earlier_many"
        lines.append(texts.say(more, count=earlier))
    return "\n".join(lines)


NEEDS = Needs(
    who="the /history text and charts (bot/service/charts.py)",
    texts={
        "chart_cramps_title": ("weeks",),
        "chart_cramps_axis": ("zone",),
        "chart_cramps_count": (),
        "chart_cramps_none": ("weeks",),
        "chart_muscle": (),
        "chart_muscle_other": (),
        "muscle_not_given": (),
        "chart_drinks_title": ("days",),
        "chart_drinks_axis": ("zone",),
        "chart_drinks_count": (),
        "chart_day": ("day", "month"),
        "when_today": ("time",),
        "when_yesterday": ("time",),
        "when_other_day": ("weekday", "day", "month", "year", "time"),
        "when_other_year": ("weekday", "day", "month", "year", "time"),
        "history_none": (),
        "history_title_one": ("count", "zone"),
        "history_title_many": ("count", "zone"),
        "history_line": ("when", "details"),
        "history_earlier_one": ("count",),
        "history_earlier_many": ("count",),
    },
)
