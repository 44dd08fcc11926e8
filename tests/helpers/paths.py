"""Where things are, for tests that read the project's own files."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Labelled messages and schema fixtures (tests/data/).
DATA = ROOT / "tests" / "data"
