"""SqliteStore's write-through caches: people's rows (PeopleCache), and the messages
a person has queued, while this process knows them (QueueCache, at the end).

It holds each person's (session, profile), and the episodes of the window last
asked for, exactly as a read returns them, for the `bound` people used most
recently (0: no cache). SqliteStore updates an entry once a write has committed,
and drops it when a write fails: the database stays the only truth. This assumes
that while the process runs it is the only one writing a given person's rows
(one bot per database): a row another process changes is not seen here until its
entry is evicted or the store reopened.

Entries change only under SqliteStore's lock, or as a write returns from its commit
with no await in between: a hit sees committed rows only, never older than a
finished write.

What it buys: a turn of someone seen recently is ONE round trip to the connection's
thread (the write), not three (the person, their recent episodes, then the write).
`python -m bench store` (2 runs on a shared machine, both stores' people seeded alike):
loading a person and their 90 days of episodes and saving the turn takes 0.076-0.123 ms
with cache_people=4096 against 0.185-0.373 ms with cache_people=0 (median; 2.43-3.02x).
"""

from __future__ import annotations

from bisect import insort
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from bot.core.model import Episode, Session
from bot.store.codec import episode_order
from bot.store.mailbox import Outgoing
from bot.store.sqlite_rows import History, Person, profile_from, session_as_read

_Cached = TypeVar("_Cached")


def _put_recent(cache: OrderedDict[int, _Cached], key: int, value: _Cached, bound: int) -> None:
    """Put `value` in as the most recent entry; drop the least recent beyond `bound`."""
    if bound == 0:
        return
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > bound:
        cache.popitem(last=False)


class PeopleCache:
    """The rows of the `bound` people used most recently, least recently used first."""

    def __init__(self, bound: int) -> None:
        if type(bound) is not int or bound < 0:
            raise ValueError(
                "cache_people must be a whole number of people, 0 or more (0: no cache), "
                f"not {bound!r}"
            )
        self.bound = bound
        self.people: OrderedDict[int, Person] = OrderedDict()
        self.histories: OrderedDict[int, History] = OrderedDict()

    def clear(self) -> None:
        """Forget every entry: what another process wrote since is read afresh."""
        self.people.clear()
        self.histories.clear()

    def person(self, user_id: int) -> Person | None:
        """The cached (session, profile) of this person, or None when not cached."""
        person = self.people.get(user_id)
        if person is not None:
            self.people.move_to_end(user_id)
        return person

    def remember(self, user_id: int, person: Person) -> None:
        """Cache what the database holds for this person, evicting the least recent."""
        _put_recent(self.people, user_id, person, self.bound)

    def written(
        self,
        user_id: int,
        session_row: Sequence[Any] | None = None,
        profile_row: Sequence[Any] | None = None,
        *,
        source: Session | None = None,
    ) -> None:
        """Write-through, after a commit that wrote these rows (None: row not written).

        The rows are decoded as a read decodes them (the session's from `source`, the
        Session it was made of, where that is the same: `session_as_read`), so the
        entry is what the database now returns. A person not cached stays so unless
        both rows were written: the other half would be a guess. (The entry is taken
        out first: should decoding ever fail, it is gone rather than stale.)
        """
        cached = self.people.pop(user_id, None)
        if cached is None and (session_row is None or profile_row is None):
            return
        session, profile = (None, None) if cached is None else cached
        if session_row is not None:
            session = session_as_read(session_row, source)
        if profile_row is not None:
            profile = profile_from(profile_row)
        self.remember(user_id, (session, profile))

    def drop(self, user_id: int | None) -> None:
        """Forget the cached rows of this person (None: of nobody); the next read fetches them."""
        if user_id is not None:
            self.people.pop(user_id, None)
            self.histories.pop(user_id, None)

    def forgotten(self, user_id: int) -> None:
        """The person was deleted: they have no rows and no episodes now."""
        self.remember(user_id, (None, None))
        self.remember_history(user_id, (None, []))

    def history(self, user_id: int, since: datetime | None) -> list[Episode] | None:
        """This person's episodes since `since` (UTC), when the cached window covers it."""
        cached = self.histories.get(user_id)
        if cached is None or not (cached[0] is None or (since is not None and since >= cached[0])):
            return None
        self.histories.move_to_end(user_id)
        return [e for e in cached[1] if since is None or e.at >= since]

    def remember_history(self, user_id: int, history: History) -> None:
        """Cache this person's episodes since a time, evicting the least recent."""
        _put_recent(self.histories, user_id, history, self.bound)

    def logged(self, episode: Episode) -> None:
        """Write-through of an episode just committed, into a cached history it belongs to."""
        cached = self.histories.get(episode.user_id)
        if cached is None:
            return
        since, known = cached
        if since is None or episode.at >= since:
            insort(known, episode, key=episode_order)

    def amended(self, episode: Episode) -> None:
        """Write-through of an episode just amended: it takes the place of the one with
        its id in a cached history."""
        cached = self.histories.get(episode.user_id)
        if cached is None:
            return
        known = cached[1]
        for index, old in enumerate(known):
            if old.id == episode.id:
                known[index] = episode


class QueueCache:
    """The messages a person has queued in the outbox, for the people whose queue this
    process knows exactly, so that the flush right after a turn sends what the turn
    queued without reading the outbox again (one round trip to the connection's thread
    less a turn).

    Known from a commit that queued someone's first messages (COMMIT_TURN says how many
    they had queued before: none), each taken out as it is sent; forgotten on any other
    change to their queue, and entirely when a transaction rolls back. An entry lives
    only while its messages wait, so it stays as small as the outbox. Like PeopleCache,
    it assumes one process writes the file.
    """

    def __init__(self) -> None:
        self.queues: dict[int, list[Outgoing]] = {}
        self.owners: dict[int, int] = {}  # message id -> user_id

    def clear(self) -> None:
        self.queues.clear()
        self.owners.clear()

    def known(self, user_id: int) -> list[Outgoing] | None:
        """The person's queued messages in order, or None when not known here."""
        queue = self.queues.get(user_id)
        return None if queue is None else list(queue)

    def last(self, message_id: int) -> bool:
        """Whether the message is known here as the only one its person has queued."""
        user_id = self.owners.get(message_id)
        queue = None if user_id is None else self.queues.get(user_id)
        return queue is not None and len(queue) == 1 and queue[0].id == message_id

    def queued(self, user_id: int, messages: list[Outgoing]) -> None:
        """These are all the person has queued now."""
        self.drop(user_id)
        if messages:
            self.queues[user_id] = messages
            self.owners.update((m.id, user_id) for m in messages if m.id is not None)

    def sent(self, message_id: int) -> None:
        """The message is out of the outbox."""
        user_id = self.owners.pop(message_id, None)
        queue = self.queues.get(user_id) if user_id is not None else None
        if queue is None or user_id is None:
            return
        queue[:] = [m for m in queue if m.id != message_id]
        if not queue:
            del self.queues[user_id]

    def drop(self, user_id: int) -> None:
        """The person's queue changed in a way not followed here: read it again."""
        for message in self.queues.pop(user_id, ()):
            self.owners.pop(message.id or 0, None)
