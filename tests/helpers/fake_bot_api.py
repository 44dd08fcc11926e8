"""A fake Telegram Bot API server on 127.0.0.1, for end-to-end tests of the adapter.

    test ──push_text / push_press / push_update──▶ FakeBotApi ◀──getUpdates── bot under test
    test ◀──wait_for("sendMessage", ...)────────── FakeBotApi ◀──sendMessage── bot under test

It serves /bot<token>/<method> for the methods the adapter uses, records every call (`calls`),
keeps updates until a getUpdates offset confirms them (so a killed bot sees them again), and
answers long polls as soon as an update is pushed. Like Telegram, it reads method names
case-insensitively ("sendmessage" is sendMessage) and records each under its canonical
name. Faults are injected per method:

    fake.fail("sendMessage", "429", times=1, retry_after=1)   # Too Many Requests
    fake.fail("sendMessage", "500")                           # Internal Server Error
    fake.fail("sendMessage", "403")                           # bot was blocked by the user
    fake.fail("sendMessage", "hang", hang=30)                 # no answer until the client gives up

Use it as `async with FakeBotApi(token) as fake:`; `fake.base_url` is TELEGRAM_API_BASE_URL.
`settings_for(fake, tmp_path)` and `fast_delivery()` set a bot up to talk to it quickly;
`webhook_settings` and `webhook_update` do the same for webhook mode, on a `free_port()`.
`WebhookSender(fake, urls, secret)` posts the queued updates to a bot's webhook (or to
several, like a load balancer) the way Telegram does: again and again until answered 200.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import socket
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import aiohttp
from aiohttp import web

from bot.channels.telegram.requests import Delivery
from bot.config import Settings

Fault = Literal["429", "500", "403", "hang"]
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Cramp Coach",
    "username": "cramp_coach_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    """One request the bot made. `params` are the raw form fields; JSON ones via `json()`."""

    index: int
    method: str
    params: dict[str, str]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    fault: Fault | None = None
    result: Any = None

    def json(self, name: str, default: Any = None) -> Any:
        raw = self.params.get(name)
        if raw is None:
            return default
        try:
            return json.loads(raw)
        except ValueError:
            return raw

    @property
    def chat_id(self) -> int | None:
        value = self.json("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return self.params.get("text") or self.params.get("caption") or ""

    @property
    def buttons(self) -> list[str]:
        return [b["text"] for row in self._keyboard() for b in row]

    @property
    def callback_data(self) -> list[str]:
        return [b.get("callback_data", "") for row in self._keyboard() for b in row]

    @property
    def delivered(self) -> bool:
        return self.fault is None

    def _keyboard(self) -> list[list[dict[str, Any]]]:
        markup = self.json("reply_markup") or {}
        rows: list[list[dict[str, Any]]] = markup.get("inline_keyboard", [])
        return rows


class FakeBotApi:
    """The fake server. One instance per test; every method is safe to call from the test."""

    def __init__(self, token: str = "123456:TEST-token-0123456789abcdefghij") -> None:
        self.token = token
        self.calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = itertools.count(1)
        self._last_pushed_id = 0
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._sent: dict[tuple[int, int], dict[str, Any]] = {}
        self._faults: dict[str, deque[tuple[Fault, float, float]]] = {}
        self._changed = asyncio.Event()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.confirmed_offset = 0
        self._spellings: dict[str, str] | None = None  # method.lower() -> method

    # Life cycle -------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeBotApi:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._serve)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing.set()
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # Pushing updates --------------------------------------------------------------------------

    def push_update(self, update: Mapping[str, Any]) -> int:
        """Queue a raw update (update_id added). Returns the call index to wait after."""
        self._last_pushed_id = next(self._next_update_id)
        self._updates.append({"update_id": self._last_pushed_id, **update})
        self._notify()
        return len(self.calls)

    def continue_after(self, update_id: int) -> None:
        """Hand out update ids above `update_id` from now on, as Telegram does after the
        updates a test wrote into the database itself: a later update has a larger id."""
        self._next_update_id = itertools.count(max(update_id, self._last_pushed_id) + 1)

    def push_text(self, user_id: int, text: str, *, language: str = "en") -> int:
        message = self._incoming(user_id, text=text)
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        message["from"]["language_code"] = language
        return self.push_update({"message": message})

    def push_edited(self, user_id: int, text: str) -> int:
        message = self._incoming(user_id, text=text)
        message["edit_date"] = int(time.time())
        return self.push_update({"edited_message": message})

    def push_sticker(self, user_id: int) -> int:
        sticker = {
            "file_id": "sticker-1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self.push_update({"message": self._incoming(user_id, sticker=sticker)})

    def push_photo(self, user_id: int, caption: str | None = None) -> int:
        photo = [{"file_id": "photo-1", "file_unique_id": "p1", "width": 90, "height": 90}]
        extra: dict[str, Any] = {"photo": photo}
        if caption:
            extra["caption"] = caption
        return self.push_update({"message": self._incoming(user_id, **extra)})

    def push_media(self, user_id: int, kind: str, payload: Mapping[str, Any]) -> int:
        """Any other message kind: voice, video, location, contact, document..."""
        return self.push_update({"message": self._incoming(user_id, **{kind: dict(payload)})})

    def push_group_text(
        self, chat_id: int, user_id: int, text: str, chat_type: str = "group"
    ) -> int:
        message = self._incoming(user_id, text=text)
        message["chat"] = {"id": chat_id, "type": chat_type, "title": "Running club"}
        return self.push_update({"message": message})

    def push_channel_post(self, chat_id: int, text: str) -> int:
        message = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "channel", "title": "Cramp news"},
            "text": text,
        }
        return self.push_update({"channel_post": message})

    def push_press(self, user_id: int, message: Call, index: int) -> int:
        """Press button `index` of a message the bot sent (a recorded sendMessage call)."""
        data = message.callback_data[index]
        return self.push_callback(user_id, data, message=message)

    def push_callback(self, user_id: int, data: str, *, message: Call | None = None) -> int:
        """A callback query with any data (forged if you like) on a bot message."""
        query: dict[str, Any] = {
            "id": str(next(self._next_update_id) * 1000),
            "from": self._user(user_id),
            "chat_instance": f"ci-{user_id}",
            "data": data,
        }
        if message is not None and isinstance(message.result, dict):
            query["message"] = self._sent.get(
                (message.result["chat"]["id"], message.result["message_id"]), message.result
            )
        return self.push_update({"callback_query": query})

    # Waiting for the bot ----------------------------------------------------------------------

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        chat_id: int | None = None,
        after: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109  (a default per wait keeps tests short)
        delivered: bool = True,
    ) -> Call:
        """The first call of `method` at index >= `after` that matches; waits up to `timeout`."""

        def matches(call: Call) -> bool:
            return (
                call.method == method
                and (chat_id is None or call.chat_id == chat_id)
                and (not delivered or call.delivered)
                and (predicate is None or predicate(call))
            )

        try:
            async with asyncio.timeout(timeout):
                while True:
                    for call in self.calls[after:]:
                        if matches(call):
                            return call
                    await self._wait_change()
        except TimeoutError:
            seen = [(c.method, c.chat_id, c.text[:60], c.fault) for c in self.calls[after:]]
            raise AssertionError(
                f"no {method} (chat {chat_id}) within {timeout}s after call {after}; saw {seen}"
            ) from None

    async def wait_for_text(
        self,
        chat_id: int,
        contains: str,
        *,
        after: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Call:
        """The first message to `chat_id` whose text contains `contains` (case-insensitive)."""
        return await self.wait_for(
            "sendMessage",
            lambda c: contains.lower() in c.text.lower(),
            chat_id=chat_id,
            after=after,
            timeout=timeout,
        )

    async def wait_confirmed(
        self,
        update_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until a getUpdates offset confirms `update_id` (default: every pushed update).

        In polling mode the bot has then queued those updates for processing.
        """
        target = update_id if update_id is not None else self._last_pushed_id
        async with asyncio.timeout(timeout):
            while self.confirmed_offset <= target:
                await self._wait_change()

    async def settle(self, quiet: float = 0.2, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has made no call for `quiet` seconds."""
        async with asyncio.timeout(timeout):
            while True:
                count = len(self.calls)
                await asyncio.sleep(quiet)
                if len(self.calls) == count:
                    return

    def sent(self, chat_id: int | None = None, *, after: int = 0) -> list[Call]:
        """Delivered messages, photos and documents (to `chat_id`), in order."""
        kinds = {"sendMessage", "sendPhoto", "sendDocument"}
        return [
            c
            for c in self.calls[after:]
            if c.method in kinds and c.delivered and (chat_id is None or c.chat_id == chat_id)
        ]

    def texts(self, chat_id: int | None = None, *, after: int = 0) -> list[str]:
        return [c.text for c in self.sent(chat_id, after=after)]

    def mark(self) -> int:
        return len(self.calls)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return [u for u in self._updates if u["update_id"] >= self.confirmed_offset]

    # Faults -----------------------------------------------------------------------------------

    def fail(
        self, method: str, fault: Fault, *, times: int = 1, retry_after: float = 1, hang: float = 30
    ) -> None:
        """The next `times` calls of `method` fail with `fault`."""
        queue = self._faults.setdefault(method, deque())
        queue.extend([(fault, retry_after, hang)] * times)

    # The server -------------------------------------------------------------------------------

    async def _serve(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = self._canonical(request.match_info["method"])
        params, files = await _read_params(request)
        call = Call(len(self.calls), method, params, files)
        queue = self._faults.get(method)
        if queue:
            fault, retry_after, hang = queue.popleft()
            call.fault = fault
            self._record(call)
            return await self._faulty(fault, retry_after, hang)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            self._record(call)
            return _error(404, "Not Found: method not found")
        if method == "getUpdates":
            result = await handler(call)  # records itself, after the long poll
        else:
            call.result = handler(call)
            self._record(call)
            result = call.result
        return web.json_response({"ok": True, "result": result})

    def _canonical(self, method: str) -> str:
        """The method's documented spelling: the Bot API ignores case in method names."""
        if self._spellings is None:
            found = (name[3:] for name in dir(self) if name.startswith("_m_"))
            self._spellings = {name.lower(): name for name in found}
        return self._spellings.get(method.lower(), method)

    async def _faulty(self, fault: Fault, retry_after: float, hang: float) -> web.Response:
        if fault == "429":
            return _error(
                429,
                f"Too Many Requests: retry after {int(retry_after)}",
                {"retry_after": int(retry_after)},
            )
        if fault == "500":
            return _error(500, "Internal Server Error")
        if fault == "403":
            return _error(403, "Forbidden: bot was blocked by the user")
        try:
            async with asyncio.timeout(hang):
                await self._closing.wait()
        except TimeoutError:
            pass
        return _error(500, "Internal Server Error: gave up hanging")

    async def _file(self, request: web.Request) -> web.Response:
        return _error(404, "Not Found: file")

    def _record(self, call: Call) -> None:
        call.index = len(self.calls)
        self.calls.append(call)
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_change(self) -> None:
        await self._changed.wait()

    # Bot API methods ---------------------------------------------------------------------------

    def _m_getMe(self, call: Call) -> Any:
        return BOT_USER

    async def _m_getUpdates(self, call: Call) -> Any:
        offset = int(call.json("offset", 0) or 0)
        limit = int(call.json("limit", 100) or 100)
        timeout = float(call.json("timeout", 0) or 0)
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._record(call)
        deadline = asyncio.get_running_loop().time() + timeout
        while not self._closing.is_set():
            ready = [u for u in self._updates if u["update_id"] >= offset][:limit]
            remaining = deadline - asyncio.get_running_loop().time()
            if ready or remaining <= 0:
                call.result = ready
                return ready
            try:
                async with asyncio.timeout(remaining):
                    await self._wait_change()
            except TimeoutError:
                pass
        return []

    def _m_sendMessage(self, call: Call) -> Any:
        return self._outgoing(call, text=call.params.get("text", ""))

    def _m_sendPhoto(self, call: Call) -> Any:
        photo = [{"file_id": "sent-photo", "file_unique_id": "sp", "width": 640, "height": 480}]
        return self._outgoing(call, photo=photo, caption=call.params.get("caption"))

    def _m_sendDocument(self, call: Call) -> Any:
        name = call.files["document"][0] if "document" in call.files else "file"
        document = {"file_id": "sent-doc", "file_unique_id": "sd", "file_name": name}
        return self._outgoing(call, document=document, caption=call.params.get("caption"))

    def _m_editMessageText(self, call: Call) -> Any:
        message = self._edit(call)
        if message is not None:
            message["text"] = call.params.get("text", "")
        return message or True

    def _m_editMessageReplyMarkup(self, call: Call) -> Any:
        return self._edit(call) or True

    def _m_answerCallbackQuery(self, call: Call) -> Any:
        return True

    def _m_sendChatAction(self, call: Call) -> Any:
        return True

    def _m_setMyCommands(self, call: Call) -> Any:
        return True

    def _m_deleteWebhook(self, call: Call) -> Any:
        return True

    def _m_setWebhook(self, call: Call) -> Any:
        return True  # tests read the call itself (url, secret_token)

    # Building objects -------------------------------------------------------------------------

    def _user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}

    def _incoming(self, user_id: int, **content: Any) -> dict[str, Any]:
        return {
            "message_id": self._next_message_id(user_id),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": f"User{user_id}"},
            "from": self._user(user_id),
            **content,
        }

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _outgoing(self, call: Call, **content: Any) -> dict[str, Any]:
        chat_id = call.chat_id or 0
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": BOT_USER,
            **{k: v for k, v in content.items() if v is not None},
        }
        markup = call.json("reply_markup")
        if markup:
            message["reply_markup"] = markup
        self._sent[(chat_id, message["message_id"])] = message
        return message

    def _edit(self, call: Call) -> dict[str, Any] | None:
        chat_id, message_id = call.chat_id, call.json("message_id")
        if chat_id is None or message_id is None:
            return None
        message = self._sent.get((chat_id, int(message_id)))
        if message is None:
            return None
        markup = call.json("reply_markup")
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message


async def _read_params(request: web.Request) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    params: dict[str, str] = dict(request.query)
    files: dict[str, tuple[str, bytes]] = {}
    if request.content_type == "application/json":
        body = await request.json()
        params.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()})
    elif request.can_read_body:
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, str):
                params[name] = value
            else:
                files[name] = (value.filename, value.file.read())
    for name, (filename, _) in files.items():
        params.setdefault(name, f"attach://{filename}")
    return params, files


def _error(
    code: int, description: str, parameters: Mapping[str, Any] | None = None
) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = dict(parameters)
    return web.json_response(body, status=code)


TEST_TOKEN = "123456:TEST-token-0123456789abcdefghij"


def settings_for(fake: FakeBotApi, tmp_path: Path, **changes: Any) -> Settings:
    """Settings for a bot that talks to `fake` and keeps its database in `tmp_path`."""
    values: dict[str, Any] = {
        "telegram_token": TEST_TOKEN,
        "telegram_api_base_url": fake.base_url,
        "database_url": f"sqlite:///{tmp_path / 'db.sqlite'}",
    }
    values.update(changes)
    return Settings(**values)


def fast_delivery(read_timeout: float = 1.0) -> Delivery:
    """How hard a bot under test tries: retries within hundredths of a second and a short
    long poll; `read_timeout` is how long a test lets one request wait for an answer."""
    return Delivery(
        attempts=4,
        first_delay=0.01,
        max_delay=0.05,
        read_timeout=read_timeout,
        rate_limit_retries=2,
        poll_timeout=1.0,
    )


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on just now, for the bot's own server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def webhook_settings(fake: FakeBotApi, tmp_path: Path, secret: str, **changes: Any) -> Settings:
    """settings_for in webhook mode: the bot listens on 127.0.0.1 at a free `settings.port`
    and registers that address with `fake`, with `secret` as the secret token."""
    port = free_port()
    return settings_for(
        fake,
        tmp_path,
        webhook_url=f"http://127.0.0.1:{port}",
        webhook_secret=secret,
        listen="127.0.0.1",
        port=port,
        **changes,
    )


def webhook_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """What Telegram posts to a webhook when `user_id` writes `text` in a private chat."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "W"},
            "text": text,
        },
    }


# Webhook mode: the fake posts updates to the bot the way Telegram does --------------------------


@dataclass
class WebhookStats:
    """What a WebhookSender did: posts made, 200s, posts that got no answer (refused, reset,
    timed out), other answers (403, 5xx...), and 200s posted again on purpose."""

    posts: int = 0
    ok: int = 0
    unanswered: int = 0
    rejected: int = 0
    resent: int = 0


class WebhookSender:
    """Telegram's side of a webhook, over a FakeBotApi's queued updates (`push_text` & co.):

        async with WebhookSender(fake, [url_a, url_b], secret, resend=0.05) as sender:
            fake.push_text(1, "hi")        # posted to url_a or url_b, with the secret header

    Each update is POSTed with X-Telegram-Bot-Api-Secret-Token until one post is answered
    200; a post that gets no answer (connection refused while the bot is down, a reset, a
    time-out) or another status is tried again after `retry_delay`, on the next URL (a load
    balancer taking a dead process out). Each chat's updates go in order, one at a time, at
    most `max_connections` at once (Telegram's default is 40). The first URL of each update
    is picked at random (`seed`); with probability `resend` an update answered 200 is
    posted once more at once, as Telegram does when it missed the answer. `stats` counts.
    Updates answered 200 leave the fake's queue; `pending` is what is left to deliver.
    """

    def __init__(
        self,
        fake: FakeBotApi,
        urls: list[str],
        secret: str,
        *,
        seed: int = 0,
        resend: float = 0.0,
        retry_delay: float = 0.2,
        timeout: float = 10.0,
        max_connections: int = 40,
    ) -> None:
        self.fake = fake
        self.urls = list(urls)
        self.secret = secret
        self.resend = resend
        self.retry_delay = retry_delay
        self.timeout = timeout
        self.max_connections = max_connections
        self.stats = WebhookStats()
        self._rng = random.Random(seed)
        self._busy: set[int] = set()
        self._due: dict[int, float] = {}  # update_id -> loop time of its next try
        self._target: dict[int, int] = {}  # update_id -> index of the URL to try next
        self._workers: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> WebhookSender:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        self._task = asyncio.create_task(self._run(), name="fake-webhook-sender")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        tasks = [t for t in (self._task, *self._workers) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()

    @property
    def pending(self) -> list[dict[str, Any]]:
        return list(self.fake._updates)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            waiting: set[int] = set()  # chats with an earlier update not yet delivered
            for update in list(self.fake._updates):
                chat = _chat_of(update)
                if chat in waiting or chat in self._busy:
                    waiting.add(chat)
                    continue
                waiting.add(chat)
                if self._due.get(update["update_id"], 0.0) > now:
                    continue
                if len(self._busy) >= self.max_connections:
                    break
                self._busy.add(chat)
                worker = asyncio.create_task(self._deliver(update, chat))
                self._workers.add(worker)
                worker.add_done_callback(self._workers.discard)
            try:
                async with asyncio.timeout(0.05):
                    await self.fake._wait_change()
            except TimeoutError:
                pass

    async def _deliver(self, update: dict[str, Any], chat: int) -> None:
        update_id = update["update_id"]
        index = self._target.get(update_id)
        if index is None:
            index = self._rng.randrange(len(self.urls))
        try:
            if await self._post(self.urls[index], update) == 200:
                self.stats.ok += 1
                self.fake._updates = [u for u in self.fake._updates if u["update_id"] != update_id]
                if self.resend and self._rng.random() < self.resend:
                    self.stats.resent += 1
                    again = self._rng.randrange(len(self.urls))
                    with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
                        await self._post(self.urls[again], update)
                return
            self.stats.rejected += 1
        except (aiohttp.ClientError, TimeoutError, OSError):
            self.stats.unanswered += 1
        finally:
            self._busy.discard(chat)
            self.fake._notify()
        self._target[update_id] = (index + 1) % len(self.urls)
        self._due[update_id] = asyncio.get_running_loop().time() + self.retry_delay

    async def _post(self, url: str, update: dict[str, Any]) -> int:
        assert self._http is not None, "use WebhookSender as `async with`"
        self.stats.posts += 1
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.secret}
        async with self._http.post(url, json=update, headers=headers) as response:
            await response.read()
            status: int = response.status
            return status


def _chat_of(update: Mapping[str, Any]) -> int:
    """The chat an update belongs to (0 when it names none)."""
    for kind in ("message", "edited_message", "channel_post"):
        if kind in update:
            return int(update[kind]["chat"]["id"])
    if "callback_query" in update:
        return int(update["callback_query"]["from"]["id"])
    return 0
