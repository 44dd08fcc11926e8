"""The one way the project reads a YAML file: load_yaml(path).

Every loader uses it (dialogues, lexicons, the reminder plan, the recurrence rules, the
cities), so every file follows the same rules:

  - Booleans as in YAML 1.2: only true/false (any case). YAML 1.1 reads the bare words
    on/off/yes/no as booleans, so `on:` (the transitions of a state) and `yes:` (a yes/no
    label) would silently become True; here they are text, quoted or not.
  - A broken file raises ContentError naming the file (its path as given), the line and
    column, and what to check.
  - Fast: the libyaml parser (yaml.CSafeLoader) when PyYAML was built with it, else the
    pure-Python SafeLoader. Either way the resolver, which decides what is a boolean, is
    PyYAML's Python one, so the rule above holds for both.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ContentError

__all__ = ["Loader", "load_yaml"]

_BOOL = "tag:yaml.org,2002:bool"
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_Base):  # type: ignore[valid-type,misc]
    """The safe loader (libyaml's when available) with YAML 1.2 booleans (only true/false)."""


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(path: Path) -> Any:
    """Parse one file; raise ContentError naming it (and the line) when it is broken.

    An empty file gives None.
    """
    where = path.as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{where}: cannot be read ({exc}). Save it as UTF-8 text.") from exc
    try:
        return yaml.load(text, Loader=Loader)  # a safe loader: builds plain values only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ContentError(
            f"{where}: not valid YAML{at}: {problem}. Check the indentation, colons and "
            "quotes on that line and the one before it; put text holding ':' or '#' in quotes."
        ) from exc
