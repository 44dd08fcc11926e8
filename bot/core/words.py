"""Lengths of time as people write them in settings and data files: "90s", "20m", "3h"."""

from __future__ import annotations

import re
from datetime import timedelta

_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]?)\s*$", re.IGNORECASE)
_UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}


def parse_span(text: object, units: str, *, bare: str | None = None) -> timedelta | None:
    """A number and one of `units` ("smhd"...) -> timedelta; None if `text` is not that.

    With `bare`, a number without a unit counts in that unit ("90" -> 90 s).
    Zero is a span too: callers that need more say so themselves.
    """
    found = _SPAN.match(text) if isinstance(text, str) else None
    if found is None:
        return None
    unit = found.group(2).lower() or bare
    if unit is None or unit not in units:
        return None
    return float(found.group(1)) * _UNITS[unit]
