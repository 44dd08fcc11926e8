"""Unit tests for the Telegram adapter's parts: no network, no Application."""

from __future__ import annotations

import ast
import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from telegram import Chat, Message, Update, User
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.channels.telegram import NEEDS
from bot.channels.telegram.application import api_url, webhook_url
from bot.channels.telegram.bot import SEND_MESSAGE, ReplyBot
from bot.channels.telegram.buttons import CALLBACK_DATA_LIMIT, ButtonCodec, keyboard
from bot.channels.telegram.messages import merged, split_text
from bot.channels.telegram.order import PerUserOrder
from bot.channels.telegram.redaction import REDACTED, SecretFilter, redact_secrets_in_logs
from bot.channels.telegram.requests import RetryingRequest
from bot.config import Settings
from bot.core.model import ButtonPress, Reply
from bot.core.texts import placeholders
from bot.service import KeyedLocks
from tests.helpers.paths import ROOT
from tests.helpers.shipped import shipped_content

TOKEN = "123456:AAHsecretSECRETsecret_0123456789"

# Callback data --------------------------------------------------------------------------------


def test_button_round_trip() -> None:
    codec = ButtonCodec()
    assert codec.encode("ask_muscle", 3) == "q|ask_muscle|3"
    assert codec.decode("q|ask_muscle|3") == ButtonPress("ask_muscle", 3)
    assert codec.decode(codec.encode("odd|state", 1)) == ButtonPress("odd|state", 1)


def test_long_and_non_ascii_states_fit_in_64_bytes() -> None:
    codec = ButtonCodec()
    for state in ["x" * 61, "ü" * 40, "a_very_long_state_name_" * 5]:
        data = codec.encode(state, 12)
        assert len(data.encode()) <= CALLBACK_DATA_LIMIT
        assert codec.decode(data) == ButtonPress(state, 12)


def test_a_hash_this_process_never_sent_is_stale() -> None:
    data = ButtonCodec().encode("s" * 80, 0)
    assert ButtonCodec().decode(data) == ButtonPress("?", 0)  # e.g. after a restart


@pytest.mark.parametrize(
    "data", [None, "", "garbage", "q|", "q||2", "q|s|", "q|s|x", "q|s|-1", "q|s|1e3", "x|s|1"]
)
def test_garbled_callback_data_decodes_to_a_press_the_engine_refuses(data: str | None) -> None:
    assert ButtonCodec().decode(data) == ButtonPress("?", 0)


def test_keyboard_rows_and_data() -> None:
    reply = Reply("Where?", ("Calf", "Thigh", "Foot", "Back", "Somewhere else entirely"), "q1")
    markup = keyboard(reply, ButtonCodec())
    rows = [[b.text for b in row] for row in markup.inline_keyboard]
    assert rows == [["Calf", "Thigh", "Foot"], ["Back", "Somewhere else entirely"]]
    data = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert data == [f"q|q1|{i}" for i in range(5)]
    wide = Reply("?", ("A rather long first label", "and a second long one"), "q2")
    assert len(keyboard(wide, ButtonCodec()).inline_keyboard) == 2
    codec = ButtonCodec()
    assert codec.markup(Reply("no buttons")) is None
    assert codec.markup(reply) is codec.markup(reply)  # built once per question
    assert json.loads(codec.markup(reply) or "") == markup.to_dict()  # what sendMessage takes


# Splitting ------------------------------------------------------------------------------------


def test_short_text_is_one_message() -> None:
    assert split_text("  hello  ") == ["hello"]
    assert split_text("") == []
    assert split_text(" \n ") == []


def test_split_prefers_paragraphs_then_lines_then_spaces() -> None:
    paragraph = "word " * 50
    text = "\n\n".join([paragraph.strip()] * 3)
    parts = split_text(text, limit=600)
    assert parts == ["\n\n".join([paragraph.strip()] * 2), paragraph.strip()]
    lines = "\n".join(["line number"] * 10)
    assert split_text(lines, limit=30) == ["line number\nline number"] * 5
    assert split_text("aaa bbb ccc", limit=7) == ["aaa bbb", "ccc"]


def test_split_cuts_a_word_longer_than_the_limit() -> None:
    assert split_text("x" * 10, limit=4) == ["xxxx", "xxxx", "xx"]


def test_split_counts_utf16_units_like_telegram() -> None:
    emoji = "💪" * 3000  # 2 UTF-16 units each: 6000 units
    parts = split_text(emoji)
    assert "".join(parts) == emoji
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert len(parts) == 2


def test_split_of_real_length_text_keeps_everything() -> None:
    text = "\n\n".join(f"Paragraph {n}. " + "Stretch and breathe. " * 30 for n in range(40))
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == text.split()  # every word kept, in order
    assert all(p.endswith("breathe.") for p in parts)  # cut at paragraph ends


# Logs -----------------------------------------------------------------------------------------


def test_secret_filter_redacts_message_args_and_traceback() -> None:
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "POST %s", (f"http://x/bot{TOKEN}/getMe",), None
    )
    SecretFilter([TOKEN]).filter(record)
    assert record.getMessage() == f"POST http://x/bot{REDACTED}/getMe"
    half = SecretFilter([TOKEN]).redact(TOKEN.split(":")[1])
    assert half == REDACTED


def test_the_token_never_reaches_caplog(caplog: pytest.LogCaptureFixture) -> None:
    undo = redact_secrets_in_logs(TOKEN, "webhook-secret-value")
    try:
        with caplog.at_level(logging.DEBUG):
            logging.getLogger("telegram.ext.ExtBot").debug("Set Bot API URL: http://a/bot%s", TOKEN)
            logging.getLogger("httpx").warning("HTTP Request: POST http://a/bot%s/getMe", TOKEN)
            logging.getLogger("bot").info("secret is webhook-secret-value")
            try:
                raise NetworkError(f"could not reach http://a/bot{TOKEN}/sendMessage")
            except NetworkError:
                logging.getLogger("bot.channels.telegram.relay").exception("failed")
    finally:
        undo()
    assert TOKEN.split(":")[1] not in caplog.text
    assert "webhook-secret-value" not in caplog.text
    assert caplog.text.count(REDACTED) == 4  # 3 messages and the exception text
    logging.getLogger("bot").warning("after undo %s", TOKEN)
    assert caplog.records[-1].getMessage().endswith(TOKEN)


def test_redaction_leaves_malformed_records_to_logging() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d", ("not a number",), None)
    assert SecretFilter([TOKEN]).filter(record)


# Ordering -------------------------------------------------------------------------------------


def _update(update_id: int, user_id: int) -> Update:
    user = User(user_id, "U", False)
    chat = Chat(user_id, Chat.PRIVATE)
    message = Message(update_id, None, chat, from_user=user, text=str(update_id))  # type: ignore[arg-type]
    return Update(update_id, message=message)


async def test_one_persons_updates_run_in_order_and_people_in_parallel() -> None:
    locks = KeyedLocks()
    order = PerUserOrder(locks, max_concurrent_updates=64)
    log: list[tuple[str, int, int]] = []

    async def work(user: int, n: int) -> None:
        log.append(("start", user, n))
        await asyncio.sleep(0.02 if n % 2 == 0 else 0.001)
        log.append(("end", user, n))

    async with order:
        tasks = [
            asyncio.create_task(order.process_update(_update(10 * n + u, u), work(u, n)))
            for n in range(5)
            for u in (1, 2, 3)
        ]
        await asyncio.gather(*tasks)
    for user in (1, 2, 3):
        mine = [(kind, n) for kind, u, n in log if u == user]
        assert mine == [(kind, n) for n in range(5) for kind in ("start", "end")]
    first_three = [(kind, u) for kind, u, _ in log[:3]]
    assert first_three == [("start", 1), ("start", 2), ("start", 3)]  # not one after another
    assert len(locks) == 0  # idle locks are dropped


async def test_updates_without_a_person_are_not_serialised() -> None:
    order = PerUserOrder(KeyedLocks())
    ran: list[int] = []

    async def work() -> None:
        ran.append(1)

    async with order:
        await order.process_update(object(), work())
    assert ran == [1]


# Retries --------------------------------------------------------------------------------------


class Scripted(BaseRequest):
    """Answers do_request from a script of (status, body) or exceptions."""

    def __init__(self, script: list[Any]) -> None:
        self.script = script
        self.urls: list[str] = []

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        self.urls.append(url)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        code, body = step
        return code, body


OK = (200, b'{"ok": true, "result": true}')


async def _no_sleep(_: float) -> None:
    await asyncio.sleep(0)


async def test_retries_timeouts_network_errors_and_5xx(caplog: pytest.LogCaptureFixture) -> None:
    inner = Scripted([TimedOut(), NetworkError("reset"), (502, b"{}"), OK])
    request = RetryingRequest(inner, attempts=5, sleep=_no_sleep)
    url = f"http://x/bot{TOKEN}/sendMessage"
    assert await request.post(url) is True
    assert len(inner.urls) == 4
    assert "sendMessage failed" in caplog.text
    assert TOKEN not in caplog.text  # only the endpoint is named


async def test_gives_up_after_the_last_attempt() -> None:
    request = RetryingRequest(Scripted([TimedOut()] * 3), attempts=3, sleep=_no_sleep)
    with pytest.raises(TimedOut):
        await request.post("http://x/bot1:a/getMe")
    request = RetryingRequest(Scripted([(500, b"{}")] * 2), attempts=2, sleep=_no_sleep)
    with pytest.raises(NetworkError):
        await request.post("http://x/bot1:a/getMe")


@pytest.mark.parametrize("code", [400, 403, 429])
async def test_4xx_are_not_retried_here(code: int) -> None:
    body = b'{"ok": false, "description": "no", "parameters": {"retry_after": 1}}'
    inner = Scripted([(code, body), OK])
    with pytest.raises(Exception):  # noqa: B017  (BadRequest, Forbidden or RetryAfter)
        await RetryingRequest(inner, sleep=_no_sleep).post("http://x/bot1:a/sendMessage")
    assert len(inner.urls) == 1


async def test_back_off_doubles_up_to_the_cap() -> None:
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    inner = Scripted([(500, b"{}")] * 5 + [OK])
    request = RetryingRequest(inner, attempts=6, first_delay=1, max_delay=4, sleep=sleep)
    await request.post("http://x/bot1:a/getMe")
    bases = [1, 2, 4, 4, 4]
    assert all(b <= p <= b * 1.25 for b, p in zip(bases, pauses, strict=True))


# URLs -----------------------------------------------------------------------------------------


def test_api_urls() -> None:
    assert api_url("http://127.0.0.1:8081", "bot") == "http://127.0.0.1:8081/bot"
    assert api_url("http://127.0.0.1:8081/", "file/bot") == "http://127.0.0.1:8081/file/bot"
    assert api_url("http://h/bot", "bot") == "http://h/bot"
    assert api_url("http://h/x{token}/", "bot") == "http://h/x{token}/"


def test_webhook_url_ends_in_the_route() -> None:
    settings = Settings(telegram_token=TOKEN, webhook_url="https://coach.example.org/")
    assert webhook_url(settings) == f"https://coach.example.org/{settings.webhook_route}"
    assert TOKEN not in webhook_url(settings)
    same = Settings(webhook_url="https://c.example/hook", webhook_path="/hook")
    assert webhook_url(same) == "https://c.example/hook"


def test_replies_without_buttons_join_the_next_while_they_fit() -> None:
    question = Reply("Where?", ("Calf",), "ask")
    assert merged([Reply("Passed."), question]) == [Reply("Passed.\n\nWhere?", ("Calf",), "ask")]
    assert merged([question, Reply("Later.")]) == [question, Reply("Later.")]
    long = Reply("x" * 4090)
    assert merged([long, question]) == [long, question]
    assert merged([]) == []
    wordy = Reply(" ".join(["word"] * 90))
    assert merged([wordy, question]) == [wordy, question]  # 91 words together: apart
    assert len(merged([Reply(" ".join(["word"] * 89)), question])) == 1  # 90: one message


async def test_a_backlog_from_one_person_does_not_hold_up_the_others() -> None:
    order = PerUserOrder(KeyedLocks(), max_concurrent_updates=2)
    gate = asyncio.Event()
    done: list[int] = []

    async def slow(user: int) -> None:
        await gate.wait()
        done.append(user)

    async def quick(user: int) -> None:
        done.append(user)

    async with order:
        backlog = [
            asyncio.create_task(order.process_update(_update(n, 1), slow(1))) for n in range(5)
        ]
        await asyncio.sleep(0.01)
        other = asyncio.create_task(order.process_update(_update(99, 2), quick(2)))
        await asyncio.wait_for(other, timeout=2)  # not stuck behind person 1's five updates
        gate.set()
        await asyncio.gather(*backlog)
    assert done[0] == 2


async def test_the_turn_takes_the_lock_the_update_already_holds() -> None:
    """One lock per person: the service's hold inside the adapter's is the same lock, held
    once more by the same task, not a second lock (and no deadlock)."""
    locks = KeyedLocks()
    order = PerUserOrder(locks)
    held: list[int] = []

    async def turn() -> None:  # what Service.handle does with the same locks
        async with locks.hold(1):
            held.append(len(locks))

    async with order:
        await asyncio.wait_for(order.process_update(_update(1, 1), turn()), timeout=2)
    assert held == [1]  # one person, one lock
    assert len(locks) == 0


# Public python-telegram-bot names only ---------------------------------------------------------


async def test_send_text_goes_through_the_public_do_api_request() -> None:
    requests: list[tuple[str, Any, Any]] = []

    class RecordingBot(ReplyBot):
        """A ReplyBot whose do_api_request records instead of calling Telegram."""

        async def do_api_request(
            self, endpoint: str, api_kwargs: Any = None, return_type: Any = None, **more: Any
        ) -> Any:
            requests.append((endpoint, api_kwargs, return_type))
            return True

    bot = RecordingBot(TOKEN)
    await bot.send_text(7, "hello", '{"inline_keyboard": []}')
    await bot.send_text(7, "plain")
    markup = '{"inline_keyboard": []}'
    assert requests == [
        (SEND_MESSAGE, {"chat_id": 7, "text": "hello", "reply_markup": markup}, None),
        (SEND_MESSAGE, {"chat_id": 7, "text": "plain"}, None),
    ]  # return_type None: Telegram's answer is not parsed into a Message
    # Telegram reads method names case-insensitively; this spelling is no Bot attribute,
    # so do_api_request has no reason to warn "use Bot.send_message".
    assert SEND_MESSAGE.lower() == "sendmessage" and not hasattr(bot, SEND_MESSAGE)


def _private_uses(tree: ast.AST) -> list[str]:
    """`x._name` where x is not self/cls, `self._name` where the class itself does not
    define `_name`, and imports of python-telegram-bot's private modules."""
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("telegram"):
            if any(part.startswith("_") for part in node.module.split(".")):
                found.append(f"from {node.module} import ...")
            found.extend(f"import {a.name}" for a in node.names if a.name.startswith("_"))
        if not isinstance(node, ast.ClassDef):
            continue
        own = {
            n.name for n in ast.walk(node) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        for n in ast.walk(node):
            if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store):
                own.add(n.attr)
        for n in ast.walk(node):
            if (
                isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name)
                and n.value.id in ("self", "cls")
                and n.attr.startswith("_")
                and not n.attr.startswith("__")
                and n.attr not in own
            ):
                found.append(f"{node.name}: self.{n.attr}")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            found.append(f"{ast.unparse(node)}")
    return found


def test_no_private_python_telegram_bot_name_is_used() -> None:
    """Every module of bot/ that imports python-telegram-bot uses only its public names:
    a private one (Bot._post, Application._x, telegram._utils) may change in a minor release."""
    checked = 0
    for path in sorted((ROOT / "bot").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        }
        if "telegram" in imports:
            checked += 1
            assert _private_uses(tree) == [], f"{path.relative_to(ROOT)}"
    assert checked >= 5


def test_the_scan_finds_a_private_call() -> None:
    source = """
from telegram.ext import ExtBot
class B(ExtBot):
    def __init__(self): self._mine = 1
    async def send(self):
        self._mine
        await self._post("sendMessage", {})
async def f(bot):
    await bot._do_post("x")
"""
    assert _private_uses(ast.parse(source)) == ["B: self._post", "bot._do_post"]


def test_every_text_the_adapter_says_is_in_the_shipped_content() -> None:
    texts = shipped_content().dialogue.texts
    for key, fields in NEEDS.texts.items():
        assert key in texts, key
        assert placeholders(texts.entries[key]) <= set(fields), key


def test_no_english_sentence_is_left_in_the_adapter() -> None:
    """What the adapter says to people comes from the YAML (contract.NEEDS)."""
    for path in sorted(Path(ROOT / "bot/channels/telegram").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for phrase in ("private chats", "I can only read", "edited messages", "Sorry,"):
            assert phrase not in _strings(source), (path.name, phrase)


def _strings(source: str) -> str:
    """Every string constant of a module that is not a docstring."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return "\n".join(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    )
