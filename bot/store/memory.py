"""MemoryStore: the store in a few dicts, for unit tests and a console without a file.

It keeps the same contract as SqliteStore (tests/contract/test_store.py runs on
both) and checks and normalises values with the same functions (bot/store/codec.py),
so a test that passes here passes against SQLite too. Nothing survives the object.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.core.model import Episode, Profile, Session
from bot.core.schedule import KINDS, Advance, Reminder, ReminderKind
from bot.errors import StoreError
from bot.store.base import Lifecycle, export_person
from bot.store.codec import (
    check_same_person,
    episode_order,
    normal_episode,
    normal_profile,
    normal_reminder,
    normal_session,
    reminder_order,
    slots_json,
    utc,
)


class MemoryStore(Lifecycle):
    """The in-memory twin of SqliteStore: same contract, nothing on disk.

    Values are normalised exactly as SqliteStore does (UTC datetimes, slot
    mappings copied), so a test that passes here passes against SQLite too.
    """

    def __init__(self) -> None:
        self._sessions: dict[int, Session] = {}
        self._profiles: dict[int, Profile] = {}
        self._episodes: dict[int, Episode] = {}
        self._last_id = 0
        self._reminders: dict[tuple[int, str], Reminder] = {}
        self._last_reminder_id = 0
        self._intake: dict[int, list[datetime]] = {}

    async def open(self) -> None:
        """Nothing to connect to."""

    async def close(self) -> None:
        """Nothing to close; the data stays with the object."""

    async def ping(self) -> None:
        """Always answers: the data is in this process."""

    async def load_session(self, user_id: int) -> Session | None:
        session = self._sessions.get(user_id)
        return None if session is None else replace(session, slots=dict(session.slots))

    async def save_turn(
        self,
        session: Session,
        *,
        episode: Episode | None = None,
        profile: Profile | None = None,
    ) -> Episode | None:
        """Stage every change, then apply them together (no await in between)."""
        check_same_person(session, episode, profile)
        slots_json(session)  # the same refusal as SqliteStore
        staged_session = normal_session(session)
        staged_profile = None if profile is None else normal_profile(profile)
        staged_episode = None if episode is None else self._stage_episode(episode)
        self._sessions[session.user_id] = staged_session
        if staged_episode is not None:
            assert staged_episode.id is not None
            self._episodes[staged_episode.id] = staged_episode
            self._last_id = max(self._last_id, staged_episode.id)
        if staged_profile is not None:
            self._profiles[staged_profile.user_id] = staged_profile
        return staged_episode

    def _stage_episode(self, episode: Episode) -> Episode:
        if episode.id is not None and episode.id in self._episodes:
            raise StoreError(
                f"Could not save the turn of user {episode.user_id}: episode {episode.id} "
                "already exists. Save a new episode without an id. Nothing was saved."
            )
        new_id = episode.id if episode.id is not None else self._last_id + 1
        return replace(normal_episode(episode), id=new_id)

    async def episodes(self, user_id: int, since: datetime | None = None) -> list[Episode]:
        found = [
            e
            for e in self._episodes.values()
            if e.user_id == user_id and (since is None or e.at >= utc(since))
        ]
        return sorted(found, key=episode_order)

    async def load_profile(self, user_id: int) -> Profile | None:
        return self._profiles.get(user_id)

    async def load_person(self, user_id: int) -> tuple[Session | None, Profile | None]:
        return await self.load_session(user_id), await self.load_profile(user_id)

    async def save_profile(self, profile: Profile) -> None:
        self._profiles[profile.user_id] = normal_profile(profile)

    async def set_active(self, user_id: int, active: bool) -> None:
        profile = self._profiles.get(user_id)
        if profile is not None:
            self._profiles[user_id] = replace(profile, active=active)

    async def forget(self, user_id: int) -> None:
        self._sessions.pop(user_id, None)
        self._profiles.pop(user_id, None)
        for episode_id in [i for i, e in self._episodes.items() if e.user_id == user_id]:
            del self._episodes[episode_id]
        for kind in KINDS:
            self._reminders.pop((user_id, kind), None)
        self._intake.pop(user_id, None)

    async def export(self, user_id: int) -> dict[str, Any]:
        return await export_person(self, user_id)

    async def save_reminder(self, reminder: Reminder) -> Reminder:
        staged = normal_reminder(reminder)
        previous = self._reminders.get((staged.user_id, staged.kind))
        if previous is not None:
            staged = replace(staged, id=previous.id)
        else:
            self._last_reminder_id += 1
            staged = replace(staged, id=self._last_reminder_id)
        self._reminders[(staged.user_id, staged.kind)] = staged
        return staged

    async def reminders(self, user_id: int) -> list[Reminder]:
        found = [r for (user, _), r in self._reminders.items() if user == user_id]
        return sorted(found, key=reminder_order)

    async def stop_reminders(self, user_id: int, kind: ReminderKind | None = None) -> int:
        stopped = 0
        for each in KINDS if kind is None else (kind,):
            stopped += self._reminders.pop((user_id, each), None) is not None
        return stopped

    async def due_reminders(self, now: datetime, limit: int) -> list[tuple[Reminder, Profile]]:
        cutoff = utc(now)
        due: list[tuple[Reminder, Profile]] = []
        for reminder in sorted(self._reminders.values(), key=reminder_order):
            if reminder.due_at > cutoff or len(due) >= limit:
                break
            person = self._profiles.get(reminder.user_id)
            if person is not None and person.active:
                due.append((reminder, person))
        return due

    async def advance_reminders(self, changes: Sequence[Advance]) -> int:
        applied = 0
        for change in changes:
            old = change.reminder
            key = (old.user_id, old.kind)
            current = self._reminders.get(key)
            if current is None or current.id != old.id or current.due_at != utc(old.due_at):
                continue
            applied += 1
            if change.next_due is None:
                del self._reminders[key]
                continue
            sent = change.sent_at is not None
            self._reminders[key] = replace(
                current,
                due_at=utc(change.next_due),
                last_sent_at=utc(change.sent_at) if change.sent_at else current.last_sent_at,
                sent=current.sent + sent,
            )
        return applied

    async def log_intake(self, user_id: int, at: datetime) -> None:
        self._intake.setdefault(user_id, []).append(utc(at))

    async def intake(
        self, user_id: int, since: datetime | None = None, until: datetime | None = None
    ) -> list[datetime]:
        return sorted(
            at
            for at in self._intake.get(user_id, [])
            if (since is None or at >= utc(since)) and (until is None or at < utc(until))
        )
