"""Messages in a language the bot does not speak yet: the emergency reply in it, or the
notice that the bot understands English for now (bot/service/languages.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.content.languages import Language
from bot.service import Service
from bot.service.languages import detect, emergency_text, language_replies
from bot.store import MemoryStore
from tests.helpers.shipped import shipped_library

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
KNOWN = {
    "en": Language("English"),
    "es": Language("Español", "Llama al 112.", "Solo entiendo inglés. 112."),
    "xx": Language("Nada"),
}


def fixed(code: str, probability: float = 0.99):  # type: ignore[no-untyped-def]
    return lambda text: (code, probability)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("me duele mucho el pecho después de correr", "es"),
        ("мой муж потерял сознание после зала", "ru"),
        ("donka znepritomnila", None),  # translit: not trusted either way
        ("عندي ألم شديد في صدري بعد الجري", "ar"),
        ("दौड़ने के बाद सीने में बहुत तेज़ दर्द हो रहा है", "hi"),
        ("my calf cramped after the run", "en"),
    ],
)
def test_the_language_of_a_message_is_detected(text: str, code: str | None) -> None:
    found, probability = detect(text, tuple(shipped_library().known))
    if code is None:
        return
    assert (found, probability >= 0.9) == (code, True)


def test_an_escalated_message_gets_the_emergency_reply_in_its_language() -> None:
    said = language_replies(
        KNOWN,
        "me duele el pecho",
        spoken={"en"},
        escalated=True,
        understood=True,
        detector=fixed("es"),
    )
    assert [r.text for r in said] == ["Llama al 112."]


def test_a_message_not_understood_gets_the_english_only_notice() -> None:
    said = language_replies(
        KNOWN,
        "tengo un calambre",
        spoken={"en"},
        escalated=False,
        understood=False,
        detector=fixed("es"),
    )
    assert [r.text for r in said] == ["Solo entiendo inglés. 112."]


@pytest.mark.parametrize(
    ("code", "probability", "understood", "spoken"),
    [
        ("es", 0.5, False, {"en"}),  # not sure of the language
        ("es", 0.99, True, {"en"}),  # understood anyway
        ("es", 0.99, False, {"en", "es"}),  # the bot speaks it
        ("xx", 0.99, False, {"en"}),  # no texts for it
        ("zz", 0.99, False, {"en"}),  # not a known language
    ],
)
def test_nothing_is_added_otherwise(
    code: str, probability: float, understood: bool, spoken: set[str]
) -> None:
    said = language_replies(
        KNOWN,
        "tengo un calambre",
        spoken=spoken,
        escalated=False,
        understood=understood,
        detector=fixed(code, probability),
    )
    assert said == ()


def test_every_shipped_language_names_an_emergency_number() -> None:
    known = shipped_library().known
    assert {"es", "pt", "fr", "de", "it", "ru", "uk", "tr", "ar", "fa", "hi", "id"} <= set(known)
    for code, language in known.items():
        if code != "en":
            assert "112" in (emergency_text(known, code) or ""), code
            assert "112" in language.english_only, code


async def test_a_spanish_emergency_is_answered_in_spanish_then_english() -> None:
    bot = Service(shipped_library(), MemoryStore(), clock=lambda: NOW)
    outcome = await bot.handle(1, "me duele el pecho y no puedo respirar")
    texts = [r.text for r in outcome.replies]
    assert texts[0].startswith("⚠️ Esto puede ser una emergencia")
    assert any("emergency" in t.lower() for t in texts[1:])


async def test_a_message_in_russian_the_bot_does_not_understand_gets_the_notice() -> None:
    bot = Service(shipped_library(), MemoryStore(), clock=lambda: NOW)
    outcome = await bot.handle(1, "привет, расскажи мне что-нибудь интересное")
    assert "Пока я понимаю только английский" in outcome.replies[0].text


async def test_an_english_message_gets_nothing_more() -> None:
    bot = Service(shipped_library(), MemoryStore(), clock=lambda: NOW)
    outcome = await bot.handle(1, "hello there, what can you do")
    assert not any("112" in r.text and "English" in r.text for r in outcome.replies[:1])
