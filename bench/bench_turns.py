"""How long does one conversational turn take?

    python -m bench.bench_turns [--rounds N]

- engine: `engine.step` alone (pure: matcher + dialogue), per message;
- full turn: `Service.handle` on a SQLite file (load session, profile and
  recent episodes, step, save in one transaction), no adapter, per message.

Each round plays the same scripted cramp conversation (typed and tapped answers,
a red flag, a command) for many people. Prints median and p99 per turn and
turns per second. Takes well under a minute.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.stats import percentile
from bot import eventloop
from bot.app import NEEDS
from bot.content.loading import Content, Library, load_library
from bot.core.engine import step
from bot.core.model import ButtonPress, Session
from bot.service import Service
from bot.store import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SCRIPT: list[str | tuple[str, int]] = [
    "calf crampin bad after run",
    ("ask_timing", 0),
    "like 5 min",
    "hot n hard",
    "/cramp",
    "hammy locked up 2hrs, 8/10",
    "sore now, it stopped",
    "i feel chest pain",
    "/start",
    "what causes cramps",
]


#: SCRIPT as what each message is: (text, None) or ("", the button pressed).
MESSAGES: list[tuple[str, ButtonPress | None]] = [
    ("", ButtonPress(*message)) if isinstance(message, tuple) else (message, None)
    for message in SCRIPT
]


def row(name: str, samples: list[float], total_seconds: float) -> str:
    median = statistics.median(samples) * 1000
    p99 = percentile(samples, 0.99) * 1000
    rate = len(samples) / total_seconds
    return f"{name:<28}{median:>10.3f}{p99:>10.3f}{rate:>14,.0f}"


def bench_engine(content: Content, rounds: int) -> tuple[list[float], float]:
    samples: list[float] = []
    started = time.perf_counter()
    for user in range(rounds):
        session = Session(user, content.dialogue.start)
        for text, button in MESSAGES:
            began = time.perf_counter()
            turn = step(
                content.dialogue,
                session,
                text,
                matcher=content.matcher,
                now=T0,
                button=button,
                rules=content.rules,
            )
            samples.append(time.perf_counter() - began)
            session = turn.session
    return samples, time.perf_counter() - started


async def bench_service(
    library: Library, rounds: int, directory: Path
) -> tuple[list[float], float]:
    samples: list[float] = []
    clock = [T0]
    async with SqliteStore(directory / "turns.db") as store:
        service = Service(library, store, clock=lambda: clock[0])
        started = time.perf_counter()
        for user in range(rounds):
            for text, button in MESSAGES:
                clock[0] += timedelta(seconds=1)
                began = time.perf_counter()
                await service.handle(user, text, button=button)
                samples.append(time.perf_counter() - began)
        elapsed = time.perf_counter() - started
    return samples, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=300, help="people per measurement")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # red flags are logged; not what is measured
    library = load_library(ROOT / "dialogues", ROOT / "data", NEEDS)
    content = library.content()
    engine_samples, engine_time = bench_engine(content, args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        service_samples, service_time = eventloop.run(
            bench_service(library, args.rounds, Path(tmp))
        )
    print(f"{len(SCRIPT)} messages x {args.rounds} people per measurement")
    print(f"{'':<28}{'median ms':>10}{'p99 ms':>10}{'turns/s':>14}")
    print(row("engine.step (pure)", engine_samples, engine_time))
    print(row("full turn (service+SQLite)", service_samples, service_time))


if __name__ == "__main__":
    main()
