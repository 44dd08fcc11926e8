"""The English texts of the shipped dialogue (`texts:` in dialogues/en/*.yaml), read alone:
for unit tests of code that says something, without loading and checking everything."""

from __future__ import annotations

from functools import cache

from bot.content.yamlfile import load_yaml
from bot.core.texts import Texts
from tests.helpers.paths import ROOT


@cache
def english() -> Texts:
    entries: dict[str, str] = {}
    for path in sorted((ROOT / "dialogues" / "en").glob("*.yaml")):
        data = load_yaml(path)
        texts = data.get("texts") if isinstance(data, dict) else None
        entries.update({str(k): str(v).strip() for k, v in (texts or {}).items()})
    return Texts(entries)
