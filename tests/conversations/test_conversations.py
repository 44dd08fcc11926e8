"""Conversations written as data (tests/conversations/*.yaml), played through every channel:
the service itself, the console and the Telegram adapter (tests/helpers/conversation*.py).

    pytest tests/conversations -k telegram          one channel
    pytest tests/conversations -k calf_cramp_now    one file, every channel
    pytest tests/conversations -s                   ... and print the word report

The report (the longest reply of each file, every reply over WORD_LIMIT, seconds per
channel) is also written to tests/conversations/.word_report.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.clock import Clock
from tests.helpers.conversation import (
    CHANNELS,
    Long,
    Script,
    WordCheck,
    count_words,
    is_emergency_reply,
    load_script,
    play,
)
from tests.helpers.conversation_channels import TelegramChannel, open_channel

#: No reply may be longer than this many words, except the emergency reply.
WORD_LIMIT = 90
#: On: a reply over the limit fails its file (off, it would only be reported in
#: .word_report, or with -s). A step's own `max_words:` is always enforced.
ENFORCE_WORD_LIMIT = True

HERE = Path(__file__).resolve().parent
FILES = sorted(HERE.glob("*.yaml"))
REPORT = HERE / ".word_report"


class Report:
    """What the runs of this module found, for the summary at the end."""

    def __init__(self) -> None:
        self.longest: dict[str, Long] = {}
        self.over: dict[tuple[str, str, str], Long] = {}  # (file, words, text) -> first seen
        self.seconds: dict[str, float] = dict.fromkeys(CHANNELS, 0.0)
        self.runs: dict[str, int] = dict.fromkeys(CHANNELS, 0)

    def add(self, path: Path, channel: str, words: WordCheck, seconds: float) -> None:
        self.seconds[channel] += seconds
        self.runs[channel] += 1
        longest = words.longest
        if longest is not None and (
            path.name not in self.longest or longest.words > self.longest[path.name].words
        ):
            self.longest[path.name] = longest
        for long in words.over:
            self.over.setdefault((path.name, str(long.words), long.text), long)

    def text(self) -> str:
        lines = [f"Replies over {WORD_LIMIT} words (the emergency reply excepted), longest first:"]
        for long in sorted(self.over.values(), key=lambda long: -long.words):
            lines.append(f"  {long.words:4d}  {long.where}: {_beginning(long.text)}")
        if not self.over:
            lines.append("  none")
        lines.append("The longest reply of each file:")
        for name, long in sorted(self.longest.items(), key=lambda item: -item[1].words):
            lines.append(f"  {long.words:4d}  {name}: {_beginning(long.text)}")
        lines.append("Seconds per channel (files played):")
        for channel in CHANNELS:
            lines.append(f"  {channel:9s} {self.seconds[channel]:6.2f} s ({self.runs[channel]})")
        return "\n".join(lines) + "\n"


def _beginning(text: str) -> str:
    words = " ".join(text.split())
    return words if len(words) <= 70 else words[:67] + "..."


REPORTED = Report()


@pytest.fixture(scope="module", autouse=True)
def word_report() -> Iterator[Report]:
    yield REPORTED
    if any(REPORTED.runs.values()):
        summary = REPORTED.text()
        REPORT.write_text(summary, encoding="utf-8")
        print(f"\n{summary}", end="")


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
@pytest.mark.parametrize("channel", CHANNELS)
async def test_conversation(channel: str, path: Path, tmp_path: Path) -> None:
    script = load_script(path)
    clock = Clock()
    if script.now is not None:
        clock.now = script.now
    words = WordCheck(WORD_LIMIT, ENFORCE_WORD_LIMIT)
    started = time.perf_counter()
    async with open_channel(channel, clock, tmp_path) as chat:
        await play(script, chat, clock, words)
    REPORTED.add(path, channel, words, time.perf_counter() - started)


def test_the_word_count() -> None:
    assert count_words("Stretch the calf: 30 s, twice. 🦵 — then /history") == 8


async def test_the_emergency_reply_is_told_from_others(tmp_path: Path) -> None:
    """Only the red_flag state's reply escapes the word limit, in both channels that
    count words (Telegram joins replies into messages)."""
    for channel in ("service", "console"):
        async with open_channel(channel, Clock(), tmp_path) as chat:
            assert chat.replies_apart
            shown = await chat.send(1, "calf cramp and now chest pain")
            assert [is_emergency_reply(m.text) for m in shown] == [True, False], shown
            shown = await chat.send(1, "/start")
            assert not any(is_emergency_reply(m.text) for m in shown), shown


#: One-step scripts whose check must fail in every channel, and the failure it gives.
MUST_FAIL: dict[str, tuple[dict[str, Any], str]] = {
    "says": ({"send": "hi", "says": ["zebra"]}, "expected 'zebra'"),
    "first_says": ({"send": "hi", "first_says": ["zebra"]}, "in the first reply"),
    "not_says": ({"send": "hi", "not_says": ["Cramp Coach"]}, "did not expect"),
    "buttons": ({"send": "hi", "buttons": ["Zebra"]}, "expected button 'Zebra'"),
    "tap": ({"tap": "Zebra"}, "Zebra"),
    "state": ({"send": "hi", "state": "ask_timing"}, "expected 'ask_timing'"),
    "episodes": ({"send": "hi", "episodes": 1}, "0 episodes, expected 1"),
}


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_checks_can_fail_and_now_sets_the_clock(channel: str, tmp_path: Path) -> None:
    clock = Clock()
    async with open_channel(channel, clock, tmp_path) as chat:
        for user, (key, (step, failure)) in enumerate(MUST_FAIL.items(), start=100):
            script = Script(tmp_path / f"{key}.yaml", key, ({"user": user, **step},))
            with pytest.raises(AssertionError, match=re.escape(failure)):
                await play(script, chat, clock, WordCheck(WORD_LIMIT, False))
        if chat.replies_apart:
            script = Script(tmp_path / "long.yaml", "long", ({"send": "hi", "max_words": 5},))
            with pytest.raises(AssertionError, match="more than max_words: 5"):
                await play(script, chat, clock, WordCheck(WORD_LIMIT, False))
            script = Script(tmp_path / "limit.yaml", "limit", ({"user": 2, "send": "hi"},))
            with pytest.raises(AssertionError, match="more than the limit of 5"):
                await play(script, chat, clock, WordCheck(5, True))

    path = tmp_path / "now.yaml"
    path.write_text(
        "name: now\nnow: 2026-01-05T21:00:00+01:00\nsteps:\n"
        "  - send: just finished my run\n  - tap: Yes, remind me\n"
        '    says: ["first one at 20:20"]\n',
        encoding="utf-8",
    )
    script = load_script(path)
    assert script.now == datetime(2026, 1, 5, 20, 0, tzinfo=UTC)
    clock = Clock(script.now)
    async with open_channel(channel, clock, tmp_path) as chat:
        await play(script, chat, clock, WordCheck(WORD_LIMIT, False))


def test_now_needs_its_offset(tmp_path: Path) -> None:
    path = tmp_path / "now.yaml"
    path.write_text("name: now\nnow: 2026-01-05T21:00:00\nsteps:\n  - send: hi\n")
    with pytest.raises(AssertionError, match="needs its UTC offset"):
        load_script(path)


async def test_telegram_fails_a_step_the_adapter_apologised_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with open_channel("telegram", Clock(), tmp_path) as chat:
        assert isinstance(chat, TelegramChannel)

        async def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("broken on purpose")

        monkeypatch.setattr(chat.running.service, "handle", broken)
        with pytest.raises(AssertionError, match="apologised"):
            await chat.send(1, "hi")
