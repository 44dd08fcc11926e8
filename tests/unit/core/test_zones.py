"""Time zones from a city name or from the time on the person's clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content.cities import load_atlas
from bot.core.words import find_clock
from bot.core.zones import Atlas
from bot.errors import ContentError
from tests.helpers.paths import ROOT


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    return load_atlas(ROOT / "data" / "cities.yaml")


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Berlin", "Europe/Berlin"),
        ("munich", "Europe/Berlin"),
        ("I'm in new yrok", "America/New_York"),
        ("i live in Lisbon", "Europe/Lisbon"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("america/los_angeles", "America/Los_Angeles"),
        ("kolkata", "Asia/Kolkata"),  # the city part of a zone name, not listed in the file
        ("Vientiane", "Asia/Vientiane"),
        ("berlin, germany", "Europe/Berlin"),
        ("Zürich", "Europe/Zurich"),
        ("sao paulo", "America/Sao_Paulo"),
        ("tokio", "Asia/Tokyo"),
        ("sidney", "Australia/Sydney"),
        ("NYC", "America/New_York"),
        ("berlin germany", "Europe/Berlin"),
        ("im in paris france", "Europe/Paris"),
        ("pheonix", "America/Phoenix"),
    ],
)
def test_cities_and_nicknames(atlas: Atlas, text: str, zone: str) -> None:
    city = atlas.find(text)
    assert city is not None and city.zone == zone


@pytest.mark.parametrize(
    "text",
    ["nowhere", "calf cramp", "snooze", "i drank", "yes", "", "Atlantis", "narnia lol"],
)
def test_words_that_are_not_places(atlas: Atlas, text: str) -> None:
    assert atlas.find(text) is None


@pytest.mark.parametrize(
    ("text", "hour", "minute", "twelve"),
    [
        ("it's 14:35 here", 14, 35, False),
        ("2:35pm", 14, 35, False),
        ("2 pm", 14, 0, False),
        ("12am", 0, 0, False),
        ("14h35", 14, 35, False),
        ("9.05", 9, 5, True),
        ("2:35", 2, 35, True),
    ],
)
def test_find_clock(text: str, hour: int, minute: int, twelve: bool) -> None:
    found = find_clock(text)
    assert found is not None
    assert (found.hour, found.minute, found.twelve_hour) == (hour, minute, twelve)


@pytest.mark.parametrize("text", ["3", "25:00", "berlin", "14:75", "13pm"])
def test_not_a_time(text: str) -> None:
    assert find_clock(text) is None


def test_a_typed_time_offers_cities_whose_clock_shows_it(atlas: Atlas) -> None:
    summer = datetime(2026, 6, 1, 12, 35, tzinfo=UTC)
    names = [c.name for c in atlas.by_local_time("it's 14:35 here", summer)]
    assert names == ["Paris", "Berlin", "Madrid", "Rome"]
    winter = datetime(2026, 1, 15, 12, 35, tzinfo=UTC)  # Berlin is UTC+1 in winter
    assert [c.name for c in atlas.by_local_time("13:35", winter)][:2] == ["Paris", "Berlin"]
    assert "New York" in [c.name for c in atlas.by_local_time("8:36am", summer)]


def test_a_typed_time_respects_half_and_quarter_hour_zones(atlas: Atlas) -> None:
    now = datetime(2026, 6, 1, 12, 35, tzinfo=UTC)
    assert [c.zone for c in atlas.by_local_time("18:20", now)] == ["Asia/Kathmandu"]
    assert atlas.by_local_time("18:05", now)[0].zone == "Asia/Kolkata"


def test_a_time_without_am_pm_offers_both_readings_daytime_first(atlas: Atlas) -> None:
    now = datetime(2026, 6, 1, 12, 35, tzinfo=UTC)
    names = [c.name for c in atlas.by_local_time("2:35", now)]
    assert names[0] == "Paris" and "Honolulu" in names


def test_every_offered_city_name_finds_its_zone_again(atlas: Atlas) -> None:
    """A button's label is typed back into find(): it must give the same zone."""
    now = datetime(2026, 6, 1, 0, 5, tzinfo=UTC)
    for hour in range(24):
        for city in atlas.by_local_time(f"{hour}:05", now):
            found = atlas.find(city.name)
            assert found is not None and found.zone == city.zone, city


def test_a_broken_cities_file(tmp_path: Path) -> None:
    path = tmp_path / "cities.yaml"
    path.write_text(
        "cities:\n  Atlantis: {zone: Ocean/Atlantis}\n  Rome: {zone: Europe/Rome, also: x}\n"
    )
    with pytest.raises(ContentError) as failure:
        load_atlas(path)
    assert "cities.Atlantis: 'Ocean/Atlantis' is not an IANA time zone" in str(failure.value)
    assert "cities.Rome: 'also' must be a list" in str(failure.value)
