"""The service layer: one turn, the effects a dialogue can ask for, the reminder sweep.

turns.py     Service.handle: lock -> load -> engine.step -> save -> effects -> Outcome
outcome.py   Outcome, Attachment, EffectContext, EffectOutput
effects.py   the one registry of effects (`do:` in the YAML)
records.py   the history, export and forget effects
reminders.py the hydration reminder effects
sweep.py     the reminder sweep, the one sender of reminders
charts.py    the /history text and charts
locks.py     one lock per person
"""

from bot.locks import KeyedLocks
from bot.service.outcome import Attachment, EffectContext, EffectOutput, Outcome
from bot.service.sweep import Send, SendLater, SendResult, Sweep, SweepReport
from bot.service.turns import Service

__all__ = [
    "Attachment",
    "EffectContext",
    "EffectOutput",
    "KeyedLocks",
    "Outcome",
    "Send",
    "SendLater",
    "SendResult",
    "Service",
    "Sweep",
    "SweepReport",
]
