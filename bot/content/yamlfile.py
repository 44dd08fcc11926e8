"""Reading the project's YAML files the way a non-programmer expects.

YAML 1.1 reads the bare words on/off/yes/no as booleans, so `on:` (the
transitions of a state) and `yes:` (a yes/no label) would silently become
True. This loader treats only true/false as booleans (as YAML 1.2 does), and
turns syntax errors into ContentError naming the file and the line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ContentError


class Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans (only true/false)."""


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_yaml(path: Path) -> Any:
    """Parse one file; raise ContentError naming it (and the line) when it is broken."""
    label = path.name
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(
            f"{label}{line}: this is not valid YAML ({problem}). "
            "Check the indentation, and put text that contains ':' or '#' in quotes."
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{label}: cannot be read ({exc}). Save it as UTF-8 text.") from exc
