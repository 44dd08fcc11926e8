"""The one async seam: load session -> engine.step -> save -> act -> replies.

Adapters (Telegram, console) call `Service.handle` and render the Outcome.
Messages from one person are handled one at a time, in arrival order; the
session and whatever the turn recorded are saved in one transaction, so a
failure leaves the last committed state intact and the person gets an apology.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.config import Settings
from bot.content.loading import Content, load_content
from bot.core import engine
from bot.core.model import ButtonPress, Profile, Reply, Session
from bot.core.texts import Texts
from bot.errors import StoreError
from bot.service.charts import DAYS_SHOWN, history_chart, history_text, intake_chart
from bot.service.locks import KeyedLocks
from bot.service.reminders import Send, SweepReport, schedule_of, send_due
from bot.service.reminders import actions as hydration_actions
from bot.store.sqlite import Store, open_store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
STORE_APOLOGY = (
    "Sorry, I couldn't save that just now, so nothing changed. Please send it again in a "
    "moment. If it's an emergency, call your local emergency number."
)
ACTION_APOLOGY = (
    "Sorry, I couldn't finish that just now. Please try again in a moment; "
    "/reminders shows what is set."
)
#: The recurrence rules never look further back than this.
HISTORY_WINDOW = timedelta(days=90)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file for the person: the /history chart (photo) or the /export document."""

    kind: Literal["photo", "document"]
    filename: str
    data: bytes
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to send back for one incoming message, in order: replies, then attachments."""

    replies: tuple[Reply, ...]
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """What an action needs: the service, the person, their session after the turn, the time."""

    service: Service
    profile: Profile
    session: Session
    now: datetime


@dataclass(frozen=True, slots=True)
class ActionOutput:
    replies: tuple[Reply, ...] = ()
    attachments: tuple[Attachment, ...] = ()


#: A named effect a dialogue state asks for with `do:`; runs after the turn is saved.
Action = Callable[[ActionRequest], Awaitable[ActionOutput]]


async def history_action(request: ActionRequest) -> ActionOutput:
    """/history: the recent episodes as text, a chart of cramps per week by muscle, and a
    chart of the drinks logged with "I drank" (when there are any)."""
    store, user_id = request.service.store, request.profile.user_id
    episodes = await store.episodes(user_id)
    zone = schedule_of(request.profile).zone
    text = history_text(episodes, zone, request.now, request.service.content.dialogue.texts)
    attachments: list[Attachment] = []
    if episodes:
        chart = await asyncio.to_thread(history_chart, episodes, zone, request.now)
        attachments.append(Attachment("photo", "cramp-history.png", chart, "Cramps per week"))
    drinks = await store.intake(user_id, since=request.now - timedelta(days=DAYS_SHOWN + 1))
    if drinks:
        chart = await asyncio.to_thread(intake_chart, drinks, zone, request.now)
        attachments.append(Attachment("photo", "drinks.png", chart, "Drinks per day"))
    return ActionOutput((Reply(text),), tuple(attachments))


async def export_action(request: ActionRequest) -> ActionOutput:
    """/export: everything stored about the person, as a JSON document."""
    data = await request.service.store.export(request.profile.user_id)
    document = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    return ActionOutput(
        (Reply("Here is everything I keep about you, as JSON."),),
        (Attachment("document", "cramp-coach-data.json", document),),
    )


class Service:
    """Runs turns for every adapter. Create with `create_service` or directly for tests."""

    def __init__(
        self,
        content: Content,
        store: Store,
        *,
        clock: Clock = utc_now,
        idle_after: timedelta = timedelta(hours=3),
        locks: KeyedLocks | None = None,
    ) -> None:
        self.content = content
        self.store = store
        self.clock = clock
        self.idle_after = idle_after
        self.actions: dict[str, Action] = {"history": history_action, "export": export_action}
        self.actions.update(hydration_actions())
        self._locks = locks or KeyedLocks()  # shared with an adapter that orders updates

    async def handle(
        self,
        user_id: int,
        text: str,
        *,
        button: ButtonPress | None = None,
        language: str | None = None,
    ) -> Outcome:
        """Handle one message (text, or a command such as "/start") or one button press.

        Never raises for bad input; a store failure yields an apology Outcome.
        """
        try:
            async with self._locks.hold(user_id):
                return await self._handle(user_id, text, button, language)
        except StoreError:
            log.exception("store failure for a turn; nothing was saved")
            return Outcome((Reply(STORE_APOLOGY),))

    async def _handle(
        self, user_id: int, text: str, button: ButtonPress | None, language: str | None
    ) -> Outcome:
        now = self.clock()
        content = self.content
        session, profile = await self.store.load_person(user_id)
        session = session or Session(user_id, content.dialogue.start)
        new_profile = None
        if profile is None:
            plan = self.content.plan
            profile = new_profile = Profile(
                user_id,
                first_seen=now,
                language=language,
                quiet_start=plan.quiet_start,
                quiet_end=plan.quiet_end,
            )
        elif not profile.active:
            profile = new_profile = replace(profile, active=True)
        # Only a turn that logs a cramp reads the history (for the recurrence rules),
        # but which turn that is only the engine knows. The store keeps the window
        # cached, so asking every turn costs a query only for someone not seen lately.
        history = await self.store.episodes(user_id, since=now - HISTORY_WINDOW)
        turn = engine.step(
            content.dialogue,
            session,
            text,
            matcher=content.matcher,
            now=now,
            button=button,
            history=history,
            rules=content.rules,
            idle_after=self.idle_after,
        )
        if turn.red_flags:
            log.warning("red flag escalated: %s", ", ".join(turn.red_flags))
        actions = [name for _, name in turn.actions]
        if "forget" in actions:
            await self.store.forget(user_id)
        else:
            await self.store.save_turn(turn.session, episode=turn.episode, profile=new_profile)
        return await self._render(turn, profile, now)

    async def _render(self, turn: engine.Turn, profile: Profile, now: datetime) -> Outcome:
        """Insert each action's output where the dialogue placed it."""
        replies = list(turn.replies)
        attachments: list[Attachment] = []
        request = ActionRequest(self, profile, turn.session, now)
        for position, name in sorted(turn.actions, key=lambda pair: pair[0], reverse=True):
            action = self.actions.get(name)
            if action is None:
                continue  # "forget" was carried out before saving
            try:
                output = await action(request)
            except StoreError:
                # The turn itself is saved; only this action's own writes failed.
                log.exception("action %r failed for a turn that was saved", name)
                output = ActionOutput((Reply(ACTION_APOLOGY),))
            replies[position:position] = output.replies
            attachments[:0] = output.attachments
        return Outcome(tuple(replies), tuple(attachments))

    def texts(self, language: str | None = None) -> Texts:
        """What the bot says outside the dialogue's states, in `language` where it has it."""
        return self.content.dialogue.texts

    def takes_numbers(self, state: str) -> bool:
        """Whether a bare number answers the question asked in `state` (0-10, minutes...)."""
        return engine.takes_numbers(self.content.dialogue, self.content.matcher, state)

    async def current_question(self, user_id: int) -> Reply | None:
        """The question this person was last asked, to show again after a restart."""
        session = await self.store.load_session(user_id)
        if session is None:
            return None
        return engine.current_question(self.content.dialogue, self.content.matcher, session)

    async def mark_inactive(self, user_id: int) -> None:
        """The person blocked the bot: send them nothing more until they write again.

        Their reminders stop for good: coming back does not restart them unasked.
        """
        await self.store.set_active(user_id, False)
        await self.store.stop_reminders(user_id)

    async def send_due(
        self, now: datetime, send: Send, *, limit: int = 500, only_user: int | None = None
    ) -> SweepReport:
        """Send the reminders due at `now` through `send`, and record them (the sweep)."""
        return await send_due(self, now, send, limit=limit, only_user=only_user)

    async def close(self) -> None:
        await self.store.close()


async def create_service(settings: Settings, *, clock: Clock = utc_now) -> Service:
    """Load and check the content, open the database, and return a ready Service."""
    content = load_content(settings.dialogues_dir, settings.data_dir)
    store = await open_store(settings)
    return Service(content, store, clock=clock, idle_after=settings.idle_resume_after)
