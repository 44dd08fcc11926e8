"""`python -m bot eval`: how well the bot triages a labelled set of messages.

    cases = load_cases(Path("tests/data/safety/dev.yaml"))
    report = evaluate(library, cases)          every message through engine.step
    print(render(report))                       per sign and per level, then what failed

A labelled file is a YAML list; each entry:

    - text: "my husband collapsed and isn't breathing"
      expect: emergency        # emergency, urgent, see_doctor, self_care, benign, dose_question
      signs: [not_breathing]   # the emergency or urgent signs it shows (may be empty)
      lang: en                 # the language it is written in
      who: other               # self | other
      when: first              # first: a fresh session; midway: after "calf cramp",
                               # at the next question

How a message is judged, by the Turn the real engine gives with the shipped content:
  - escalated: Turn.red_flags is not empty (the emergency reply);
  - told to get seen today: turn.urgent is not empty, or escalated.
An emergency must escalate; an urgent case must at least be told to get seen today (an
escalation counts as over-triage, shown apart); every other level escalating is a false
alarm, and so (counted apart) is being told to get seen today.

Pure apart from reading the file: the caller hands in the loaded Library.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.content.loading import Library
from bot.content.yamlfile import load_yaml
from bot.core import engine
from bot.core.model import Session
from bot.errors import ContentError

__all__ = [
    "Case",
    "Outcome",
    "Report",
    "evaluate",
    "load_cases",
    "render",
    "set_path",
    "shortfalls",
]

LEVELS = ("emergency", "urgent", "see_doctor", "self_care", "benign", "dose_question")
#: Levels that must not escalate (false alarms when they do).
CALM_LEVELS = ("see_doctor", "self_care", "benign", "dose_question")
SETS = Path("tests") / "data" / "safety"  # under the project folder: <name>.yaml
MIDWAY_OPENER = "calf cramp"  # what a `when: midway` message follows
_USER = 1
_NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled message."""

    text: str
    expect: str
    signs: tuple[str, ...] = ()
    lang: str = "en"
    who: str = "self"
    when: str = "first"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the bot did with one Case."""

    case: Case
    red_flags: tuple[str, ...]
    urgent: tuple[str, ...]

    @property
    def escalated(self) -> bool:
        return bool(self.red_flags)

    @property
    def seen_today(self) -> bool:
        return bool(self.urgent) or self.escalated

    @property
    def passed(self) -> bool:
        if self.case.expect == "emergency":
            return self.escalated
        if self.case.expect == "urgent":
            return self.seen_today
        return not self.seen_today


@dataclass(frozen=True, slots=True)
class Report:
    """Every outcome, and the figures drawn from them."""

    outcomes: tuple[Outcome, ...]
    label: str = ""

    def of(self, level: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.expect == level]

    def recall(self, level: str) -> float | None:
        """Share of `level` messages handled as they must be (None when there are none)."""
        cases = self.of(level)
        if not cases or level not in ("emergency", "urgent"):
            return None
        return sum(o.passed for o in cases) / len(cases)

    def false_alarm_rate(self, levels: Iterable[str] = CALM_LEVELS) -> float | None:
        """Share of calm messages (benign, self_care, ...) that escalated."""
        cases = [o for o in self.outcomes if o.case.expect in set(levels)]
        if not cases:
            return None
        return sum(o.escalated for o in cases) / len(cases)

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]


def load_cases(path: Path) -> list[Case]:
    """The labelled messages of one file. ContentError names every malformed entry."""
    doc = load_yaml(path)
    where = path.as_posix()
    if not isinstance(doc, list):
        raise ContentError([f"{where}: must be a list of messages, each with text: and expect:"])
    cases: list[Case] = []
    problems: list[str] = []
    for n, entry in enumerate(doc, 1):
        case = _case(entry)
        if isinstance(case, str):
            problems.append(f"{where}: entry {n}: {case}")
        else:
            cases.append(case)
    if problems:
        raise ContentError(problems)
    return cases


def _case(entry: Any) -> Case | str:
    if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
        return "needs `text:` (the message, quoted) and `expect:`."
    expect = entry.get("expect")
    if expect not in LEVELS:
        return f"expect: {expect!r} is not one of {', '.join(LEVELS)}."
    signs = entry.get("signs") or []
    if not isinstance(signs, list) or not all(isinstance(s, str) for s in signs):
        return "signs: must be a list of sign names, like [chest_pain]."
    when = entry.get("when", "first")
    if when not in ("first", "midway"):
        return f"when: {when!r} must be first or midway."
    return Case(
        text=entry["text"],
        expect=expect,
        signs=tuple(signs),
        lang=str(entry.get("lang", "en")),
        who=str(entry.get("who", "self")),
        when=when,
    )


def run_case(library: Library, case: Case, *, reader: bool = True) -> Outcome:
    """Send the message through engine.step, as a first message or midway."""
    content = library.content()
    dialogue = content.dialogue
    session = Session(_USER, dialogue.start)

    def step(s: Session, text: str) -> engine.Turn:
        return engine.step(
            dialogue,
            s,
            text,
            matcher=content.matcher,
            now=_NOW,
            rules=content.rules,
            alarms=content.alarms,
            reader=content.reader if reader else None,
        )

    if case.when == "midway":
        session = step(session, MIDWAY_OPENER).session
    turn = step(session, case.text)
    urgent = turn.urgent
    return Outcome(case, tuple(turn.red_flags), urgent)


def evaluate(
    library: Library, cases: Sequence[Case], label: str = "", *, reader: bool = True
) -> Report:
    """Every case through the engine; the outcomes in a Report. `reader` False: the
    lexicons alone, without the learned reader (data/reader.json)."""
    return Report(tuple(run_case(library, c, reader=reader) for c in cases), label)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def render(report: Report) -> str:
    """The tables `python -m bot eval` prints: per sign, per level, then the failures."""
    lines: list[str] = []
    total = len(report.outcomes)
    lines.append(f"{report.label}{total} messages".strip())
    lines.append("")
    # Per sign: emergencies escalated; urgent signs told to get seen today.
    per_sign: dict[str, list[Outcome]] = defaultdict(list)
    for o in report.outcomes:
        if o.case.expect in ("emergency", "urgent"):
            for s in o.case.signs or ("(no sign)",):
                per_sign[f"{o.case.expect}:{s}"].append(o)
    lines.append(f"{'sign':34} {'count':>5} {'recall':>7}")
    for key in sorted(per_sign):
        group = per_sign[key]
        ok = sum(o.passed for o in group)
        lines.append(f"{key:34} {len(group):5} {_pct(ok, len(group)):>7}")
    lines.append("")
    lines.append(
        f"{'level':14} {'count':>5} {'recall':>7} {'escalated':>10} {'seen today':>11}"
        f"  (escalated = emergency reply; seen today = urgent reply or escalated)"
    )
    for level in LEVELS:
        group = report.of(level)
        if not group:
            continue
        n = len(group)
        esc = sum(o.escalated for o in group)
        today = sum(o.seen_today and not o.escalated for o in group)
        recall = report.recall(level)
        shown = _pct(sum(o.passed for o in group), n) if recall is not None else "    -"
        lines.append(f"{level:14} {n:5} {shown:>7} {_pct(esc, n):>10} {_pct(today, n):>11}")
    lines.append("")
    emergencies = report.of("emergency")
    urgents = report.of("urgent")
    calm = [o for o in report.outcomes if o.case.expect in CALM_LEVELS]
    lines.append(
        "emergency recall: "
        + _pct(sum(o.escalated for o in emergencies), len(emergencies)).strip()
        + f" ({sum(o.escalated for o in emergencies)}/{len(emergencies)})"
    )
    lines.append(
        "urgent recall (seen today or escalated): "
        + _pct(sum(o.seen_today for o in urgents), len(urgents)).strip()
        + f"; of which over-triaged to emergency: {sum(o.escalated for o in urgents)}"
    )
    lines.append(
        "false alarms (benign, self_care, see_doctor, dose_question escalated): "
        + _pct(sum(o.escalated for o in calm), len(calm)).strip()
        + f" ({sum(o.escalated for o in calm)}/{len(calm)}); told urgent: "
        + str(sum(bool(o.urgent) and not o.escalated for o in calm))
    )
    failed = report.failures()
    if failed:
        lines.append("")
        lines.append(f"FAILED ({len(failed)}):")
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for o in failed:
            if o.case.expect in ("emergency", "urgent"):
                key = f"missed {o.case.expect} {','.join(o.case.signs) or '-'}"
            else:
                key = f"false alarm on {o.case.expect}"
            groups[key].append(o)
        for key in sorted(groups):
            lines.append(f"  {key}:")
            for o in groups[key]:
                got = ",".join(o.red_flags) or ("urgent:" + ",".join(o.urgent) if o.urgent else "-")
                lines.append(f"    [{o.case.lang} {o.case.when}] {o.case.text!r} -> {got}")
    return "\n".join(lines)


def set_path(project: Path, name: str) -> Path:
    """The file of a labelled set by name: "dev" -> tests/data/safety/dev.yaml."""
    return project / SETS / f"{name}.yaml"


def shortfalls(
    report: Report,
    *,
    min_recall: float | None = None,
    min_urgent_recall: float | None = None,
    max_false_alarms: float | None = None,
) -> list[str]:
    """What misses the thresholds (percentages), each said in a line; empty when all pass."""
    out: list[str] = []
    checks = (
        ("emergency recall", report.recall("emergency"), min_recall, True),
        ("urgent recall", report.recall("urgent"), min_urgent_recall, True),
        ("false alarms", report.false_alarm_rate(), max_false_alarms, False),
    )
    for name, value, limit, at_least in checks:
        if limit is None or value is None:
            continue
        pct = 100 * value
        if (at_least and pct < limit) or (not at_least and pct > limit):
            side = "under" if at_least else "over"
            out.append(f"{name} {pct:.1f}% is {side} the threshold {limit:g}%")
    return out
