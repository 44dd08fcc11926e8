"""The /history answer: a time line of the person's cramps and drinks, and a short text.

    history_chart(episodes, drinks, tz, now, texts, name) -> PNG   the time line (below)
    history_figure(...) -> matplotlib Figure                       the same, not yet saved
    history_text(episodes, tz, now, texts, name) -> str           the last few, then a summary
    chart_span(episodes, drinks, tz, now) -> (first day, last day) the days the chart shows
    daily_intake(drinks, tz, now, days) -> [(day, count)]         drinks per calendar day

The chart is one portrait picture, read on a phone: every cramp is a dot on a time line,
in the row of its muscle (rows named with the muscle's one name, most frequent first);
the dot's size and colour say how bad it was (a legend on top), the words under it how
long it lasted; drinks logged with "I drank" are bars per day in a strip below. It spans
the days the person has data for, from three days up to twelve weeks, so the first
cramp already makes a chart worth opening.

Days and times are the person's own (`tz`); episodes and drinks arrive in UTC. Every
word comes from the texts of the person's language (NEEDS lists them), and every muscle
and pain level is named by `name(kind, label)` (the lexicon's display: Matcher.display).
The chart is drawn on a bare matplotlib Figure with the Agg canvas: no pyplot, no global
state, safe to call from several threads; axes are placed by hand, not by a layout
engine, which keeps a chart near 0.1 s.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.contract import Needs
from bot.core.model import Episode
from bot.core.saying import duration_words, month_name, weekday_name
from bot.core.texts import Texts

#: (kind, label) -> the one name people read: Matcher.display ("body_part", "quad").
Name = Callable[[str, str], str]

MAX_DAYS = 84  # twelve weeks: older cramps are left to the text's summary
MIN_DAYS = 3  # even one cramp today gets a few days around it
MAX_ROWS = 6  # more muscles than this: the rarest share one row, "other"
LINES = 5  # cramps listed one by one in the text; older ones are summed up
DAYS_SHOWN = 14  # the drinks a /history reads at least (older ones only if cramps reach back)
NO_MUSCLE = "\0no muscle"  # a row key no muscle label can be
OTHER = "\0other"
SEVERITIES = ("mild", "moderate", "severe")
# Pain, from mild to severe: lighter to darker and smaller to larger (colour-blind safe,
# and readable in grey); a dot of pain not given is hollow.
SEVERITY_COLOUR = {"mild": "#FDBB84", "moderate": "#EF6548", "severe": "#990000"}
SEVERITY_SIZE = {"mild": 110.0, "moderate": 240.0, "severe": 420.0}
UNKNOWN_SIZE = 150.0
DRINK_COLOUR = "#56B4E9"
INK = "#222222"
FAINT = "#666666"
WIDTH = 6.0  # inches; at 150 dpi a picture 900 pixels wide, which Telegram keeps sharp
DPI = 150


@dataclass(frozen=True, slots=True)
class Dot:
    """One cramp on the time line: days since the first day shown, its row and pain."""

    x: float
    row: str
    severity: str | None
    minutes: float | None


def local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def muscle_label(episode: Episode) -> str:
    return episode.muscle.strip() if episode.muscle and episode.muscle.strip() else NO_MUSCLE


def chart_span(
    episodes: Iterable[Episode], drinks: Iterable[datetime], tz: ZoneInfo, now: datetime
) -> tuple[date, date]:
    """The first and last day the chart shows, in the person's zone: from the day of the
    oldest cramp or drink of the last twelve weeks (at least three days) to today."""
    today = local_day(now, tz)
    oldest = today - timedelta(days=MAX_DAYS - 1)
    days = [local_day(e.at, tz) for e in episodes if e.at <= now]
    days += [local_day(at, tz) for at in drinks if at <= now]
    first = min((d for d in days if d >= oldest), default=today)
    return min(first, today - timedelta(days=MIN_DAYS - 1)), today


def daily_intake(
    drinks: Iterable[datetime], tz: ZoneInfo, now: datetime, days: int = DAYS_SHOWN
) -> list[tuple[date, int]]:
    """Drinks per calendar day (the person's zone), the last `days` days, oldest first."""
    today = local_day(now, tz)
    counts = Counter(local_day(at, tz) for at in drinks if at <= now)
    return [
        (day, counts[day]) for day in (today - timedelta(days=n) for n in range(days - 1, -1, -1))
    ]


def _ranked(episodes: Sequence[Episode]) -> list[tuple[str, int]]:
    """Each muscle with its count of cramps, most frequent first (ties by label)."""
    totals = Counter(muscle_label(e) for e in episodes)
    return sorted(totals.items(), key=lambda mc: (-mc[1], mc[0]))


def _rows(episodes: Sequence[Episode]) -> list[str]:
    """The muscles to give a row, most frequent first (ties by label); OTHER last."""
    ranked = [m for m, _ in _ranked(episodes)]
    return ranked if len(ranked) <= MAX_ROWS else [*ranked[: MAX_ROWS - 1], OTHER]


def _dots(episodes: Sequence[Episode], rows: list[str], tz: ZoneInfo, start: date) -> list[Dot]:
    origin = datetime(start.year, start.month, start.day)
    dots = []
    for episode in episodes:
        local = episode.at.astimezone(tz).replace(tzinfo=None)
        row = muscle_label(episode)
        severity = episode.severity if episode.severity in SEVERITY_COLOUR else None
        dots.append(
            Dot(
                (local - origin).total_seconds() / 86400,
                row if row in rows else OTHER,
                severity,
                episode.duration_minutes,
            )
        )
    return dots


def _ticks(days: int) -> list[int]:
    """At most five day ticks, a whole number of days (or weeks) apart, the first at 0."""
    step = next((s for s in (1, 2, 3, 7, 14, 21, 28) if days / s <= 5), 35)
    return list(range(0, days, step))


def short_duration(minutes: float | None, texts: Texts) -> str | None:
    """A cramp's length under its dot: "<1 min", "5 min", "1.5 h" (rounded as
    duration_words rounds it)."""
    return duration_words(minutes, texts, ("chart_under_a_minute", "chart_minutes", "chart_hours"))


def _plain(text: str) -> str:
    """Drawn as typed: no mathtext."""
    return text.replace("$", r"\$")


def history_chart(
    episodes: Iterable[Episode],
    drinks: Iterable[datetime],
    tz: ZoneInfo,
    now: datetime,
    texts: Texts,
    name: Name,
) -> bytes:
    """A PNG: the person's cramps on a time line, a row per muscle, and their drinks per day."""
    figure = history_figure(episodes, drinks, tz, now, texts, name)
    buffer = io.BytesIO()
    figure.canvas.print_figure(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 3})
    return buffer.getvalue()


def history_figure(
    episodes: Iterable[Episode],
    drinks: Iterable[datetime],
    tz: ZoneInfo,
    now: datetime,
    texts: Texts,
    name: Name,
) -> Any:
    """The chart as a matplotlib Figure on an Agg canvas (what history_chart saves).

    One axes holds it all (x: days since the first day shown; y: the drinks strip at the
    bottom, the muscles' rows above it), drawn with one collection per kind of mark: a
    second axes, or an artist per bar, would cost more than the whole drawing.
    matplotlib is imported here, on the first chart, not when the bot starts: it costs
    some 30 MB that a bot nobody asks for /history never needs.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    episodes, drinks = list(episodes), list(drinks)
    first, today = chart_span(episodes, drinks, tz, now)
    days = (today - first).days + 1
    shown = [e for e in episodes if first <= local_day(e.at, tz) and e.at <= now]
    intake = [(d, n) for d, n in daily_intake(drinks, tz, now, days) if n]
    rows = _rows(shown)
    dots = _dots(shown, rows, tz, first)

    # y in rows: the drinks strip takes `strip` rows at the bottom, each muscle one row.
    strip = 1.9 if intake else 0.0
    lines = max(len(rows), 1)
    y_low, y_high = (0.0 if intake else -0.35), strip + lines + 0.15
    # inches: the title and the legend of pain; the dates; one row
    head, foot, inch_per_row = (1.25 if rows else 0.65), 0.75, 0.8
    body = (y_high - y_low) * inch_per_row
    height = head + body + foot
    figure = Figure(figsize=(WIDTH, height), dpi=DPI)
    FigureCanvasAgg(figure)  # the figure's canvas from now on
    axes = figure.add_axes((0.05, foot / height, 0.9, body / height))
    pad = 0.025 * days  # room for a dot on the first or last moment
    axes.set_xlim(-pad, days + pad)
    axes.set_ylim(y_low, y_high)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.set_yticks([])
    ticks = _ticks(days)
    at = [t + 0.5 for t in ticks] if days <= 21 else [float(t) for t in ticks]
    axes.set_xticks(at, [_day_label(first + timedelta(days=t), texts) for t in ticks], fontsize=12)
    axes.set_xlabel(texts.say("chart_zone", zone=tz.key), fontsize=11, color=FAINT)
    # Faint lines where days (or, over weeks, ticks) begin, from the strip to the top.
    axes.vlines(
        range(days + 1) if days <= 21 else at,
        strip or y_low,
        y_high,
        colors="#EEEEEE",
        linewidth=1,
        zorder=0,
    )

    label_gap = 0.15 * days  # a duration label this close to the last in its row is left out
    xs: list[float] = []
    ys: list[float] = []
    sizes: list[float] = []
    colours: list[str] = []
    hollow: list[tuple[float, float]] = []
    for index, row in enumerate(rows):
        y = strip + lines - 0.6 - index
        axes.axhline(y, color="#DDDDDD", linewidth=1.2, zorder=0)
        axes.text(
            -pad,
            y + 0.3,
            _plain(_row_name(row, texts, name)),
            fontsize=14,
            color=INK,
            va="center",
            ha="left",
            fontweight="bold",
        )
        labelled = -label_gap
        for dot in sorted((d for d in dots if d.row == row), key=lambda d: d.x):
            words = short_duration(dot.minutes, texts)
            if words and dot.x - labelled >= label_gap:
                axes.text(
                    dot.x, y - 0.33, words, fontsize=11, color=FAINT, ha="center", va="center"
                )
                labelled = dot.x
            if dot.severity is None:
                hollow.append((dot.x, y))
            else:  # the worse cramps drawn last, on top
                xs.append(dot.x)
                ys.append(y)
                sizes.append(SEVERITY_SIZE[dot.severity])
                colours.append(SEVERITY_COLOUR[dot.severity])
    if hollow:
        axes.scatter(
            [x for x, _ in hollow],
            [y for _, y in hollow],
            s=UNKNOWN_SIZE,
            facecolors="white",
            edgecolors=FAINT,
            linewidths=1.5,
            zorder=3,
        )
    if xs:
        order = sorted(range(len(xs)), key=lambda i: sizes[i])
        axes.scatter(
            [xs[i] for i in order],
            [ys[i] for i in order],
            s=[sizes[i] for i in order],
            c=[colours[i] for i in order],
            edgecolors=INK,
            linewidths=0.8,
            zorder=4,
        )
    if not rows:
        axes.text(
            days / 2,
            strip + lines / 2,
            texts.say("chart_no_cramps"),
            fontsize=14,
            color=FAINT,
            ha="center",
            va="center",
        )

    if intake:
        top = max(n for _, n in intake)
        scale = (strip - 0.75) / top  # the tallest bar leaves room for its number and title
        half = 0.35 if days <= 21 else 0.42
        bars = []
        for day, count in intake:
            x = (day - first).days + 0.5
            bars.append(
                [(x - half, 0), (x - half, count * scale), (x + half, count * scale), (x + half, 0)]
            )
            if days <= 21 or count == top:  # every count on a short span, else the most
                axes.text(
                    x,
                    count * scale + 0.06,
                    str(count),
                    fontsize=11,
                    ha="center",
                    va="bottom",
                    color=INK,
                )
        axes.add_collection(PolyCollection(bars, facecolors=DRINK_COLOUR, edgecolors="none"))
        axes.text(
            -pad,
            strip - 0.2,
            texts.say("chart_drinks"),
            fontsize=13,
            color=INK,
            va="center",
            ha="left",
        )

    title = "chart_title" if shown else "chart_title_drinks"
    figure.text(
        0.5,
        1 - 0.3 / height,
        texts.say(title, start=_day_label(first, texts), end=_day_label(today, texts)),
        fontsize=17,
        ha="center",
        va="center",
        color=INK,
        fontweight="bold",
    )
    if shown:
        handles = [
            Line2D(
                [],
                [],
                linestyle="",
                marker="o",
                markersize=SEVERITY_SIZE[s] ** 0.5,
                markerfacecolor=SEVERITY_COLOUR[s],
                markeredgecolor=INK,
                label=_plain(name("severity", s)),
            )
            for s in SEVERITIES  # the whole scale, to read any one dot against
        ]
        if hollow:
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="",
                    marker="o",
                    markersize=UNKNOWN_SIZE**0.5,
                    markerfacecolor="white",
                    markeredgecolor=FAINT,
                    label=texts.say("chart_pain_not_given"),
                )
            )
        figure.legend(
            handles=handles,
            loc="center",
            bbox_to_anchor=(0.5, 1 - 0.82 / height),
            ncols=len(handles),
            frameon=False,
            fontsize=13,
            handletextpad=0.2,
            columnspacing=1.2,
            title=texts.say("chart_pain"),
            title_fontsize=12,
        )
    return figure


def _row_name(row: str, texts: Texts, name: Name) -> str:
    if row == NO_MUSCLE:
        return texts.say("muscle_not_given")
    return texts.say("chart_muscle_other") if row == OTHER else name("body_part", row)


def _day_label(day: date, texts: Texts) -> str:
    return texts.say("chart_day", day=day.day, month=month_name(day, texts))


def _when(at: datetime, tz: ZoneInfo, now: datetime, texts: Texts) -> str:
    local, today = at.astimezone(tz), local_day(now, tz)
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
    episodes: Iterable[Episode], tz: ZoneInfo, now: datetime, texts: Texts, name: Name
) -> str:
    """The last few cramps, newest first, one line each (muscle, length, pain, in the
    person's zone), then the older ones summed up in one line: how many since when, and
    in which muscles. Short enough to read at a glance."""
    ordered = sorted(
        (e for e in episodes if e.at <= now), key=lambda e: (e.at, e.id or 0), reverse=True
    )
    if not ordered:
        return texts.say("history_none")
    lines = [texts.say("history_title", zone=tz.key)]
    for episode in ordered[:LINES]:
        parts = [_row_name(muscle_label(episode), texts, name)]
        duration = short_duration(episode.duration_minutes, texts)
        if duration:
            parts.append(duration)
        if episode.severity:
            parts.append(name("severity", episode.severity))
        when = _when(episode.at, tz, now, texts)
        lines.append(texts.say("history_line", when=when, details=", ".join(parts)))
    older = ordered[LINES:]
    if older:
        ranked = _ranked(older)
        named = [
            texts.say("history_count", muscle=_row_name(m, texts, name), count=n)
            for m, n in ranked[:3]
        ]
        rest = sum(n for _, n in ranked[3:])
        if rest:
            named.append(texts.say("history_others", count=rest))
        since = local_day(older[-1].at, tz)
        lines.append(
            texts.say(
                "history_earlier",
                count=len(older),
                day=_day_label(since, texts),
                muscles=", ".join(named),
            )
        )
    return "\n".join(lines)


NEEDS = Needs(
    who="the /history text and chart (bot/service/charts.py)",
    labels={"severity": SEVERITIES},
    texts={
        "chart_title": ("start", "end"),
        "chart_title_drinks": ("start", "end"),
        "chart_zone": ("zone",),
        "chart_pain": (),
        "chart_pain_not_given": (),
        "chart_no_cramps": (),
        "chart_drinks": (),
        "chart_muscle_other": (),
        "chart_under_a_minute": (),
        "chart_minutes": ("n",),
        "chart_hours": ("n",),
        "muscle_not_given": (),
        "chart_day": ("day", "month"),
        "when_today": ("time",),
        "when_yesterday": ("time",),
        "when_other_day": ("weekday", "day", "month", "year", "time"),
        "when_other_year": ("weekday", "day", "month", "year", "time"),
        "history_none": (),
        "history_title": ("zone",),
        "history_line": ("when", "details"),
        "history_count": ("muscle", "count"),
        "history_others": ("count",),
        "history_earlier": ("count", "day", "muscles"),
    },
)
