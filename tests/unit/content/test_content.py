"""All of the source article is reachable through the dialogue, in the project's own words."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.core.engine import step
from bot.core.model import ButtonPress, Session
from tests.helpers.shipped import ROOT, shipped_content

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ARTICLE = ROOT.parent / "shared" / "source-article.txt"

# Each fact of the article (and the emergency signs), as words the bot must say somewhere.
FACTS = {
    "what a spasm is": ["tightening all by itself", "didn't ask it to contract"],
    "usually not serious, but a hint about conditioning or nutrition": [
        "usually it isn't serious",
        "more conditioning",
    ],
    "cause: fatigue and overload when returning after a break": ["time off", "overloaded"],
    "cause: dehydration and sodium lost in sweat": ["sweat", "sodium", "dehydration"],
    "prevent: fluids through the day, and before, during and after": [
        "through the whole day",
        "before, during and after",
    ],
    "prevent: electrolyte drink when hot or intense": ["hot days", "hard session", "electrolytes"],
    "prevent: 5-10 minutes stretching after the warm-up": ["warm-up", "5 to 10 minutes"],
    "prevent: stretch after the workout": ["stretch again"],
    "relief: stretch the muscle": ["stretch the calf"],
    "relief: heat during a spasm": ["heating pad"],
    "relief: ice for soreness afterwards": ["ice"],
    "relief: keep drinking water or electrolytes": ["keep drinking water", "keep sipping water"],
    "relief: NSAID with a caution": ["ibuprofen", "naproxen", "follow the label"],
    "care: not easing after several hours": ["several hours"],
    "care: keeps coming back": ["keeps coming back"],
    "care: extremely painful": ["extremely painful"],
    "care: minerals": ["calcium", "potassium", "magnesium"],
    "care: nerve or brain": ["nerves or the brain"],
    "emergency line": ["call your local emergency number"],
    "emergency signs": [
        "chest pain or pressure",
        "trouble breathing",
        "fainting or collapse",
        "confusion",
        "slurred speech",
        "weakness or numbness on one side",
        "seizure",
        "hot, red, badly swollen limb",
        "cola-dark urine",
        "heat stroke",
        "severe headache with a stiff neck",
    ],
    "what the bot is not": ["not a doctor", "can't diagnose", "not for emergencies"],
}


def everything_the_bot_can_say() -> str:
    """Press every button from every reachable question, breadth first, and collect the text."""
    content = shipped_content()
    dialogue = content.dialogue
    texts: list[str] = []
    first = step(dialogue, Session(1, dialogue.start), "/start", matcher=content.matcher, now=NOW)
    texts.extend(r.text for r in first.replies)
    todo = [first.session]
    seen: set[tuple[str, tuple[tuple[str, object], ...]]] = set()
    while todo and len(seen) < 20_000:
        session = todo.pop()
        key = (session.state, tuple(sorted(session.slots.items())))
        if key in seen:
            continue
        seen.add(key)
        state = dialogue.states[session.state]
        for index in range(len(state.buttons)):
            result = step(
                dialogue,
                session,
                "",
                matcher=content.matcher,
                now=NOW,
                button=ButtonPress(state.name, index),
            )
            texts.extend(r.text for r in result.replies)
            todo.append(result.session)
    for message in ("chest pain", "cola coloured pee", "worst headache ever and stiff neck"):
        result = step(dialogue, Session(1, "menu"), message, matcher=content.matcher, now=NOW)
        texts.extend(r.text for r in result.replies)
    return "\n".join(texts)


SAID = everything_the_bot_can_say()


@pytest.mark.parametrize("fact", list(FACTS))
def test_every_fact_is_reachable_through_the_dialogue(fact: str) -> None:
    missing = [words for words in FACTS[fact] if words.lower() not in SAID.lower()]
    assert not missing, f"{fact}: nothing the bot can say contains {missing}"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


@pytest.mark.skipif(not ARTICLE.exists(), reason="the source article lives in ../shared")
def test_no_sentence_is_copied_from_the_article() -> None:
    """No run of seven words of the article appears in anything the bot says."""
    size = 7
    article = _words(ARTICLE.read_text(encoding="utf-8"))
    runs = {tuple(article[i : i + size]) for i in range(len(article) - size + 1)}
    said = _words(SAID)
    copied = {
        " ".join(said[i : i + size])
        for i in range(len(said) - size + 1)
        if tuple(said[i : i + size]) in runs
    }
    assert not copied, f"copied from the article: {sorted(copied)}"
