"""What the bot says to do for warning signs, and when a message may hide one.

    emergency_steps(texts, signs, someone_else) -> what to do now, for the emergency state
    urgent_steps(texts, signs)                  -> what to do today, for the urgent state
    about_the_body(net, reading)                -> may a message not understood hide a sign?

Every sentence is a text of the language (dialogues/<language>/texts.yaml), one per
sign: emergency_<sign> says why the sign matters and what to do now, urgent_<sign> the
same for a sign that needs care today. When several signs come at once, only the most
serious ones are said (MOST), so the reply stays short enough to read in a hurry.
Pure: the engine passes the texts and the reading in.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.machine import SafetyNet
from bot.core.reading import Reading, tokenize
from bot.core.texts import Texts

#: Emergency signs (kind red_flag), the most serious first: what stops a heart or an
#: airway, then what harms the brain, then the rest.
RED_FLAGS = (
    "not_breathing",
    "anaphylaxis",
    "chest_pain",
    "breathing",
    "stroke",
    "seizure",
    "fainting",
    "heat_stroke",
    "meningitis",
    "poisoning",
    "heart_rhythm",
    "confusion",
    "hypoglycemia",
    "hyponatremia",
    "compartment",
    "rhabdo",
    "clot",
    "bite_sting",
    "tetanus",
)
#: Signs that need a doctor today (kind urgent), the most serious first.
URGENT = ("clot", "dark_urine", "long_cramp")
#: Signs said per reply; the call to the emergency number is always said.
MOST = 2
#: A sign that means the writer is not the one in danger; nothing else is said with it
#: (CPR comes before anything else).
NOT_BREATHING = "not_breathing"

TEXTS: dict[str, tuple[str, ...]] = {
    "emergency_call_self": (),
    "emergency_call_other": (),
    **{f"emergency_{sign}": () for sign in RED_FLAGS},
    **{f"urgent_{sign}": () for sign in URGENT},
    "safety_net_reminder": (),
}


def _most_serious(signs: Iterable[str], order: tuple[str, ...]) -> list[str]:
    rank = {sign: n for n, sign in enumerate(order)}
    return sorted(dict.fromkeys(signs), key=lambda sign: rank.get(sign, len(order)))


def emergency_steps(texts: Texts, signs: Iterable[str], *, someone_else: bool) -> str:
    """The call to make (and, for someone else, CPR and a defibrillator), then why the
    most serious signs matter and what to do for them."""
    ordered = _most_serious(signs, RED_FLAGS)
    if NOT_BREATHING in ordered:
        someone_else, ordered = True, [NOT_BREATHING]
    paragraphs = [texts.say("emergency_call_other" if someone_else else "emergency_call_self")]
    said = [f"emergency_{sign}" for sign in ordered]
    paragraphs.extend(texts.say(key) for key in [k for k in said if k in texts][:MOST])
    return "\n\n".join(paragraphs)


def urgent_steps(texts: Texts, signs: Iterable[str]) -> str:
    """Why each sign needs care today and what to do, the most serious first."""
    said = [f"urgent_{sign}" for sign in _most_serious(signs, URGENT)]
    return "\n\n".join(texts.say(key) for key in [k for k in said if k in texts][:MOST])


def about_the_body(net: SafetyNet, reading: Reading) -> bool:
    """Whether a message mentions the body or feeling unwell (even to deny it: "no pain
    but..." not understood is still worth the reminder)."""
    if any(match.kind in net.kinds for match in reading.matches):
        return True
    return any(word in net.words for word in tokenize(reading.text))
