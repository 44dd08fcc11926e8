"""Where sessions, profiles and episodes live. SQLite is the source of truth.

(Protocol fixed; implementations in progress.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from bot.domain import Episode, Profile, Session


class Store(Protocol):
    async def open(self) -> None:
        """Connect and apply pending migrations."""

    async def close(self) -> None: ...

    async def load_session(self, user_id: int) -> Session | None: ...

    async def save_turn(
        self,
        session: Session,
        *,
        episode: Episode | None = None,
        profile: Profile | None = None,
    ) -> Episode | None:
        """Save the session, and the episode/profile if given, in ONE transaction.

        Returns the episode with its id set. Raises StoreError (nothing saved) on failure.
        """

    async def episodes(self, user_id: int, since: datetime | None = None) -> list[Episode]:
        """This person's episodes, oldest first, optionally only those at or after `since`."""

    async def load_profile(self, user_id: int) -> Profile | None: ...

    async def save_profile(self, profile: Profile) -> None: ...

    async def forget(self, user_id: int) -> None:
        """Delete every row about this person, in every table."""

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything stored about this person, JSON-serialisable."""
