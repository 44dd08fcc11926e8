"""What the Python code relies on in the content, declared next to that code.

    NEEDS = Needs(
        who="the reminder sweep (bot/service/sweep.py)",
        texts={"reminder_daily": ()},
        states=("reminder",),
        buttons=("reminder",),
    )

The composition root gathers every module's Needs and `python -m bot check` (and every
start-up) checks the dialogue of every language against them: each text exists and uses
only the placeholders the code fills, each state exists (with buttons, where the code
sends them), each slot is saved by some state, and each `do:` names an effect the code
provides. So renaming a state or a text in the YAML cannot silently break the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Needs:
    """What one piece of code needs from the dialogue of every language."""

    who: str  # for the error message: "the reminder effects (bot/service/reminders.py)"
    texts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # key -> fields it fills
    states: tuple[str, ...] = ()  # states the code names
    buttons: tuple[str, ...] = ()  # of those, states whose buttons the code sends
    slots: tuple[str, ...] = ()  # slots the code reads: some state must save them
    effects: tuple[str, ...] = ()  # effects the code provides for `do:`
    labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> labels it reads
