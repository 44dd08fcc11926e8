"""What every benchmark reports about its samples."""

from __future__ import annotations


def percentile(samples: list[float], q: float) -> float:
    """The sample at quantile `q` (0.99 for p99): nearest rank, no interpolation."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
