"""The service: one person's turns in order, people apart, failures lose nothing."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.core.model import Episode, Profile, Session
from bot.errors import StoreError
from bot.service import EffectContext, EffectOutput, Service
from bot.service.effects import EFFECTS
from bot.store import MemoryStore, SqliteStore
from tests.helpers.shipped import shipped_content, shipped_library

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def service(store: MemoryStore | SqliteStore) -> Service:
    return Service(shipped_library(), store, clock=lambda: NOW)


class FailingStore(MemoryStore):
    """Saves fail from the moment `failing` is set, as on a full disk or a locked database."""

    failing = False

    async def save_turn(
        self,
        session: Session,
        *,
        episode: Episode | None = None,
        profile: Profile | None = None,
    ) -> Episode | None:
        if self.failing:
            raise StoreError("database is locked")
        return await super().save_turn(session, episode=episode, profile=profile)


async def test_same_person_concurrent_messages_are_applied_one_after_the_other() -> None:
    store = MemoryStore()
    bot = service(store)
    await bot.handle(1, "calf cramp")
    await asyncio.gather(bot.handle(1, "right now"), bot.handle(1, "5 min"))
    session = await store.load_session(1)
    assert session is not None
    assert session.turn == 3  # no update lost
    assert session.slots["timing"] == "now"
    assert session.slots["duration"] == "minutes"
    assert session.state == "ask_severity"


async def test_many_concurrent_turns_from_many_people_on_sqlite(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "db.sqlite") as store:
        bot = service(store)
        messages = ["calf cramp", "right now", "5 min", "mild", "hot"]
        for text in messages:
            await asyncio.gather(*(bot.handle(user, text) for user in range(1, 21)))
        for user in range(1, 21):
            session = await store.load_session(user)
            assert session is not None and session.turn == 5
            assert session.state == "after_advice"
            assert len(await store.episodes(user)) == 1


async def test_people_never_see_each_others_data() -> None:
    store = MemoryStore()
    bot = service(store)
    await bot.handle(1, "calf cramp 5 min right now, mild, hot")
    await bot.handle(2, "neck spasm")
    exported = await bot.handle(2, "/export")
    document = json.loads(exported.attachments[0].data)
    assert "calf" not in json.dumps(document)
    assert all(episode["user_id"] == 2 for episode in document.get("episodes", []))


async def test_failed_write_apologises_and_keeps_the_last_committed_state() -> None:
    store = FailingStore()
    bot = service(store)
    await bot.handle(1, "calf cramp")
    before = await store.load_session(1)
    store.failing = True
    outcome = await bot.handle(1, "right now")
    assert [r.text for r in outcome.replies] == [
        shipped_content().dialogue.texts.say("store_apology")
    ]
    assert await store.load_session(1) == before
    store.failing = False
    retried = await bot.handle(1, "right now")
    assert any("How long" in r.text for r in retried.replies)


async def test_first_message_creates_a_profile_with_language() -> None:
    store = MemoryStore()
    await service(store).handle(5, "hi", language="de")
    profile = await store.load_profile(5)
    assert profile is not None
    assert profile.language == "de"
    assert profile.first_seen == NOW


async def test_history_sends_text_and_a_png_chart() -> None:
    bot = service(MemoryStore())
    empty = await bot.handle(1, "/history")
    assert not empty.attachments
    await bot.handle(1, "calf cramp 5 min right now, mild, hot")
    outcome = await bot.handle(1, "/history")
    assert "calf" in outcome.replies[0].text
    assert outcome.attachments[0].kind == "photo"
    assert outcome.attachments[0].data.startswith(b"\x89PNG")


async def test_forget_leaves_no_row_about_the_person(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    async with SqliteStore(path) as store:
        bot = service(store)
        await bot.handle(1, "calf cramp 5 min right now, mild, hot")
        await bot.handle(2, "neck spasm")
        await bot.handle(1, "/forget")
        await bot.handle(1, "yes")
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        leftovers = {
            table: db.execute(f'SELECT count(*) FROM "{table}" WHERE user_id = 1').fetchone()[0]
            for table in tables
            if "user_id" in [c[1] for c in db.execute(f'PRAGMA table_info("{table}")')]
        }
        others = db.execute("SELECT count(*) FROM sessions WHERE user_id = 2").fetchone()[0]
    assert leftovers and all(count == 0 for count in leftovers.values()), leftovers
    assert others == 1


async def test_blocked_person_is_marked_inactive_until_they_write_again() -> None:
    store = MemoryStore()
    bot = service(store)
    await bot.handle(1, "hi")
    await bot.mark_inactive(1)
    profile = await store.load_profile(1)
    assert profile is not None and not profile.active
    await bot.handle(1, "hi again")
    profile = await store.load_profile(1)
    assert profile is not None and profile.active


async def test_a_failed_effect_apologises_for_that_effect_only() -> None:
    store = MemoryStore()

    async def broken_history(context: EffectContext) -> EffectOutput:
        raise StoreError("disk I/O error")

    effects = {**EFFECTS, "history": broken_history}
    bot = Service(shipped_library(), store, clock=lambda: NOW, effects=effects)
    await bot.handle(1, "calf cramp")
    outcome = await bot.handle(1, "/history")
    assert shipped_content().dialogue.texts.say("effect_apology") in [
        r.text for r in outcome.replies
    ]
    session = await store.load_session(1)
    assert session is not None and session.state == "ask_timing"  # back at the question
