"""Small talk written once: the intents thanks, ok and bye (intent.yaml) lend their phrases
to the topic `chat` (topic.yaml `phrases_from:`), which the menu and the advice answer with
the closing line; and `phrases_from:` itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.lexicon import load_lexicon, load_matcher
from bot.content.yamlfile import load_yaml
from bot.errors import ContentError
from tests.helpers.paths import ROOT
from tests.helpers.shipped import shipped_content

LEXICON = ROOT / "data" / "lexicon" / "en"
SMALL_TALK = ("thanks", "ok", "bye")


def _phrases(name: str, label: str, key: str = "phrases") -> list[str]:
    doc = load_yaml(LEXICON / name)
    assert isinstance(doc, dict)
    return [str(p) for p in doc["labels"][label].get(key) or []]


def _other_intents(phrase: str) -> set[str]:
    """The intents other than small talk a phrase is written under ("later" is a snooze
    at a reminder too)."""
    doc = load_yaml(LEXICON / "intent.yaml")
    assert isinstance(doc, dict)
    return {
        label
        for label, body in doc["labels"].items()
        if label not in SMALL_TALK and phrase in map(str, (body or {}).get("phrases") or [])
    }


@pytest.mark.parametrize("intent", SMALL_TALK)
def test_every_small_talk_phrase_is_chat_at_the_menu_too(intent: str) -> None:
    matcher = shipped_content().matcher
    for phrase in _phrases("intent.yaml", intent):
        reading = matcher.read(phrase)
        assert intent in reading.labels("intent"), phrase
        assert reading.labels("topic") == ("chat",), phrase
        assert set(reading.labels("intent")) - {intent} <= _other_intents(phrase), phrase


def test_the_chat_phrases_of_its_own_read_as_chat_alone() -> None:
    matcher = shipped_content().matcher
    for phrase in _phrases("topic.yaml", "chat"):
        assert matcher.read(phrase).labels("topic") == ("chat",), phrase


def test_small_talk_is_written_once() -> None:
    own = set(_phrases("topic.yaml", "chat"))
    for intent in SMALL_TALK:
        assert own.isdisjoint(_phrases("intent.yaml", intent)), intent
    assert _phrases("topic.yaml", "chat", "phrases_from") == [
        f"intent {intent}" for intent in SMALL_TALK
    ]


def test_phrases_from_lends_another_labels_phrases(tmp_path: Path) -> None:
    (tmp_path / "intent.yaml").write_text(
        "kind: intent\nlabels:\n  thanks:\n    phrases: [thanks, cheers mate]\n", "utf-8"
    )
    (tmp_path / "topic.yaml").write_text(
        "kind: topic\nlabels:\n  chat:\n    phrases_from: [intent thanks]\n    phrases: [nah]\n",
        "utf-8",
    )
    matcher = load_matcher(tmp_path)
    assert matcher.read("cheers mate").labels("topic") == ("chat",)
    assert matcher.read("cheers mate").labels("intent") == ("thanks",)
    assert matcher.read("nah").labels("topic") == ("chat",)


def test_phrases_from_a_label_read_later_is_refused(tmp_path: Path) -> None:
    (tmp_path / "intent.yaml").write_text(
        "kind: intent\nlabels:\n  chat:\n    phrases_from: [topic chat]\n", "utf-8"
    )
    (tmp_path / "topic.yaml").write_text(
        "kind: topic\nlabels:\n  chat:\n    phrases: [nah]\n", "utf-8"
    )
    with pytest.raises(ContentError) as e:
        load_lexicon(tmp_path)
    assert "phrases_from: 'topic chat' names no label with phrases" in str(e.value)
