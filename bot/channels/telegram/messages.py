"""Replies as Telegram messages: joined while short, split at 4096 UTF-16 units.

Telegram measures a message in UTF-16 code units, not characters: an emoji counts two.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram.constants import MessageLimit

from bot.core.model import Reply

TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH
#: Replies are joined into one message only while it stays within this many words.
MESSAGE_WORDS = 90


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split text into messages of at most `limit` UTF-16 units (Telegram's measure).

    Cuts at a paragraph break if one is in reach, else at a line break, else at a space,
    else mid-word. Empty or blank text gives no messages.
    """
    parts: list[str] = []
    rest = text.strip()
    while rest:
        if fits(rest, limit):
            parts.append(rest)
            break
        within = len(_prefix_within(rest, limit))
        cut = -1
        for separator in ("\n\n", "\n", " "):
            # a separator may start right after the part: the part ends before it
            cut = rest.rfind(separator, 0, within + len(separator))
            if cut > 0:
                break
        if cut <= 0:
            cut = within
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [part for part in parts if part]


def merged(
    replies: Sequence[Reply], limit: int = TEXT_LIMIT, words: int = MESSAGE_WORDS
) -> list[Reply]:
    """Join a reply without buttons to the one after it, while the text fits one message
    and stays short enough to read on a phone without scrolling (`words`).

    "That question has passed" and the question itself, or "Got it: calf." and the next
    question, arrive as one message with the buttons under it: fewer messages to read,
    and fewer to count against Telegram's rate limits.
    """
    joined: list[Reply] = []
    for reply in replies:
        last = joined[-1] if joined else None
        text = f"{last.text}\n\n{reply.text}" if last is not None else reply.text
        short = len(text.split()) <= words
        if last is not None and not last.buttons and short and fits(text, limit):
            joined[-1] = Reply(text, reply.buttons, reply.state)
        else:
            joined.append(reply)
    return joined


def fits(text: str, limit: int) -> bool:
    """At most `limit` UTF-16 units, Telegram's measure. No character takes more than
    two, so most replies are known to fit without being counted."""
    return 2 * len(text) <= limit or utf16_len(text) <= limit


def utf16_len(text: str) -> int:
    """The length of `text` as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def _prefix_within(text: str, limit: int) -> str:
    """The longest prefix of `text` that is at most `limit` UTF-16 units long."""
    prefix = text[:limit]
    while utf16_len(prefix) > limit:
        prefix = prefix[: -max(1, (utf16_len(prefix) - limit) // 2)]
    return prefix
