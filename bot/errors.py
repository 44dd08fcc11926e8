"""One exception tree for the whole bot.

    CrampCoachError
    ├── ConfigError        a setting (environment variable) is missing or malformed
    ├── ContentError       a YAML file in dialogues/ or data/ is broken
    │   └── DialogueError  the dialogue machine itself is inconsistent
    ├── StoreError         the database could not be read or written
    │   └── AlreadyPolling another process polls Telegram for this database
    └── OutOfTurn          an update was to be marked handled out of its person's order
                           (Store.finish_update's next_of): nothing of its turn is saved

Every message says what to do about it: the file, the state or the variable,
and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process


class CrampCoachError(Exception):
    """Base of every error the bot raises on purpose."""


class ConfigError(CrampCoachError):
    """A setting is missing or malformed. The message names the variable."""


class ContentError(CrampCoachError):
    """A content file is malformed. Holds every problem found, one per line."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class DialogueError(ContentError):
    """The dialogue machine is inconsistent (missing target, unreachable state, ...)."""


class StoreError(CrampCoachError):
    """The database failed; the last committed state is intact."""


class AlreadyPolling(StoreError):
    """Another process holds this database's right to poll Telegram (Store.polling)."""


class OutOfTurn(CrampCoachError):
    """Store.finish_update(update_id, at, next_of=person) found the update handled
    already, or an earlier update of the person's (never failed) still pending: raised
    by that call or when its transaction ends, which then saves nothing. Not a failure:
    the caller reads the person's pending updates and handles the first."""


def closest(word: str, options: Iterable[str]) -> str | None:
    """The option a misspelt name most likely meant, or None when none is close.

    Close means a similarity (rapidfuzz fuzz.ratio, from the longest common subsequence)
    of 60 or more out of 100; of equally close options the first in sorted order wins.
    """
    best = process.extractOne(word, sorted(set(options)), scorer=fuzz.ratio, score_cutoff=60)
    return best[0] if best else None


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """ " Did you mean 'x'?" for the option closest to a misspelt name, or ""."""
    close = closest(word, options)
    return f" Did you mean {close!r}?" if close else ""
