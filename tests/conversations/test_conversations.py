"""Conversations written as data (tests/conversations/*.yaml), played through the service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.config import parse_duration
from bot.content.yamlfile import load_yaml
from bot.core.model import ButtonPress, Reply
from bot.service import Service
from bot.store import MemoryStore
from tests.helpers.clock import Clock
from tests.helpers.shipped import shipped_library

HERE = Path(__file__).resolve().parent
FILES = sorted(HERE.glob("*.yaml"))
STEP_KEYS = {
    "send",
    "tap",
    "wait",
    "user",
    "state",
    "says",
    "not_says",
    "buttons",
    "episode",
    "episodes",
}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
async def test_conversation(path: Path) -> None:
    script: dict[str, Any] = load_yaml(path)
    clock = Clock()
    store = MemoryStore()
    service = Service(shipped_library(), store, clock=clock)
    user = 1
    last_question: dict[int, Reply] = {}
    replies: tuple[Reply, ...] = ()
    for number, step in enumerate(script["steps"], 1):
        where = f"{path.name} step {number}"
        assert set(step) <= STEP_KEYS, f"{where}: unknown keys {set(step) - STEP_KEYS}"
        user = int(step.get("user", user))
        if "wait" in step:
            clock.now += parse_duration("wait", str(step["wait"]), "0s")
        if "send" in step or "tap" in step:
            if "tap" in step:
                question = last_question[user]
                assert question.state is not None
                assert step["tap"] in question.buttons, f"{where}: no button {step['tap']!r}"
                press = ButtonPress(question.state, question.buttons.index(step["tap"]))
                outcome = await service.handle(user, "", button=press)
            else:
                outcome = await service.handle(user, str(step["send"]))
            replies = outcome.replies
            for reply in replies:
                if reply.buttons:
                    last_question[user] = reply
        said = "\n".join(r.text for r in replies).lower()
        for words in step.get("says", []):
            assert str(words).lower() in said, f"{where}: expected {words!r} in:\n{said}"
        for words in step.get("not_says", []):
            assert str(words).lower() not in said, f"{where}: did not expect {words!r} in:\n{said}"
        offered = [b for r in replies for b in r.buttons]
        for button in step.get("buttons", []):
            assert button in offered, f"{where}: expected button {button!r} in {offered}"
        if "state" in step:
            session = await store.load_session(user)
            assert session is not None and session.state == step["state"], (
                f"{where}: in state {session and session.state!r}, expected {step['state']!r}; "
                f"replies:\n{said}"
            )
        if "episodes" in step:
            assert len(await store.episodes(user)) == step["episodes"], where
        if "episode" in step:
            episode = (await store.episodes(user))[-1]
            for key, value in step["episode"].items():
                assert getattr(episode, key) == value, f"{where}: episode.{key}"
    await store.close()
