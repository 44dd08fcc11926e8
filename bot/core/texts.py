"""Sentences said outside the dialogue's states, by key, in one language.

    texts.say("unknown_command", command="histroy", hint="...", known="/start, /help")

Every text lives in the YAML of its language (`texts:` in dialogues/<code>/*.yaml);
Python code names a key and fills its `{placeholders}`. Which keys the code uses,
and with which placeholders, is declared next to that code as `Needs` (core/contract.py)
and checked by `python -m bot check`, so a missing or misspelt text stops start-up
instead of reaching a person.

A placeholder has two forms:

    {muscle}            the value, in words
    {muscle|is/are}     the word that agrees with the value: the one before the slash for
                        one thing ("calf", a count of 1), the one after it for several
                        ("toes", "calf and foot", a count of 3)

Anything else between braces is a mistake that `malformed` finds and `check` refuses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

#: `{name}` or `{name|one/several}` in a text: group 1 is the slot of the session or the
#: field the code fills in; groups 2 and 3, when given, the words for one and for several.
SLOT_PATTERN = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\|([^{}|/]+)/([^{}|/]+))?\}")
_BRACES = re.compile(r"\{[^{}]*\}|[{}]")


def placeholders(text: str) -> frozenset[str]:
    """The `{names}` a text uses, in either form."""
    return frozenset(found.group(1) for found in SLOT_PATTERN.finditer(text))


def malformed(text: str) -> list[str]:
    """What between braces (or what lone brace) in `text` is no placeholder: `{muscle is}`,
    `{muscle|are}`, `{Muscle|is/are/be}`, a `{` never closed."""
    return [found[0] for found in _BRACES.finditer(text) if not SLOT_PATTERN.fullmatch(found[0])]


def agreeing(found: re.Match[str], several: bool) -> str:
    """The word of a `{name|one/several}` placeholder that agrees with its value."""
    return str(found.group(3) if several else found.group(2))


def counts_several(value: object) -> bool:
    """Whether a number a text is given means several: anything but exactly 1."""
    return isinstance(value, int | float) and not isinstance(value, bool) and value != 1


@dataclass(frozen=True, slots=True)
class Texts:
    """Texts of one language by key."""

    entries: Mapping[str, str] = field(default_factory=dict)

    def say(self, key: str, /, **fields: object) -> str:
        """The text `key` with its placeholders filled. A placeholder not given stays as
        written (the check makes sure the code gives every one the text uses), so the
        dialogue's renderer can fill it later. `{count|drink/drinks}` agrees with a number:
        one for exactly 1, several otherwise; with text, the word for one."""
        text = self.entries[key]
        if "{" not in text:
            return text

        def fill(found: re.Match[str]) -> str:
            name = found.group(1)
            if name not in fields:
                return found[0]
            if found.group(2) is not None:
                return agreeing(found, counts_several(fields[name]))
            return str(fields[name])

        return SLOT_PATTERN.sub(fill, text)

    def __contains__(self, key: object) -> bool:
        return key in self.entries
