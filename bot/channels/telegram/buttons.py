"""Buttons: Reply.buttons as an inline keyboard, and callback data to a ButtonPress and back.

Callback data is "q|<state>|<index>", or "h|<hash of state>|<index>" when that would
exceed Telegram's 64 bytes.
"""

from __future__ import annotations

import hashlib
import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.model import ButtonPress, Reply

CALLBACK_DATA_LIMIT = 64  # bytes, a Bot API limit
FORGED_STATE = "?"  # never a dialogue state: the engine treats the press as stale


class ButtonCodec:
    """Encodes (state, index) into callback_data and back, within Telegram's 64 bytes.

    Long state names are replaced by a hash; the hashes this process has sent are remembered.
    A hash it does not know (after a restart) or garbled data decodes to state "?", which the
    engine answers with "that question has passed" and the current question again.
    """

    def __init__(self, remember: int = 10_000) -> None:
        self._long_states: dict[str, str] = {}
        self._remember = remember
        self._markups: dict[tuple[str | None, tuple[str, ...]], str] = {}

    def markup(self, reply: Reply) -> str | None:
        """The keyboard for `reply` as the JSON that sendMessage takes, built once per question."""
        if not reply.buttons:
            return None
        key = (reply.state, reply.buttons)
        found = self._markups.get(key)
        if found is None:
            if len(self._markups) >= 1024:
                self._markups.clear()
            found = json.dumps(keyboard(reply, self).to_dict())
            self._markups[key] = found
        return found

    def encode(self, state: str, index: int) -> str:
        data = f"q|{state}|{index}"
        if len(data.encode()) <= CALLBACK_DATA_LIMIT:
            return data
        digest = hashlib.sha256(state.encode()).hexdigest()[:32]
        if len(self._long_states) >= self._remember:
            self._long_states.pop(next(iter(self._long_states)))
        self._long_states[digest] = state
        return f"h|{digest}|{index}"

    def decode(self, data: str | None) -> ButtonPress:
        kind, _, rest = (data or "").partition("|")
        state, _, number = rest.rpartition("|")
        if kind == "h":
            state = self._long_states.get(state, FORGED_STATE)
        elif kind != "q" or not state:
            return ButtonPress(FORGED_STATE, 0)
        if not (number.isdigit() and len(number) <= 3):
            return ButtonPress(FORGED_STATE, 0)
        return ButtonPress(state, int(number))


def keyboard(reply: Reply, codec: ButtonCodec) -> InlineKeyboardMarkup:
    """Reply.buttons as an inline keyboard: short labels share a row, long ones get their own."""
    rows: list[list[InlineKeyboardButton]] = [[]]
    width = 0
    for index, label in enumerate(reply.buttons):
        if rows[-1] and (len(rows[-1]) == 3 or width + len(label) > 30):
            rows.append([])
            width = 0
        data = codec.encode(reply.state or "", index)
        rows[-1].append(InlineKeyboardButton(label, callback_data=data))
        width += len(label)
    return InlineKeyboardMarkup(rows)
