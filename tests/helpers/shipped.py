"""The shipped content, loaded and checked once per test run (loading builds the indexes)."""

from __future__ import annotations

from functools import cache

from bot.app import NEEDS
from bot.content.loading import Content, Library, load_library
from tests.helpers.paths import ROOT


@cache
def shipped_library() -> Library:
    """Every language, checked against what the code needs, as at start-up."""
    return load_library(ROOT / "dialogues", ROOT / "data", NEEDS)


def shipped_content() -> Content:
    """The English content."""
    return shipped_library().content()
