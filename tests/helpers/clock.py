"""A clock the tests move by hand, injected wherever the bot asks for the time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

#: 09:00 UTC on a Monday in June: outside the default quiet hours in Europe and America.
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now
