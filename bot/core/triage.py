"""What the bot says to do for warning signs, and when a message may hide one.

    emergency_steps(texts, signs, someone_else) -> what to do now, for the emergency state
    urgent_steps(texts, signs)                  -> what to do today, for the urgent state
    about_the_body(net, reading)                -> may a message not understood hide a sign?
    still_cramping_for_hours(reading, timing)   -> a cramp going on for 2 hours or more?
    names_the_cramp(reading)                    -> does the message speak of the cramp itself?

Every sentence is a text of the language (dialogues/<language>/texts.yaml), one per
sign: emergency_<sign> says why the sign matters and what to do now, urgent_<sign> the
same for a sign that needs care today. When several signs come at once, only the most
serious ones are said (MOST), so the reply stays short enough to read in a hurry.
Pure: the engine passes the texts and the reading in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.machine import SafetyNet
from bot.core.reading import CLAUSE_MARKS, Reading
from bot.core.texts import Texts

#: What the learned reader (bot/core/reader.py) heard where no lexicon found a sign: an
#: emergency or a sign that needs a doctor today, which it cannot name.
DESCRIBED = "described"
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
    DESCRIBED,
)
#: Signs that need a doctor today (kind urgent), the most serious first.
URGENT = ("clot", "dark_urine", "long_cramp", DESCRIBED)
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
    return any(word in net.words for word in reading.tokens)


def only_the_cramp(net: SafetyNet, reading: Reading) -> bool:
    """Whether a message is about the body only through the cramp itself ("stilllll
    cramping"): matches of `net.cramp_kinds` alone, none of the other kinds, no word."""
    kinds = {match.kind for match in reading.matches if match.kind in net.kinds}
    if not kinds or not kinds <= net.cramp_kinds:
        return False
    return not any(word in net.words for word in reading.tokens)


#: A cramp still going after this many minutes needs a doctor today (urgent: long_cramp).
LONG_CRAMP_MINUTES = 120
LONG_CRAMP = "long_cramp"
#: Words that say the cramp has gone on until now: "it's been 3 hrs", "since lunch, 4 hrs".
_GOING_ON = frozenset({"still", "since", "been", "counting", "ongoing"})
#: Words before an amount of time that make it the workout's length: "I ran for 3 hours".
_WORKOUT = frozenset(
    [
        *("ran", "run", "running", "rode", "ride", "riding", "hiked", "hike", "hiking"),
        *("cycled", "cycling", "biked", "walked", "walking", "swam", "swimming", "played"),
        *("playing", "trained", "training", "drove", "driving", "flew", "flying", "worked"),
        *("working", "shift", "game", "match", "race", "marathon", "session", "workout"),
        *("practice", "paddle", "paddled", "paddling", "rowed", "rowing", "erg", "climbed"),
        *("climbing", "danced", "dancing", "rehearsal", "skated", "skating", "skied", "skiing"),
        *("surfed", "surfing", "hike", "tournament", "event"),
    ]
)
#: People as the subject of the time ("we've been going 4 hours"): a cramp is never "we".
#: With "I" only when no cramp word comes with it ("I've been cramping for 4 hours").
_PEOPLE = frozenset({"we", "weve", "were", "they", "theyve", "ive"})
_CRAMPING = frozenset({"cramp", "cramps", "cramping", "cramped", "crampin", "spasm", "spasming"})
#: A cramp dated from a moment hours ago: "cramped into a claw since the match ended 2
#: hours ago", "since the game ended hours ago" (the amount says when, so the matcher
#: reads no length in it; "hours" without a figure is two or more).
_SINCE_AGO = re.compile(
    r"\b(?:cramp\w*|spasm\w*|locked|stuck)\b.*?\bsince\b.*?"
    r"(?:\b(\d+(?:\.\d+)?)\s*(?:hours?|hrs?|h)|\bhours)\s+ago\b"
)
#: Clock times: "8am", "2 pm", "14:30".
_CLOCK = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b|\b(\d{1,2}):(\d{2})\b")
#: The start said as a bare hour before one clock time: "started at 4 and now its 9pm".
_BARE_START = re.compile(
    r"\b(?:at|since|from)\s+(\d{1,2})\b(?!\s*(?::|\.\d|am|pm|h\b|hrs?\b|hours?\b|min|/|x))"
)
#: The time now said as a bare hour after one clock time: "since 2pm, its 6 now".
_BARE_NOW = re.compile(
    r"\b(?:its|it's|it is|now)\s+(?:about\s+|nearly\s+|almost\s+)?(\d{1,2})\b"
    r"(?!\s*(?::|\.\d|am|pm|h\b|hrs?\b|hours?\b|min|/|x))"
)


#: Hours said by name, as the clock says them ("since 6pm and now its midnight", "started
#: this afternoon and it's still there now at 9pm").
_NAMED_HOUR = {
    "midnight": "12am",
    "noon": "12pm",
    "midday": "12pm",
    "this morning": "9am",  # the earliest a cramp "this morning" may well have begun
    "this afternoon": "2pm",
}
_NAMED_HOURS = re.compile(r"\b(?:midnight|noon|midday|this morning|this afternoon)\b")


def _clock_span(text: str) -> float | None:
    """Minutes from the first clock time of a message to its last ("started at 8am and
    it's 2pm"), or None without two."""
    times: list[float] = []
    end = 0  # where the last clock time ends
    start = None  # where the first one begins
    text = _NAMED_HOURS.sub(lambda m: _NAMED_HOUR[m[0]], text.lower())  # "midnight": 12am
    for m in _CLOCK.finditer(text):
        end = m.end()
        start = m.start() if start is None else start
        hour, minute, half = (
            (int(m[1]), int(m[2] or 0), m[3]) if m[1] else (int(m[4]), int(m[5]), None)
        )
        if hour > 23 or minute > 59 or (half and not 1 <= hour <= 12):
            return None
        if half:
            hour = hour % 12 + (12 if half == "pm" else 0)
        times.append(hour * 60 + minute)
    if len(times) == 1:
        # "since 2pm, its 6 now": a bare hour later in the message is the time now, the
        # first one after the clock time
        bare = _BARE_NOW.search(text, end)
        if bare and 1 <= int(bare[1]) <= 12:
            hour = int(bare[1]) % 12
            later = [h * 60 for h in (hour, hour + 12) if h * 60 > times[0]]
            times.append(later[0] if later else hour * 60)
    if len(times) == 1 and start is not None:
        # "started at 4 and now its 9pm": a bare hour before the clock time is the start,
        # the latest that comes before it
        first = _BARE_START.search(text, 0, start)
        if first and 1 <= int(first[1]) <= 12:
            hour = int(first[1]) % 12
            earlier = [h * 60 for h in (hour, hour + 12) if h * 60 < times[0]]
            if earlier:
                times.insert(0, earlier[-1])
    if len(times) < 2:
        return None
    return (times[-1] - times[0]) % (24 * 60)


def names_the_cramp(reading: Reading) -> bool:
    """Whether a message speaks of the cramp itself: a word for cramping, "still", a
    muscle or a symptom."""
    words = reading.tokens
    return (
        not _CRAMPING.isdisjoint(words)
        or "still" in words
        or bool(reading.labels("body_part"))
        or bool(reading.labels("symptom"))
    )


def still_cramping_for_hours(reading: Reading, timing: str | None = None) -> bool:
    """Whether the message says a cramp has gone on for 2 hours or more and has not let go.

    The length is an amount of time ("6 hrs", "3 and a half hours", "several hours"), two
    clock times ("started at 8am and it's 2pm") or a moment hours ago the cramp dates from
    ("cramped since the match ended 2 hours ago"). The cramp is going on when the
    message says so ("still", "now", "since", "it's been") or, saying neither way, when an
    earlier answer did (`timing`, the slot: "Cramping right now"). Not when the message
    says it is over ("it lasted 3 hours yesterday but it's gone"), nor when the time is a
    workout's ("I ran for 3 hours", "we've been going 4 hours").
    """
    said = reading.labels("timing")
    if "after" in said:
        return False
    words = reading.tokens  # as the matcher read them: Match.start indexes these
    minutes = reading.duration_minutes
    start = next((m.start for m in reading.matches if m.kind == "duration"), None)
    before = words[max(0, start - 4) : start] if start is not None else ()
    # the amount's own clause: "since the end of the match, so maybe 3 hours" is no match's
    before = before[1 + max((i for i, w in enumerate(before) if w in CLAUSE_MARKS), default=-1) :]
    people = bool(_PEOPLE & set(before)) and not _CRAMPING & set(before)
    if _WORKOUT & set(before) or people or (before and before[-1][0].isdigit()):
        # "ran for 3 hours", "we've been going 4 hours": the workout's length; "3 a day":
        # how often
        minutes = None
    if minutes is None or minutes < LONG_CRAMP_MINUTES:
        minutes = _clock_span(reading.text)
    if minutes is None or minutes < LONG_CRAMP_MINUTES:
        ago = _SINCE_AGO.search(reading.text.lower())
        minutes = None if ago is None else float(ago[1]) * 60 if ago[1] else LONG_CRAMP_MINUTES
    if minutes is None or minutes < LONG_CRAMP_MINUTES:
        return False
    return "now" in said or bool(_GOING_ON & set(words)) or timing == "now"
