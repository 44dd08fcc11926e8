"""A person's time zone from what they type: a city, or the time on their clock. Pure.

    atlas.find("munich")                    -> City("Berlin", "Europe/Berlin")
    atlas.by_local_time("it's 2:35pm", now) -> [City("Berlin", ...), City("Paris", ...), ...]

Cities come from data/cities.yaml (common cities, countries and nicknames; read by
bot/content/cities.py) and from the city part of every IANA zone name
(zoneinfo.available_timezones(): "Kolkata" of Asia/Kolkata). Typos are forgiven with
rapidfuzz (one slip in a short name, two in a long one). A typed local time is compared
with the current time in every zone, so daylight-saving time is always right; the
answer is a short list of cities to choose from, never a bare UTC offset. The result is
always an IANA zone name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, available_timezones

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.core.words import Clock, find_clock

#: Words around a city name that say nothing about it.
_LEAD_INS = re.compile(
    r"^(?:i'?m|i am|i live|we are|we're|im|living|based|currently|now|my city is|city is|"
    r"it'?s|its|in|near|at|from|around|close to|the|city of|time zone|timezone)\s+"
)
FUZZY_CUTOFF = 80.0
MAX_CHOICES = 4


@dataclass(frozen=True, slots=True)
class City:
    """A place a person recognises, and the IANA zone it lies in."""

    name: str
    zone: str

    @property
    def zoneinfo(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


class Atlas:
    """Cities from data/cities.yaml plus the city part of every IANA zone name."""

    def __init__(self, cities: Sequence[City], aliases: Mapping[str, City]) -> None:
        self.cities = tuple(cities)
        self._names: dict[str, City] = {}
        for city in self.cities:
            self._names.setdefault(_key(city.name), city)
        for alias, city in aliases.items():
            self._names.setdefault(_key(alias), city)
        self._by_zone: dict[str, City] = {}
        for city in self.cities:
            self._by_zone.setdefault(city.zone, city)

    @cached_property
    def _all_names(self) -> dict[str, City]:
        """Listed names first, then the city part of every zone ("Kolkata" of Asia/Kolkata)."""
        names = dict(self._names)
        for zone in sorted(_zone_names()):
            names.setdefault(_key(zone), City(self.display(zone), zone))
            names.setdefault(_key(city_part_of(zone)), City(self.display(zone), zone))
        return names

    @cached_property
    def _choices(self) -> list[str]:
        return list(self._all_names)

    def display(self, zone: str) -> str:
        """A city name for a zone: the listed one, else the city part of its name."""
        city = self._by_zone.get(zone)
        return city.name if city is not None else city_part_of(zone)

    def find(self, text: str) -> City | None:
        """The city `text` names ("munich", "I'm in new yrok", "Europe/Berlin"), or None."""
        names = self._all_names
        for candidate in _candidates(text):
            if candidate in names:
                return names[candidate]
        for candidate in _leading_words(text):
            if candidate in names:
                return names[candidate]  # "berlin germany", "new york usa"
        for candidate in _candidates(text):
            if len(candidate) < 4:
                continue
            best = process.extractOne(
                candidate, self._choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
            )
            if best is not None and _slips(candidate, best[0]) <= _slips_forgiven(candidate):
                return names[best[0]]
        return None

    def by_local_time(self, text: str, now: datetime) -> list[City]:
        """Cities whose clock shows the time in `text` right now, best known first.

        One city per UTC offset (the first listed), up to MAX_CHOICES, the 24-hour
        reading before the 12-hour one. Empty when `text` holds no time.
        """
        typed = find_clock(text)
        if typed is None:
            return []
        now = now.astimezone(UTC)
        offsets_now = {zone: now.astimezone(ZoneInfo(zone)).utcoffset() for zone in _zone_names()}
        in_use = sorted({o for o in offsets_now.values() if o is not None})
        offsets = list(dict.fromkeys(_matching_offsets(typed, now, in_use)))
        groups = [self._cities_at(offset, now, offsets_now) for offset in offsets]
        if not groups:
            return []
        # The likeliest reading first (several cities), then one city per other reading.
        # One city for each other reading of the clock ("3:17" is also 15:17), not one
        # per offset: two offsets can show the same time on different dates.
        seen = {(now + offsets[0]).strftime("%H:%M")}
        others = []
        for offset, group in zip(offsets[1:], groups[1:], strict=True):
            reading = (now + offset).strftime("%H:%M")
            if group and reading not in seen:
                seen.add(reading)
                others.append(group[0])
        found = groups[0][: MAX_CHOICES - len(others)] + others
        return list(dict.fromkeys(found))[:MAX_CHOICES]

    def _cities_at(
        self, offset: timedelta, now: datetime, offsets_now: Mapping[str, timedelta | None]
    ) -> list[City]:
        listed = [c for c in self.cities if now.astimezone(c.zoneinfo).utcoffset() == offset]
        if listed:
            return listed
        others = sorted(zone for zone, used in offsets_now.items() if used == offset)
        return [City(self.display(zone), zone) for zone in others]


def _matching_offsets(
    typed: Clock, now: datetime, in_use: Sequence[timedelta]
) -> Iterable[timedelta]:
    """UTC offsets (in use by some zone now) at which the clock shows `typed`.

    For "2:35" (no am/pm) both 02:35 and 14:35 fit; the reading in waking hours
    (07:00-22:59) comes first.
    """
    hours = [typed.hour]
    if typed.twelve_hour:
        hours.append((typed.hour + 12) % 24)
        hours.sort(key=lambda h: not 7 <= h <= 22)
    for hour in hours:
        for offset in in_use:
            local = now + offset
            if typed.exact_minute:
                wanted = local.replace(hour=hour, minute=typed.minute, second=0, microsecond=0)
                gap = abs(local - wanted)
                gap = min(gap, abs(gap - timedelta(days=1)))
                if gap <= timedelta(minutes=7):
                    yield offset
            elif local.hour == hour:
                yield offset


def _slips(typed: str, name: str) -> int:
    """Typing slips between two names: letters left out, added, changed or swapped."""
    return int(OSA.distance(typed, name))


def _slips_forgiven(typed: str) -> int:
    """One slip in a name under ten letters, two in a longer one: "new yrok" is New York,
    "tokio" Tokyo, but "atlantis" (two slips from Atlanta) is no place."""
    return 1 if len(typed) < 10 else 2


def _candidates(text: str) -> list[str]:
    """Ways to read `text` as a name: whole, without lead-ins, each comma-separated part
    (also without lead-ins: "every 2 hours, im in paris"), what follows its last " in "
    ("11pm to 7am in rome")."""
    whole = _key(text)
    stripped = _without_lead_ins(whole)
    parts = [_key(part) for part in re.split(r"[,;(]| - ", text) if part.strip()]
    after_in = whole.rsplit(" in ", 1)[1:]
    result = [whole, stripped, *parts, *map(_without_lead_ins, parts), *after_in]
    return [c for c in dict.fromkeys(result) if c]


def _without_lead_ins(key: str) -> str:
    """ "im in new york now" -> "new york": the words around a name that say nothing."""
    stripped = key
    for _ in range(4):
        shorter = _LEAD_INS.sub("", stripped)
        if shorter == stripped:
            break
        stripped = shorter
    return re.sub(r"\s+(?:here|now|right now|time)$", "", stripped)


def _leading_words(text: str) -> list[str]:
    """The first three, two and one words of the name in `text`, longest first."""
    words = _without_lead_ins(_key(text)).split()
    return [" ".join(words[:n]) for n in (3, 2, 1) if len(words) > n]


def _key(text: str) -> str:
    """Lower case, accents kept as written and also folded, underscores and slashes as spaces."""
    text = unicodedata.normalize("NFKC", text).lower().replace("_", " ")
    text = re.sub(r"[^\w\s'/.-]", " ", text)
    text = text.replace(".", " ").replace("'", "")
    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    return " ".join(folded.replace("/", " / ").split())


def city_part_of(zone: str) -> str:
    """The city of an IANA name, as people write it: "America/New_York" -> "New York"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


_REGIONS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)


def _zone_names() -> frozenset[str]:
    """IANA zones named Region/City; old aliases (US/Eastern, Canada/Atlantic) are left out."""
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(zone for zone in available_timezones() if zone.startswith(_REGIONS))
    return _ZONES


_ZONES: frozenset[str] | None = None
