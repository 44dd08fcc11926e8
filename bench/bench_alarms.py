"""What reading warning signs in every language costs per message.

    python -m bench.bench_alarms [--rounds N]

On every message of tests/data/safety/dev.yaml (670, 13 languages) and tests/data/messages.yaml:
  - the alarms matcher (Content.alarms: data/lexicon/*/red_flag.yaml merged), messages/s
    warm, against the English matcher read on every message anyway;
  - language detection (py3langid, bot/service/languages.py), messages/s, asked only
    for a turn that escalated or that the English matcher did not understand;
  - a full turn (Service.handle on the in-memory store), microseconds per message, with
    Content.alarms and the language notices, and without (alarms=None, no languages).
Each figure is the median of N rounds, with the slowest and fastest round beside it.
Takes well under a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import yaml

from bench.stats import rate
from bot.app import NEEDS
from bot.content.loading import Library, load_library
from bot.service import Service
from bot.service.languages import detect
from bot.store import MemoryStore

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _messages() -> list[str]:
    safety = yaml.safe_load((ROOT / "tests" / "data" / "safety" / "dev.yaml").read_text())
    plain = yaml.safe_load((ROOT / "tests" / "data" / "messages.yaml").read_text())
    texts = [m["text"] for m in safety]
    items = plain if isinstance(plain, list) else plain.get("messages", [])
    texts += [m["text"] if isinstance(m, dict) else str(m) for m in items]
    return [t for t in texts if isinstance(t, str) and t]


def _spread(samples: list[float], unit: str) -> str:
    return (
        f"{statistics.median(samples):>10,.0f} {unit}  "
        f"(range {min(samples):,.0f} .. {max(samples):,.0f})"
    )


async def _turns(library: Library, messages: Sequence[str]) -> float:
    """Microseconds per message: every message a new person's first, then a second one."""
    service = Service(library, MemoryStore(), clock=lambda: NOW)
    start = time.perf_counter()
    for user, text in enumerate(messages):
        await service.handle(user, text)
    return (time.perf_counter() - start) / len(messages) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    logging.disable(logging.WARNING)  # every escalation logs a warning
    messages = _messages()
    library = load_library(ROOT / "dialogues", ROOT / "data", NEEDS)
    content = library.content()
    assert content.alarms is not None
    alarms, english = content.alarms, content.matcher
    codes = tuple(library.known)
    for text in messages:  # warm: typo corrections cached, detection model loaded
        alarms.read(text)
        english.read(text)
        detect(text, codes)

    print(f"{len(messages)} messages, {rounds} rounds (median, range)")
    print(
        "alarms matcher   " + _spread([rate(alarms.read, messages) for _ in range(rounds)], "msg/s")
    )
    print(
        "English matcher  "
        + _spread([rate(english.read, messages) for _ in range(rounds)], "msg/s")
    )
    print(
        "detection        "
        + _spread([rate(lambda t: detect(t, codes), messages) for _ in range(rounds)], "msg/s")
    )

    without = Library(
        {code: replace(c, alarms=None) for code, c in library.languages.items()},
        library.default,
    )
    with_us, without_us = [], []
    for _ in range(rounds):
        with_us.append(asyncio.run(_turns(library, messages)))
        without_us.append(asyncio.run(_turns(without, messages)))
    print("full turn, with alarms and notices " + _spread(with_us, "us/msg"))
    print("full turn, without                 " + _spread(without_us, "us/msg"))
    print(f"cost per message: {statistics.median(with_us) - statistics.median(without_us):,.0f} us")


if __name__ == "__main__":
    main()
