"""bot.spans.parse_span: the one reader of "90s", "20m", "3h", "1d", "2w"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.words import parse_span


@pytest.mark.parametrize(
    ("text", "units", "bare", "expected"),
    [
        ("90s", "smhd", None, timedelta(seconds=90)),
        (" 1.5 H ", "smhd", None, timedelta(minutes=90)),
        ("2w", "mhdw", None, timedelta(weeks=2)),
        ("0m", "mhdw", None, timedelta(0)),
        ("90", "smhd", "s", timedelta(seconds=90)),
        ("90", "smhd", None, None),  # no unit, none assumed
        ("2w", "smhd", None, None),  # a unit this caller does not take
        ("90s", "mhdw", None, None),
        ("3hx", "smhd", None, None),
        ("-3h", "smhd", None, None),
        ("", "smhd", "s", None),
        (3, "smhd", "s", None),  # not text
    ],
)
def test_parse_span(text: object, units: str, bare: str | None, expected: object) -> None:
    assert parse_span(text, units, bare=bare) == expected
