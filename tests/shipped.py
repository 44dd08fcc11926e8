"""The shipped content, loaded once per test run (loading builds the matcher's indexes)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.content import Content, load_content

ROOT = Path(__file__).resolve().parent.parent


@cache
def shipped_content() -> Content:
    return load_content(ROOT / "dialogues", ROOT / "data")
