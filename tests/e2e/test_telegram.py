"""End to end: the real Application over HTTP against the fake Bot API server.

The service here is a small scripted stand-in (ScriptedService), so these tests pin down what the
adapter does; tests/test_telegram_real.py runs the real service through the same adapter.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from bot.channels.telegram.application import Telegram, build_application, running
from bot.channels.telegram.contract import COMMANDS, ChatService
from bot.channels.telegram.redaction import REDACTED, redact_secrets_in_logs
from bot.channels.telegram.requests import Delivery
from bot.config import Settings
from bot.core.model import ButtonPress, Reply
from bot.core.texts import Texts
from bot.service import Attachment, KeyedLocks, Outcome
from bot.store import MemoryStore
from tests.helpers.fake_bot_api import (
    TEST_TOKEN,
    FakeBotApi,
    fast_delivery,
    settings_for,
    webhook_settings,
    webhook_update,
)
from tests.helpers.shipped import shipped_content

FAST = fast_delivery(read_timeout=0.5)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
QUESTIONS = {
    "where": Reply("Where is the cramp?", ("Calf", "Thigh", "Foot"), "where"),
    "how_long": Reply("How long did it last?", ("< 1 min", "1-10 min", "longer"), "how_long"),
}
NEXT = {"where": "how_long", "how_long": "done"}
TEXTS = shipped_content().dialogue.texts
APOLOGY = TEXTS.say("retrying")
TEXT_ONLY = TEXTS.say("text_only")
EDITS_NOT_READ = TEXTS.say("edits_not_read")


class ScriptedService:
    """A stand-in for bot.service.Service with a two-question dialogue and a few triggers."""

    def __init__(self) -> None:
        self.state: dict[int, str] = {}
        self.calls: list[tuple[int, str, ButtonPress | None, str | None]] = []
        self.inactive: list[int] = []
        self.languages: list[str | None] = []
        self.delay = 0.0
        self.started = asyncio.Event()

    async def handle(
        self,
        user_id: int,
        text: str,
        *,
        button: ButtonPress | None = None,
        language: str | None = None,
    ) -> Outcome:
        self.calls.append((user_id, text, button, language))
        self.started.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        current = self.state.get(user_id)
        if button is not None:
            if button.state != current or current not in QUESTIONS:
                return Outcome((Reply("That question has passed."), *self._ask(user_id)))
            chosen = QUESTIONS[current].buttons[button.index]
            return self._advance(user_id, f"Noted: {chosen}.")
        if text == "boom":
            raise RuntimeError("the scripted service fails on purpose")
        if "chest pain" in text:
            return Outcome((Reply("Chest pain can be an emergency: call 112 now."),))
        if text in ("/start", "/cramp"):
            self.state[user_id] = "where"
            return Outcome(self._ask(user_id))
        if text == "/history":
            chart = Attachment("photo", "history.png", PNG, "Cramps per week")
            return Outcome((Reply("Your cramps so far:"),), (chart,))
        if text == "/export":
            export = Attachment("document", "export.json", b'{"episodes": []}', "Your data")
            return Outcome((), (export,))
        if text == "long":
            paragraph = "Stretch the muscle gently and hold it for thirty seconds. " * 10
            return Outcome((Reply("\n\n".join([paragraph.strip()] * 12), ("OK",), "long"),))
        if text == "two":
            return Outcome((Reply("first"), Reply("second")))
        return Outcome((Reply(f"You said: {text}"),))

    async def mark_inactive(self, user_id: int) -> None:
        self.inactive.append(user_id)

    def texts(self, language: str | None = None) -> Texts:
        self.languages.append(language)
        return TEXTS

    def _ask(self, user_id: int) -> tuple[Reply, ...]:
        state = self.state.get(user_id)
        return (QUESTIONS[state],) if state in QUESTIONS else ()

    def _advance(self, user_id: int, note: str) -> Outcome:
        state = NEXT[self.state[user_id]]
        self.state[user_id] = state
        if state == "done":
            return Outcome((Reply(f"{note} Stretch gently and drink some water."),))
        return Outcome((Reply(note), *self._ask(user_id)))


@asynccontextmanager
async def bot_running(
    fake: FakeBotApi, service: ChatService, settings: Settings, delivery: Delivery = FAST
) -> AsyncIterator[Telegram]:
    telegram = build_application(settings, service, locks=KeyedLocks(), delivery=delivery)
    async with running(telegram, settings):
        yield telegram


@pytest.fixture
def service() -> ScriptedService:
    return ScriptedService()


@pytest.fixture
async def app(
    fake_bot_api: FakeBotApi, service: ScriptedService, tmp_path: Path
) -> AsyncIterator[Telegram]:
    async with bot_running(fake_bot_api, service, settings_for(fake_bot_api, tmp_path)) as app:
        yield app


async def settled(fake: FakeBotApi, app: Telegram) -> None:
    """Every pushed update fetched (polling) and fully handled."""
    await fake.wait_confirmed()
    await asyncio.wait_for(app.application.update_queue.join(), 5)


# A conversation ------------------------------------------------------------------------------


async def test_full_conversation_with_buttons(
    fake_bot_api: FakeBotApi, app: Telegram, service: ScriptedService
) -> None:
    fake = fake_bot_api
    mark = fake.push_text(1, "/start")
    question = await fake.wait_for("sendMessage", chat_id=1, after=mark)
    assert question.text == "Where is the cramp?"
    assert question.buttons == ["Calf", "Thigh", "Foot"]
    assert question.callback_data == ["q|where|0", "q|where|1", "q|where|2"]

    mark = fake.push_press(1, question, 0)
    await fake.wait_for("answerCallbackQuery", after=mark)
    edit = await fake.wait_for("editMessageReplyMarkup", after=mark)
    assert edit.json("message_id") == question.result["message_id"]
    assert not edit.json("reply_markup", {}).get("inline_keyboard")
    second = await fake.wait_for_text(1, "How long", after=mark)
    # A reply without buttons travels with the question after it, as one message.
    assert fake.texts(1, after=mark) == ["Noted: Calf.\n\nHow long did it last?"]
    assert service.calls[-1][1:3] == ("Calf", ButtonPress("where", 0))

    mark = fake.push_press(1, second, 2)
    done = await fake.wait_for_text(1, "Stretch gently", after=mark)
    assert done.text.startswith("Noted: longer.")
    assert done.buttons == []
    await settled(fake, app)
    answered = [c for c in fake.calls if c.method == "answerCallbackQuery"]
    assert len(answered) == 2  # every press answered


async def test_commands_published_at_start(fake_bot_api: FakeBotApi, app: Telegram) -> None:
    call = await fake_bot_api.wait_for("setMyCommands")
    assert [c["command"] for c in call.json("commands")] == list(COMMANDS)
    assert [c["description"] for c in call.json("commands")] == [
        TEXTS.say(f"command_{name}") for name in COMMANDS
    ]
    assert {"start", "help", "cramp", "history", "reminders", "forget", "export", "cancel"} == {
        c["command"] for c in call.json("commands")
    }
    assert not any(
        c.method == "deleteWebhook" and c.json("drop_pending_updates") for c in fake_bot_api.calls
    )


async def test_red_flag_mid_conversation_gets_the_emergency_reply_first(
    fake_bot_api: FakeBotApi, app: Telegram
) -> None:
    fake = fake_bot_api
    fake.push_text(1, "/start")
    await fake.wait_for_text(1, "Where is the cramp")
    mark = fake.push_text(1, "my calf hurts and I have chest pain")
    await fake.wait_for_text(1, "emergency", after=mark)
    await settled(fake, app)
    assert fake.texts(1, after=mark)[0].startswith("Chest pain can be an emergency")


async def test_stale_and_forged_buttons(
    fake_bot_api: FakeBotApi, app: Telegram, service: ScriptedService
) -> None:
    fake = fake_bot_api
    fake.push_text(1, "/start")
    first = await fake.wait_for_text(1, "Where is the cramp")
    mark = fake.push_press(1, first, 1)
    await fake.wait_for_text(1, "How long", after=mark)

    mark = fake.push_press(1, first, 2)  # a button from the old message
    await fake.wait_for_text(1, "has passed", after=mark)
    reask = await fake.wait_for_text(1, "How long", after=mark)
    assert reask.buttons == ["< 1 min", "1-10 min", "longer"]

    for forged in ["garbage", "q|how_long|999999", "q||1", "h|unknownhash|0", "", "q|x|-1"]:
        mark = fake.push_callback(1, forged, message=first)
        await fake.wait_for("answerCallbackQuery", after=mark)
        await fake.wait_for_text(1, "has passed", after=mark)
    await settled(fake, app)
    assert [c[2] for c in service.calls[-6:]] == [ButtonPress("?", 0)] * 6
    assert service.state[1] == "how_long"  # nothing forged moved the dialogue


async def test_people_are_kept_apart_and_each_in_order(
    fake_bot_api: FakeBotApi, app: Telegram, service: ScriptedService
) -> None:
    fake = fake_bot_api
    service.delay = 0.05
    for n in range(5):
        fake.push_text(1, f"a{n}")
        fake.push_text(2, f"b{n}")
    await settled(fake, app)
    assert fake.texts(1) == [f"You said: a{n}" for n in range(5)]
    assert fake.texts(2) == [f"You said: b{n}" for n in range(5)]


class SideBySide(MemoryStore):
    """A store whose transactions run side by side, as PostgreSQL's do (a connection each,
    a lock per person). MemoryStore's, like SQLite's, run one at a time (one writer)."""

    @asynccontextmanager
    async def transaction(self, user_id: int | None = None) -> AsyncIterator[None]:
        yield


async def test_different_people_run_concurrently(
    fake_bot_api: FakeBotApi, service: ScriptedService, tmp_path: Path
) -> None:
    fake = fake_bot_api
    service.delay = 0.3
    settings = settings_for(fake, tmp_path)
    telegram = build_application(
        settings, service, locks=KeyedLocks(), store=SideBySide(), delivery=FAST
    )
    async with running(telegram, settings):
        loop = asyncio.get_running_loop()
        start = loop.time()
        for user in range(10, 20):
            fake.push_text(user, "hello")
        await settled(fake, telegram)
        assert len(fake.texts()) == 10
        assert loop.time() - start < 2.0  # ten people, 0.3 s each: well under 3 s in series


# Other kinds of update ------------------------------------------------------------------------


async def test_groups_spoken_to_get_the_private_only_message(
    fake_bot_api: FakeBotApi, app: Telegram, service: ScriptedService
) -> None:
    fake = fake_bot_api
    fake.push_group_text(-100, 1, "/start")
    fake.push_group_text(-1001, 2, "@cramp_coach_bot I have a cramp", chat_type="supergroup")
    fake.push_group_text(-1003, 3, "anyone up for a run?")  # chatter: no answer
    fake.push_channel_post(-1002, "cramps!")  # a channel post: no answer
    await settled(fake, app)
    for chat in (-100, -1001):
        (text,) = fake.texts(chat)
        assert "private chats" in text
        assert "https://t.me/cramp_coach_bot" in text
    assert fake.texts(-1003) == [] and fake.texts(-1002) == []
    assert service.calls == []  # nothing from a group reaches the service


async def test_non_text_messages_get_a_friendly_reply(
    fake_bot_api: FakeBotApi, app: Telegram, service: ScriptedService
) -> None:
    fake = fake_bot_api
    fake.push_sticker(1)
    fake.push_photo(1, caption="my calf")
    fake.push_media(1, "voice", {"file_id": "v", "file_unique_id": "v", "duration": 3})
    fake.push_media(1, "location", {"latitude": 52.5, "longitude": 13.4})
    fake.push_media(1, "contact", {"phone_number": "+100", "first_name": "Doc"})
    fake.push_media(1, "document", {"file_id": "d", "file_unique_id": "d"})
    await settled(fake, app)
    assert fake.texts(1) == [TEXT_ONLY] * 6
    assert service.calls == []


async def test_edited_message_is_not_read(
    fake_bot_api: FakeBotApi, app: Telegram, service: ScriptedService
) -> None:
    fake_bot_api.push_edited(1, "actually my thigh")
    await settled(fake_bot_api, app)
    assert fake_bot_api.texts(1) == [EDITS_NOT_READ]
    assert service.calls == []


async def test_long_reply_is_split_and_keyboard_sits_on_the_last_part(
    fake_bot_api: FakeBotApi, app: Telegram
) -> None:
    fake = fake_bot_api
    fake.push_text(1, "long")
    await settled(fake, app)
    parts = fake.sent(1)
    assert len(parts) >= 2
    assert all(len(p.text) <= 4096 for p in parts)
    assert all(p.text.endswith("seconds.") for p in parts)  # cut at paragraph boundaries
    assert [bool(p.buttons) for p in parts] == [False] * (len(parts) - 1) + [True]


async def test_attachments_go_out_as_photo_and_document(
    fake_bot_api: FakeBotApi, app: Telegram
) -> None:
    fake = fake_bot_api
    fake.push_text(1, "/history")
    fake.push_text(1, "/export")
    await settled(fake, app)
    sent = fake.sent(1)
    assert [c.method for c in sent] == ["sendMessage", "sendPhoto", "sendDocument"]
    assert sent[1].files["photo"] == ("history.png", PNG)
    assert sent[1].params["caption"] == "Cramps per week"
    assert sent[2].files["document"] == ("export.json", b'{"episodes": []}')


async def test_a_failing_service_gets_an_apology_and_polling_goes_on(
    fake_bot_api: FakeBotApi, app: Telegram, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_bot_api
    with caplog.at_level(logging.ERROR, logger="bot.channels.telegram"):
        fake.push_text(1, "boom")
        await fake.wait_for_text(1, "Sorry")
        fake.push_text(1, "still there?")
        await fake.wait_for_text(1, "You said: still there?")
    assert fake.texts(1) == [APOLOGY, "You said: still there?"]
    (record,) = [r for r in caplog.records if r.exc_info]
    assert "fails on purpose" in caplog.text
    assert "boom" not in record.getMessage()  # ids only: updates may hold health details


async def test_blocking_the_bot_in_private_marks_the_person_inactive(
    fake_bot_api: FakeBotApi, app: Telegram, service: ScriptedService
) -> None:
    member = {"user": {"id": 1, "is_bot": False, "first_name": "U"}, "until_date": 0}
    fake_bot_api.push_update(
        {
            "my_chat_member": {
                "chat": {"id": 1, "type": "private", "first_name": "U"},
                "from": {"id": 1, "is_bot": False, "first_name": "U"},
                "date": 0,
                "old_chat_member": {
                    "status": "member",
                    "user": {"id": 123456, "is_bot": True, "first_name": "Cramp Coach"},
                },
                "new_chat_member": {
                    "status": "kicked",
                    **member,
                    "user": {"id": 123456, "is_bot": True, "first_name": "Cramp Coach"},
                },
            }
        }
    )
    await settled(fake_bot_api, app)
    assert service.inactive == [1]
    assert fake_bot_api.sent() == []


# Faults ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["429", "500", "hang"])
async def test_transient_faults_are_retried_and_nothing_is_lost(
    fake_bot_api: FakeBotApi, app: Telegram, fault: str
) -> None:
    fake = fake_bot_api
    fake.fail("sendMessage", fault, times=1, retry_after=1, hang=3)  # type: ignore[arg-type]
    fake.push_text(1, "two")
    await fake.wait_for_text(1, "second", timeout=8)
    await settled(fake, app)
    attempts = [c for c in fake.calls if c.method == "sendMessage"]
    assert [c.fault for c in attempts] == [fault, None]
    assert fake.texts(1) == ["first\n\nsecond"]


async def test_repeated_5xx_are_retried_with_back_off(
    fake_bot_api: FakeBotApi, app: Telegram
) -> None:
    fake = fake_bot_api
    fake.fail("sendMessage", "500", times=3)
    fake.push_text(1, "hi")
    await fake.wait_for_text(1, "You said: hi")
    assert [c.fault for c in fake.calls if c.method == "sendMessage"] == ["500"] * 3 + [None]


async def test_forbidden_marks_inactive_and_sends_nothing_more(
    fake_bot_api: FakeBotApi, app: Telegram, service: ScriptedService
) -> None:
    fake = fake_bot_api
    fake.fail("sendMessage", "403")
    fake.push_text(1, "two")
    await settled(fake, app)
    assert service.inactive == [1]
    attempts = [c for c in fake.calls if c.method == "sendMessage"]
    assert [c.fault for c in attempts] == ["403"]  # "second" never attempted, no apology either


# Webhook --------------------------------------------------------------------------------------


async def test_webhook_checks_the_secret(
    fake_bot_api: FakeBotApi, service: ScriptedService, tmp_path: Path
) -> None:
    fake = fake_bot_api
    settings = webhook_settings(fake, tmp_path, "s3cret-Value_1")
    update = webhook_update(7, 5, "hello by webhook")
    url = f"http://127.0.0.1:{settings.port}/{settings.webhook_route}"
    async with bot_running(fake, service, settings) as app, aiohttp.ClientSession() as http:
        set_webhook = await fake.wait_for("setWebhook")
        assert set_webhook.params["url"] == url
        assert set_webhook.params["secret_token"] == "s3cret-Value_1"
        assert not any(c.method == "getUpdates" for c in fake.calls)

        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 403
        await asyncio.sleep(0.1)
        assert service.calls == []

        headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Value_1"}
        async with http.post(url, json=update, headers=headers) as response:
            assert response.status == 200
        await fake.wait_for_text(5, "You said: hello by webhook")
        await asyncio.wait_for(app.application.update_queue.join(), 5)
    assert [c[:2] for c in service.calls] == [(5, "hello by webhook")]


# Shutdown and logs ----------------------------------------------------------------------------


async def test_stopping_finishes_the_update_in_flight(
    fake_bot_api: FakeBotApi, service: ScriptedService, tmp_path: Path
) -> None:
    fake = fake_bot_api
    service.delay = 0.5
    async with bot_running(fake, service, settings_for(fake, tmp_path)):
        fake.push_text(1, "slow one")
        await asyncio.wait_for(service.started.wait(), 5)
    assert fake.texts(1) == ["You said: slow one"]
    assert fake.pending_updates == []  # confirmed before exit: not handled twice


async def test_pending_updates_are_not_dropped(
    fake_bot_api: FakeBotApi, service: ScriptedService, tmp_path: Path
) -> None:
    fake = fake_bot_api
    fake.push_text(1, "sent while the bot was down")
    async with bot_running(fake, service, settings_for(fake, tmp_path)):
        await fake.wait_for_text(1, "sent while the bot was down")


async def test_the_token_never_reaches_the_logs(
    fake_bot_api: FakeBotApi,
    service: ScriptedService,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_bot_api
    undo = redact_secrets_in_logs(TEST_TOKEN)
    try:
        with caplog.at_level(logging.DEBUG):
            async with bot_running(fake, service, settings_for(fake, tmp_path)):
                fake.fail("sendMessage", "500")
                fake.push_text(1, "hello")
                await fake.wait_for_text(1, "You said: hello")
    finally:
        undo()
    secret_half = TEST_TOKEN.split(":", 1)[1]
    assert caplog.records
    assert secret_half not in caplog.text
    assert REDACTED in caplog.text  # python-telegram-bot logs its base URL at DEBUG


async def test_the_application_keeps_no_state_of_ours(
    fake_bot_api: FakeBotApi, app: Telegram
) -> None:
    fake_bot_api.push_text(1, "/start")
    await settled(fake_bot_api, app)
    assert app.application.bot_data == {}  # what the adapter needs, it was given
    assert app.application.post_init is None and app.application.post_shutdown is None


async def test_notices_are_said_in_the_language_of_the_person(
    fake_bot_api: FakeBotApi, app: Telegram, service: ScriptedService
) -> None:
    fake_bot_api.push_text(1, "boom", language="de")  # fails: the apology is a text
    await fake_bot_api.wait_for_text(1, "Sorry")
    assert service.languages[-1] == "de"  # the sender's language_code, for service.texts
