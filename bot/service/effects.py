"""The one registry of effects: every name a dialogue's `do:` may use, and its code.

    effect       module                     what it does
    history      bot/service/records.py     recent cramps as text and charts
    export       bot/service/records.py     everything stored, as JSON
    forget       bot/service/records.py     delete every row about the person
    start_series, daily_on, daily_off, stop_reminders, snooze, snooze_long, drank,
    reminders_status, set_timezone, set_quiet
                 bot/service/reminders.py   the hydration reminders and their settings

Each effect is an async function of an EffectContext (store, content, profile, session,
time: bot/service/outcome.py) that returns what to add to the turn. To add one, write
it beside its kin, add it to that module's EFFECTS and NEEDS, and name it in the YAML:
`python -m bot check` refuses a `do:` that names no effect here, and a state, slot or
text an effect relies on that the dialogue lacks.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.contract import Needs
from bot.service import records, reminders
from bot.service.outcome import Effect

EFFECTS: Mapping[str, Effect] = {**records.EFFECTS, **reminders.EFFECTS}
NEEDS: tuple[Needs, ...] = (records.NEEDS, reminders.NEEDS)
