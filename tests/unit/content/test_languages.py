"""A second language sits beside English with no code change; Profile.language picks it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.app import NEEDS
from bot.content.loading import load_library
from bot.errors import ContentError
from bot.service import Service
from bot.store import MemoryStore
from tests.helpers.paths import ROOT


@pytest.fixture
def two_languages(tmp_path: Path) -> tuple[Path, Path]:
    """English as shipped, and "xx": the same machine and words with other texts."""
    dialogues, data = tmp_path / "dialogues", tmp_path / "data"
    shutil.copytree(ROOT / "dialogues", dialogues)
    shutil.copytree(ROOT / "data", data)
    shutil.copytree(dialogues / "en", dialogues / "xx")
    shutil.copytree(data / "lexicon" / "en", data / "lexicon" / "xx")
    cramp = dialogues / "xx" / "cramp.yaml"
    text = cramp.read_text(encoding="utf-8")
    cramp.write_text(text.replace("Where is the cramp?", "XX Where is the cramp?"), "utf-8")
    texts = dialogues / "xx" / "texts.yaml"
    text = texts.read_text(encoding="utf-8")
    texts.write_text(text.replace("I don't know the command", "XX no command"), "utf-8")
    return dialogues, data


def test_each_language_folder_is_loaded_and_checked(two_languages: tuple[Path, Path]) -> None:
    library = load_library(*two_languages, NEEDS)
    assert sorted(library.languages) == ["en", "xx"]
    assert library.content("xx-YY").language == "xx"  # a region falls back to its language
    assert library.content("de").language == "en"  # not spoken: English
    assert library.content(None).language == "en"


async def test_a_person_gets_the_language_of_their_first_message(
    two_languages: tuple[Path, Path],
) -> None:
    service = Service(load_library(*two_languages, NEEDS), MemoryStore())
    english = await service.handle(1, "/nope", language="en")
    other = await service.handle(2, "/nope", language="xx")
    assert english.replies[0].text.startswith("I don't know the command /nope.")
    assert other.replies[0].text.startswith("XX no command /nope.")
    later = await service.handle(2, "/nope")  # the profile keeps the language
    assert later.replies[0].text.startswith("XX no command")


def test_a_language_is_checked_like_english(two_languages: tuple[Path, Path]) -> None:
    dialogues, data = two_languages
    texts = dialogues / "xx" / "texts.yaml"
    text = texts.read_text(encoding="utf-8")
    texts.write_text(text.replace("  stale_button:", "  stale_buttons:"), "utf-8")
    with pytest.raises(ContentError) as error:
        load_library(dialogues, data, NEEDS)
    assert any(
        p.startswith(f"{(dialogues / 'xx').as_posix()}: texts: 'stale_button' is missing")
        for p in error.value.problems
    ), error.value.problems


def test_english_must_be_there(tmp_path: Path) -> None:
    (tmp_path / "dialogues" / "xx").mkdir(parents=True)
    with pytest.raises(ContentError, match="no folder 'en'"):
        load_library(tmp_path / "dialogues", ROOT / "data", NEEDS)
