"""Sentences said outside the dialogue's states, by key, in one language.

    texts.say("unknown_command", command="histroy", hint="...", known="/start, /help")

Every text lives in the YAML of its language (`texts:` in dialogues/<code>/*.yaml);
Python code names a key and fills its `{placeholders}`. Which keys the code uses,
and with which placeholders, is declared next to that code as `Needs` (core/contract.py)
and checked by `python -m bot check`, so a missing or misspelt text stops start-up
instead of reaching a person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

#: `{name}` in a text: a slot of the session, or a field the code fills in.
SLOT_PATTERN = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders(text: str) -> frozenset[str]:
    """The `{names}` a text uses."""
    return frozenset(found.group(1) for found in SLOT_PATTERN.finditer(text))


@dataclass(frozen=True, slots=True)
class Texts:
    """Texts of one language by key."""

    entries: Mapping[str, str] = field(default_factory=dict)

    def say(self, key: str, /, **fields: object) -> str:
        """The text `key` with its placeholders filled. A placeholder not given stays as
        written (the check makes sure the code gives every one the text uses)."""
        text = self.entries[key]
        if "{" not in text:
            return text
        return SLOT_PATTERN.sub(
            lambda found: str(fields[found.group(1)]) if found.group(1) in fields else found[0],
            text,
        )

    def __contains__(self, key: object) -> bool:
        return key in self.entries
