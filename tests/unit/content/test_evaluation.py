"""`python -m bot eval`: a labelled file through the real engine, its figures and its exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.content.evaluation import (
    Case,
    Outcome,
    Report,
    evaluate,
    load_cases,
    render,
    set_path,
    shortfalls,
)
from bot.errors import ContentError
from tests.helpers.paths import ROOT
from tests.helpers.shipped import shipped_library

TINY = """\
- text: "chest pain"
  expect: emergency
  signs: [chest_pain]
  lang: en
  who: self
  when: first
- text: "i cant breathe"
  expect: emergency
  signs: [breathing]
  lang: en
  when: midway
- text: "chest day at the gym, what should i eat"
  expect: benign
  lang: en
- text: "calf cramp after my run"
  expect: self_care
  lang: en
- text: "me duele la pierna"
  expect: self_care
  lang: es
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path


def test_a_tiny_set_through_the_engine(tiny: Path) -> None:
    cases = load_cases(tiny)
    assert [c.when for c in cases] == ["first", "midway", "first", "first", "first"]
    report = evaluate(shipped_library(), cases)
    assert report.recall("emergency") == 1.0
    assert report.false_alarm_rate() == 0.0
    assert report.failures() == []
    shown = render(report)
    assert "emergency:chest_pain" in shown
    assert "emergency recall: 100.0% (2/2)" in shown
    assert "FAILED" not in shown


def _outcome(expect: str, red: tuple[str, ...] = (), urgent: tuple[str, ...] = ()) -> Outcome:
    return Outcome(Case(f"a {expect} message", expect), red, urgent)


def test_urgent_is_met_by_being_told_to_get_seen_today_or_by_escalation() -> None:
    report = Report(
        (
            _outcome("urgent", urgent=("clot",)),
            _outcome("urgent", red=("breathing",)),  # over-triage: still seen today
            _outcome("urgent"),
            _outcome("benign", urgent=("dark_urine",)),  # told urgent: a failure, not escalated
            _outcome("emergency", urgent=("clot",)),  # an emergency must escalate
        )
    )
    assert report.recall("urgent") == pytest.approx(2 / 3)
    assert report.recall("emergency") == 0.0
    assert report.false_alarm_rate() == 0.0
    shown = render(report)
    assert "over-triaged to emergency: 1" in shown
    assert "told urgent: 1" in shown
    assert "missed emergency" in shown and "false alarm on benign" in shown


def test_thresholds_say_what_they_miss() -> None:
    report = Report((_outcome("emergency", red=("chest_pain",)), _outcome("emergency"),
                     _outcome("benign", red=("fainting",)), _outcome("self_care")))  # fmt: skip
    assert shortfalls(report) == []
    assert shortfalls(report, min_recall=50, max_false_alarms=50) == []
    missed = shortfalls(report, min_recall=98, max_false_alarms=3)
    assert missed == [
        "emergency recall 50.0% is under the threshold 98%",
        "false alarms 50.0% is over the threshold 3%",
    ]


def test_a_malformed_file_names_every_entry(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("- text: hi\n  expect: panic\n- expect: benign\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_cases(path)
    assert len(caught.value.problems) == 2
    assert "entry 1" in caught.value.problems[0]


def test_the_dev_set_is_found_by_name() -> None:
    assert set_path(ROOT, "dev").is_file()


def test_the_command_exits_1_when_a_threshold_is_missed(
    tiny: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "--file", str(tiny), "--fail-under-recall", "100"]) == 0
    assert "emergency recall: 100.0%" in capsys.readouterr().out
    assert main(["eval", "--file", str(tiny), "--lang", "es", "--max-false-alarms", "0"]) == 0
    assert "1 messages" in capsys.readouterr().out
    bad = tiny.parent / "missed.yaml"
    bad.write_text('- text: "calf cramp"\n  expect: emergency\n', encoding="utf-8")
    assert main(["eval", "--file", str(bad), "--fail-under-recall", "98"]) == 1
    assert "under the threshold" in capsys.readouterr().err


def test_the_dev_set_keeps_what_the_lexicon_was_tuned_to() -> None:
    """A regression guard: every emergency of the development part escalates, every urgent
    case is told to get seen today, and at most 3% of calm messages escalate. (The held-out
    part measures how well this generalises; see tests/data/safety/README.md.)"""
    cases = load_cases(set_path(ROOT, "dev"))
    assert len(cases) >= 1284 + 696  # both spent held-out parts are folded in
    report = evaluate(shipped_library(), cases, "dev")
    missed = [o.case.text for o in report.failures() if o.case.expect in ("emergency", "urgent")]
    assert missed == []
    assert report.recall("emergency") == 1.0
    assert report.recall("urgent") == 1.0
    rate = report.false_alarm_rate()
    assert rate is not None and rate <= 0.03


def test_the_lexicons_alone_keep_what_they_were_tuned_to() -> None:
    """The learned reader (data/reader.json) is trained on dev.yaml, so the figure above
    holds partly by its memory: the words and rules alone are held to 98% of emergencies
    and urgent cases (99.1% and 99.6% when the reader came; 98.8% and 99.3% once the blind
    development part r7 was folded in; 98.1% and 99.0% with held-out part e; 98.0% and
    98.9% with the blind development part r8; 98.2% and 98.6% with held-out part f; 98.1% and
    98.4% with part g), with at most 3% false alarms."""
    cases = load_cases(set_path(ROOT, "dev"))
    report = evaluate(shipped_library(), cases, "dev", reader=False)
    assert (report.recall("emergency") or 0) >= 0.98
    assert (report.recall("urgent") or 0) >= 0.98
    rate = report.false_alarm_rate()
    assert rate is not None and rate <= 0.03
