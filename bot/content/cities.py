"""data/cities.yaml -> Atlas (bot/core/zones.py), checked.

load_atlas(path) -> Atlas      or ContentError naming the file, the city and the fix
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content.yamlfile import load_yaml
from bot.core.zones import Atlas, City
from bot.errors import ContentError

CITIES_FILE = "cities.yaml"


def load_atlas(path: Path) -> Atlas:
    """Read data/cities.yaml; ContentError names the file, the city and the fix."""
    data = load_yaml(path)
    name = path.name
    if not isinstance(data, dict) or not isinstance(data.get("cities"), dict):
        raise ContentError(f"{name}: must hold 'cities:', a mapping of city names to zones.")
    problems: list[str] = []
    cities: list[City] = []
    aliases: dict[str, City] = {}
    for raw_name, body in data["cities"].items():
        where = f"{name}: cities.{raw_name}"
        if not isinstance(body, dict) or not isinstance(body.get("zone"), str):
            problems.append(f"{where}: needs 'zone:', e.g. {{zone: Europe/Berlin}}.")
            continue
        zone = body["zone"]
        if not _valid_zone(zone):
            problems.append(
                f"{where}: {zone!r} is not an IANA time zone. Use a name such as "
                "Europe/Berlin or America/New_York (see zoneinfo.available_timezones())."
            )
            continue
        city = City(str(raw_name), zone)
        cities.append(city)
        also: Any = body.get("also") or []
        if not isinstance(also, list):
            problems.append(f"{where}: 'also' must be a list of other names, e.g. [munich].")
            continue
        for alias in also:
            aliases.setdefault(str(alias), city)
    if problems:
        raise ContentError(problems)
    return Atlas(cities, aliases)


def _valid_zone(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
