"""The durable inbox and outbox a chat channel keeps in the store (issue 12).

    channel receives an update ──receive_updates──▶ inbox (pending)    then confirms it
    a turn, in ONE transaction: the turn's writes + queue_messages + finish_update
    outbox ──queued_messages──▶ channel sends each ──message_sent──▶ deleted

An `Incoming` is an update as the channel received it (its JSON), kept until a turn has
handled it; then only its id is kept, so the same update seen again (Telegram resends,
two webhook deliveries) is handled once. An `Outgoing` is one message to send, written
with the turn that produced it and deleted once sent: a crash between the send and the
delete sends that one message again, and nothing else.

Every backend (memory, SQLite, PostgreSQL) keeps them in the same shape; the contract
tests in tests/contract/test_store.py hold them to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MessageKind = Literal["text", "photo", "document"]


@dataclass(frozen=True, slots=True)
class Incoming:
    """One update received and not yet handled.

    `user_id` is whose conversation it belongs to (the chat's id when it has no sender):
    a person's updates are handled one at a time, oldest (lowest update_id) first.
    `attempts`: how many times handling it has failed.
    """

    update_id: int
    user_id: int
    payload: str
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send: a text with its keyboard, or a photo or document with its
    caption. `markup` is the keyboard as the channel writes it (JSON); `id` is set once
    queued, and messages are sent in the order of their ids."""

    user_id: int
    chat_id: int
    kind: MessageKind
    body: str = ""
    markup: str | None = None
    filename: str | None = None
    data: bytes | None = None
    id: int | None = None
