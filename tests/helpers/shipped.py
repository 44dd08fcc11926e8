"""The shipped content, loaded once per test run (loading builds the matcher's indexes)."""

from __future__ import annotations

from functools import cache

from bot.content.loading import Content, load_content
from tests.helpers.paths import ROOT


@cache
def shipped_content() -> Content:
    return load_content(ROOT / "dialogues", ROOT / "data")
