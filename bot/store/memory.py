"""MemoryStore: the store in a few dicts, for unit tests and a console without a file.

It keeps the same contract as SqliteStore (tests/contract/test_store.py runs on
both) and checks and normalises values with the same functions (bot/store/codec.py),
so a test that passes here passes against SQLite too. Nothing survives the object.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.core.model import Episode, Profile, Session
from bot.core.schedule import KINDS, Advance, Reminder, ReminderKind
from bot.errors import OutOfTurn, StoreError
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
from bot.store.mailbox import Incoming, Outgoing


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
        self._inbox: dict[int, Incoming] = {}  # pending updates
        self._received: dict[int, datetime] = {}  # when each pending update came
        self._done: dict[int, datetime] = {}  # handled update ids -> when
        self._outbox: dict[int, Outgoing] = {}
        self._last_message_id = 0
        self._lock = asyncio.Lock()
        self._in_transaction: ContextVar[bool] = ContextVar(f"memory-tx-{id(self)}", default=False)

    # Data that a transaction's rollback puts back.
    _STATE = (
        "_sessions",
        "_profiles",
        "_episodes",
        "_last_id",
        "_reminders",
        "_last_reminder_id",
        "_intake",
        "_inbox",
        "_received",
        "_done",
        "_outbox",
        "_last_message_id",
    )

    @asynccontextmanager
    async def transaction(self, user_id: int | None = None) -> AsyncIterator[None]:
        """One transaction at a time; a rollback puts every table back as it was when
        it began (writes other tasks made meanwhile outside a transaction too: this
        twin is for tests and the console, where nothing else writes meanwhile)."""
        if self._in_transaction.get():
            yield
            return
        async with self._lock:
            saved = {name: copy.copy(getattr(self, name)) for name in self._STATE}
            saved["_intake"] = {user: list(times) for user, times in self._intake.items()}
            token = self._in_transaction.set(True)
            try:
                yield
            except BaseException:
                for name, value in saved.items():
                    setattr(self, name, value)
                raise
            finally:
                self._in_transaction.reset(token)

    @asynccontextmanager
    async def sending(self, user_id: int) -> AsyncIterator[None]:
        """Nothing to hold: one process."""
        yield

    @asynccontextmanager
    async def polling(self) -> AsyncIterator[None]:
        """Nothing to hold: the data is this process's own."""
        yield

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

    async def amend_episode(self, episode: Episode) -> Episode | None:
        at = utc(episode.at)
        keys = [i for i, e in self._episodes.items() if e.user_id == episode.user_id and e.at == at]
        if not keys:
            return None
        amended = replace(normal_episode(episode), id=max(keys))
        self._episodes[max(keys)] = amended
        return amended

    async def load_profile(self, user_id: int) -> Profile | None:
        return self._profiles.get(user_id)

    async def load_person(self, user_id: int) -> tuple[Session | None, Profile | None]:
        return await self.load_session(user_id), await self.load_profile(user_id)

    async def load_turn(
        self, user_id: int, since: datetime
    ) -> tuple[Session | None, Profile | None, list[Episode]]:
        session, profile = await self.load_person(user_id)
        return session, profile, await self.episodes(user_id, since)

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
        for update_id in [i for i, u in self._inbox.items() if u.user_id == user_id]:
            del self._inbox[update_id]
            del self._received[update_id]
        await self.drop_messages(user_id)

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

    # ---------------------------------------------------------------- inbox and outbox

    async def receive_updates(self, updates: Sequence[Incoming], at: datetime) -> list[int]:
        utc(at)
        todo = []
        for update in updates:
            if update.update_id in self._done:
                continue
            if update.update_id not in self._inbox:
                self._inbox[update.update_id] = update
                self._received[update.update_id] = utc(at)
            todo.append(update.update_id)
        return todo

    async def pending_updates(
        self,
        user_id: int | None = None,
        *,
        limit: int = 100,
        before: datetime | None = None,
    ) -> list[Incoming]:
        found = sorted(
            (
                u
                for u in self._inbox.values()
                if (user_id is None or u.user_id == user_id)
                and (before is None or self._received[u.update_id] < utc(before))
            ),
            key=lambda u: u.update_id,
        )
        return found[:limit]

    async def finish_update(
        self, update_id: int, at: datetime, *, next_of: int | None = None, new: bool = False
    ) -> None:
        if new and next_of is None:
            raise ValueError("finish_update(new=True) needs next_of: whose next it must be")
        if next_of is not None and not self._next_of(update_id, next_of, new=new):
            raise OutOfTurn(f"Update {update_id} is not the next of user {next_of}.")
        self._inbox.pop(update_id, None)
        self._received.pop(update_id, None)
        self._done[update_id] = utc(at)

    def _next_of(self, update_id: int, user_id: int, *, new: bool = False) -> bool:
        """Pending (`new`: never kept at all), and no earlier update of the person's
        pending that never failed."""
        if new:
            kept = update_id not in self._inbox and update_id not in self._done
        else:
            kept = update_id in self._inbox
        return kept and not any(
            u.user_id == user_id and u.update_id < update_id and u.attempts == 0
            for u in self._inbox.values()
        )

    async def retry_update(self, update_id: int) -> int:
        update = self._inbox.get(update_id)
        if update is None:
            return 0
        self._inbox[update_id] = replace(update, attempts=update.attempts + 1)
        return update.attempts + 1

    async def prune_updates(self, before: datetime) -> int:
        old = [i for i, at in self._done.items() if at < utc(before)]
        for update_id in old:
            del self._done[update_id]
        return len(old)

    async def queue_messages(self, messages: Sequence[Outgoing], at: datetime) -> None:
        utc(at)
        for message in messages:
            self._last_message_id += 1
            self._outbox[self._last_message_id] = replace(message, id=self._last_message_id)

    async def queued_messages(
        self, user_id: int | None = None, *, limit: int = 100
    ) -> list[Outgoing]:
        found = [m for m in self._outbox.values() if user_id is None or m.user_id == user_id]
        return sorted(found, key=lambda m: m.id or 0)[:limit]

    async def message_sent(self, message_id: int) -> None:
        self._outbox.pop(message_id, None)

    async def drop_messages(self, user_id: int) -> int:
        gone = [i for i, m in self._outbox.items() if m.user_id == user_id]
        for message_id in gone:
            del self._outbox[message_id]
        return len(gone)

    async def backlog(self) -> tuple[int, int]:
        return len(self._inbox), len(self._outbox)
