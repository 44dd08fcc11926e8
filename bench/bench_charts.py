"""The /history chart: how long one PNG takes to draw, for a new person and a regular one.

    python -m bench.bench_charts [--rounds N]

Three people, as /history sees them: one cramp today; five cramps over ten days with
drinks logged; forty cramps over twelve weeks with some two hundred drinks. For each,
the median and p99 time of `history_chart` over `--rounds` rounds (after one warm-up
that imports matplotlib and loads its fonts), and the size of the PNG. The chart is
drawn in a worker thread by the history effect, so this is time the person waits, not
time the bot stops answering others. No assertions: figures only.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import percentile  # noqa: E402
from bot.content.lexicon import load_matcher  # noqa: E402
from bot.core.model import Episode  # noqa: E402
from bot.service.charts import history_chart  # noqa: E402
from tests.helpers.texts import english  # noqa: E402

NOW = datetime(2025, 5, 20, 18, 0, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Berlin")
MUSCLES = ["calf", "calf", "calf", "quad", "toes", "abs", "hamstring", "foot", "glutes", "neck"]


def people() -> dict[str, tuple[list[Episode], list[datetime]]]:
    rng = random.Random(11)

    def cramp(at: datetime, muscle: str) -> Episode:
        minutes = rng.choice([0.5, 1, 2, 5, 10, 30, 90, None])
        return Episode(
            1,
            at,
            muscle=muscle,
            duration_minutes=minutes,
            severity=rng.choice(["mild", "moderate", "severe", None]),
        )

    five = [
        cramp(NOW - timedelta(days=d, hours=rng.uniform(0, 12)), rng.choice(MUSCLES[:6]))
        for d in (9, 7, 4, 2, 0)
    ]
    forty = [
        cramp(NOW - timedelta(hours=rng.uniform(0, 83 * 24)), rng.choice(MUSCLES))
        for _ in range(40)
    ]
    return {
        "1 cramp": ([cramp(NOW - timedelta(hours=3), "calf")], []),
        "5 cramps, 10 days, drinks": (
            five,
            [NOW - timedelta(hours=rng.uniform(0, 10 * 24)) for _ in range(30)],
        ),
        "40 cramps, 12 weeks, drinks": (
            forty,
            [NOW - timedelta(hours=rng.uniform(0, 60 * 24)) for _ in range(200)],
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    texts, name = english(), load_matcher(ROOT / "data" / "lexicon" / "en").display
    for label, (episodes, drinks) in people().items():
        data = history_chart(episodes, drinks, ZONE, NOW, texts, name)  # warm-up
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            history_chart(episodes, drinks, ZONE, NOW, texts, name)
            samples.append((time.perf_counter() - start) * 1000)
        print(
            f"{label:<30} median {statistics.median(samples):6.1f} ms   "
            f"p99 {percentile(samples, 0.99):6.1f} ms   PNG {len(data) / 1024:5.0f} KiB"
        )


if __name__ == "__main__":
    main()
