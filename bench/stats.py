"""What every benchmark reports about its samples."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence


def percentile(samples: list[float], q: float) -> float:
    """The sample at quantile `q` (0.99 for p99): nearest rank, no interpolation."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rate(read: Callable[[str], object], messages: Sequence[str], repeat: int = 1) -> float:
    """Messages per second that `read` takes, over `messages` read `repeat` times."""
    start = time.perf_counter()
    for _ in range(repeat):
        for text in messages:
            read(text)
    return len(messages) * repeat / (time.perf_counter() - start)
