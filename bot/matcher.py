"""Text -> what it says: symptoms, muscles, durations, severity, yes/no, context, red flags.

Pure: no I/O after loading. The lexicons live in data/lexicon/*.yaml.
(Interface fixed; implementation in progress.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Match:
    """One thing found in a message: `label` of lexicon `kind`, maybe negated ("no chest pain")."""

    kind: str
    label: str
    negated: bool = False
    score: float = 100.0
    start: int = 0  # index of the first token it covers


@dataclass(frozen=True, slots=True)
class Reading:
    """Everything the matcher understood in one message."""

    text: str
    matches: tuple[Match, ...] = ()
    duration_minutes: float | None = None
    number: float | None = None

    def get(self, kind: str) -> str | None:
        """The first label of `kind` that is not negated, or None."""
        for m in self.matches:
            if m.kind == kind and not m.negated:
                return m.label
        return None

    def labels(self, kind: str) -> tuple[str, ...]:
        """Every label of `kind` that is not negated, in order, without repeats."""
        seen: dict[str, None] = {}
        for m in self.matches:
            if m.kind == kind and not m.negated:
                seen.setdefault(m.label, None)
        return tuple(seen)

    def negated(self, kind: str) -> tuple[str, ...]:
        """Every label of `kind` the person denied ("no chest pain", "not hot")."""
        seen: dict[str, None] = {}
        for m in self.matches:
            if m.kind == kind and m.negated:
                seen.setdefault(m.label, None)
        return tuple(seen)


class Matcher:
    def read(self, text: str) -> Reading:
        raise NotImplementedError

    def kinds(self) -> frozenset[str]:
        raise NotImplementedError

    def labels(self, kind: str) -> frozenset[str]:
        raise NotImplementedError

    def display(self, kind: str, label: str) -> str:
        raise NotImplementedError

    def label_for_number(self, kind: str, number: float) -> str | None:
        raise NotImplementedError


def load_matcher(data_dir: Path) -> Matcher:
    raise NotImplementedError
