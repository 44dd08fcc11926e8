"""Conversations written as data (tests/conversations/*.yaml), played through one channel.

    script = load_script(path)                    the file, its keys checked
    async with open_channel(kind, clock, tmp) as channel:     service | console | telegram
        await play(script, channel, clock, words)             every step, every check

A channel (tests/helpers/conversation_channels.py) turns a `send:` or a `tap:` into what a
person does there and gives back what the bot showed them, as `Shown` messages. The checks
are the same for every channel; tests/conversations/README.md lists the keys.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from bot.config import parse_duration
from bot.content.yamlfile import load_yaml
from bot.core.texts import SLOT_PATTERN
from bot.store import Store
from tests.helpers.clock import Clock
from tests.helpers.shipped import shipped_library

#: Every channel a conversation is played through (tests/helpers/conversation_channels.py).
CHANNELS = ("service", "console", "telegram")
FILE_KEYS = {"name", "steps", "now"}
STEP_KEYS = {
    "channels",
    "send",
    "tap",
    "tap_old",
    "wait",
    "user",
    "state",
    "says",
    "first_says",
    "not_says",
    "buttons",
    "max_words",
    "episode",
    "episodes",
}


@dataclass(frozen=True, slots=True)
class Shown:
    """One message as the channel showed it: its text (or caption) and its buttons."""

    text: str
    buttons: tuple[str, ...] = ()


class Channel(Protocol):
    """One way of talking to the bot, with the store behind it to read."""

    name: str
    #: Whether each reply is shown on its own. Telegram joins a reply without buttons to
    #: the next one (bot/channels/telegram/messages.py: merged), so its messages are not
    #: replies and their words are not counted against a reply's limit.
    replies_apart: bool
    store: Store

    async def send(self, user: int, text: str) -> list[Shown]: ...

    async def tap(self, user: int, label: str) -> list[Shown]:
        """Press the button `label` of the last question asked (AssertionError if none)."""
        ...

    async def tap_old(self, user: int, label: str) -> list[Shown]:
        """Press the button `label` of an earlier message, the latest that offered it, as
        a person who scrolls up does (AssertionError if none did)."""
        ...


@dataclass(frozen=True, slots=True)
class Script:
    path: Path
    name: str
    steps: tuple[dict[str, Any], ...]
    now: datetime | None = None


def load_script(path: Path) -> Script:
    """A conversation file, its keys checked (a typo fails the test, naming the step)."""
    data = load_yaml(path)
    assert isinstance(data, dict), f"{path.name}: expected a mapping with name: and steps:"
    unknown = set(data) - FILE_KEYS
    assert not unknown, f"{path.name}: unknown keys {sorted(unknown)}; known: {sorted(FILE_KEYS)}"
    steps = data.get("steps")
    assert isinstance(steps, list) and steps, f"{path.name}: steps: must be a non-empty list"
    for number, step in enumerate(steps, 1):
        where = f"{path.name} step {number}"
        assert isinstance(step, dict), f"{where}: a step is a mapping of keys"
        unknown = set(step) - STEP_KEYS
        assert not unknown, f"{where}: unknown keys {sorted(unknown)}; known: {sorted(STEP_KEYS)}"
        acts = [key for key in ("send", "tap", "tap_old") if key in step]
        assert len(acts) <= 1, f"{where}: one of send:, tap: or tap_old:, not {acts}"
        odd = set(step.get("channels", CHANNELS)) - set(CHANNELS)
        assert not odd, f"{where}: channels: {sorted(odd)} unknown; known: {list(CHANNELS)}"
    return Script(path, str(data.get("name", path.stem)), tuple(steps), start_time(path, data))


def start_time(path: Path, data: dict[str, Any]) -> datetime | None:
    """`now:`, an ISO 8601 date and time with its UTC offset, as an aware UTC datetime."""
    value = data.get("now")
    if value is None:
        return None
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(str(value))
        except ValueError:
            raise AssertionError(
                f"{path.name}: now: {value!r} is not an ISO 8601 time such as "
                "2026-03-29T01:30:00+01:00"
            ) from None
    assert value.tzinfo is not None and value.utcoffset() is not None, (
        f"{path.name}: now: {value.isoformat()} needs its UTC offset, e.g. +02:00 or Z"
    )
    return value.astimezone(UTC)


# Words ---------------------------------------------------------------------------------------


def count_words(text: str) -> int:
    """Words as a reader counts them: runs of text holding a letter or a digit."""
    return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))


@cache
def _emergency_patterns() -> tuple[re.Pattern[str], ...]:
    """The reply of each dialogue's `red_flag` state, its {slots} standing for any text."""
    patterns = []
    for content in shipped_library().languages.values():
        dialogue = content.dialogue
        template = dialogue.states[dialogue.red_flag].say
        literals = SLOT_PATTERN.sub("\0", template).split("\0")
        parts = [r"\s+".join(map(re.escape, part.split())) for part in literals]
        patterns.append(re.compile(r"\s*" + r"(?s:.*?)".join(parts) + r"\s*"))
    return tuple(patterns)


def is_emergency_reply(text: str) -> bool:
    """Whether `text` is the emergency reply (the dialogue's red_flag state), which may be
    longer than the word limit: what to do when life may be at stake comes whole."""
    return any(pattern.fullmatch(text) for pattern in _emergency_patterns())


@dataclass(frozen=True, slots=True)
class Long:
    """A reply and its length in words, where it was said."""

    words: int
    where: str
    text: str


@dataclass
class WordCheck:
    """The global limit on a reply's words (the emergency reply excepted).

    Enforced, a longer reply fails the test; otherwise it is only recorded. Either way
    the longest reply of the run and every reply over the limit are kept for the report.
    """

    limit: int
    enforce: bool
    longest: Long | None = None
    over: list[Long] = field(default_factory=list)

    def see(self, shown: Sequence[Shown], where: str, max_words: int | None) -> None:
        for message in shown:
            words = count_words(message.text)
            if max_words is not None:
                assert words <= max_words, (
                    f"{where}: a reply of {words} words, more than max_words: {max_words}:\n"
                    f"{message.text}"
                )
            if is_emergency_reply(message.text):
                continue
            long = Long(words, where, message.text)
            if self.longest is None or words > self.longest.words:
                self.longest = long
            if words > self.limit:
                self.over.append(long)
                assert not self.enforce, (
                    f"{where}: a reply of {words} words, more than the limit of {self.limit} "
                    f"(tests/conversations/test_conversations.py: WORD_LIMIT):\n{message.text}"
                )


# Playing -------------------------------------------------------------------------------------


async def play(script: Script, channel: Channel, clock: Clock, words: WordCheck) -> None:
    """Every step of `script` through `channel`, with every check the step asks for."""
    user = 1
    shown: list[Shown] = []
    for number, step in enumerate(script.steps, 1):
        where = f"{script.path.name} step {number} ({channel.name})"
        user = int(step.get("user", user))
        if "wait" in step:
            clock.now += parse_duration("wait", str(step["wait"]), "0s")
        if channel.name not in step.get("channels", CHANNELS):
            continue  # a step that cannot happen in this channel: its time still passes
        if "send" in step:
            shown = await channel.send(user, str(step["send"]))
        elif "tap" in step:
            shown = await channel.tap(user, str(step["tap"]))
        elif "tap_old" in step:
            shown = await channel.tap_old(user, str(step["tap_old"]))
        if "send" in step or "tap" in step or "tap_old" in step:
            # Telegram joins replies into messages, up to the word limit: each message is
            # held to the limit there, and `max_words` (about one reply) is not.
            max_words = step.get("max_words") if channel.replies_apart else None
            words.see(shown, where, int(max_words) if max_words is not None else None)
        await check(step, where, user, shown, channel.store)


async def check(
    step: dict[str, Any], where: str, user: int, shown: Sequence[Shown], store: Store
) -> None:
    """The step's checks on what was shown last and on what the store holds now."""
    said = "\n".join(message.text for message in shown).lower()
    for words in step.get("says", []):
        assert str(words).lower() in said, f"{where}: expected {words!r} in:\n{said}"
    for words in step.get("not_says", []):
        assert str(words).lower() not in said, f"{where}: did not expect {words!r} in:\n{said}"
    if "first_says" in step:
        first = shown[0].text.lower() if shown else ""
        for words in step["first_says"]:
            assert str(words).lower() in first, (
                f"{where}: expected {words!r} in the first reply:\n{first}\n(all:\n{said})"
            )
    offered = [label for message in shown for label in message.buttons]
    for button in step.get("buttons", []):
        assert button in offered, f"{where}: expected button {button!r} in {offered}"
    if "state" in step:
        session = await store.load_session(user)
        assert session is not None and session.state == step["state"], (
            f"{where}: in state {session and session.state!r}, expected {step['state']!r}; "
            f"replies:\n{said}"
        )
    if "episodes" in step:
        count = len(await store.episodes(user))
        assert count == step["episodes"], f"{where}: {count} episodes, expected {step['episodes']}"
    if "episode" in step:
        episodes = await store.episodes(user)
        assert episodes, f"{where}: no episode logged"
        for key, value in step["episode"].items():
            got = getattr(episodes[-1], key)
            assert got == value, f"{where}: episode.{key} is {got!r}, expected {value!r}"
