"""Logs never show the token: the bot token, its secret half and the webhook secret."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

REDACTED = "[REDACTED]"


class SecretFilter(logging.Filter):
    """Replaces secrets (the bot token, its secret half, the webhook secret) in log records."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        found: set[str] = set()
        for secret in secrets:
            if secret:
                found.add(secret)
                _, colon, half = secret.partition(":")
                if colon and len(half) >= 8:
                    found.add(half)
        self._secrets = sorted(found, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # malformed arguments: let the handler report it
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def redact_secrets_in_logs(*secrets: str | None) -> Callable[[], None]:
    """Apply a SecretFilter to every log record of every logger; returns a function that undoes it.

    It hooks the record factory rather than handlers, so handlers added later (pytest's caplog,
    a new file handler) never see the secret either.
    """
    secret_filter = SecretFilter(secrets)
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        secret_filter.filter(record)
        return record

    logging.setLogRecordFactory(factory)

    def undo() -> None:
        if logging.getLogRecordFactory() is factory:
            logging.setLogRecordFactory(previous)

    return undo
