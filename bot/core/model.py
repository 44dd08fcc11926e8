"""Plain, immutable values shared by the engine, the store and the adapters.

Datetimes are always timezone-aware and in UTC; a person's own zone is applied
only where text is shown to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Literal

SlotValue = str | int | float | bool
#: How much care the advice asks for, mildest first: `urgent` is "get seen today",
#: `emergency` is "call the emergency number now".
AdviceLevel = Literal["info", "self_care", "see_doctor", "urgent", "emergency"]


@dataclass(frozen=True, slots=True)
class Session:
    """Where one person is in the dialogue, and what they have told us so far."""

    user_id: int
    state: str
    slots: Mapping[str, SlotValue] = field(default_factory=dict)
    updated_at: datetime | None = None
    turn: int = 0


@dataclass(frozen=True, slots=True)
class Episode:
    """One cramp, as the person described it, and the advice they were given."""

    user_id: int
    at: datetime
    muscle: str | None = None
    duration_minutes: float | None = None
    severity: str | None = None
    timing: str | None = None  # "now" (still cramping) or "after" (soreness afterwards)
    returning: bool | None = None  # back to training after a break
    hot: bool | None = None
    intense: bool | None = None
    advice_level: AdviceLevel = "self_care"
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """What we keep about a person besides their conversation."""

    user_id: int
    first_seen: datetime
    language: str | None = None
    time_zone: str | None = None  # an IANA name such as "Europe/Berlin"
    quiet_start: time = time(22, 0)
    quiet_end: time = time(7, 0)
    active: bool = True  # False once they blocked the bot


@dataclass(frozen=True, slots=True)
class Reply:
    """One message for the person, with the buttons that answer it.

    `state` names the question the buttons belong to, so that a button pressed
    later can be recognised as stale.
    """

    text: str
    buttons: tuple[str, ...] = ()
    state: str | None = None


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """A tap on button `index` of the question asked in `state`."""

    state: str
    index: int
