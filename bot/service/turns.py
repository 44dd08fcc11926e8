"""One turn: lock the person -> load -> engine.step -> save -> effects -> Outcome.

Adapters (Telegram, the console) call `Service.handle` and render the Outcome.
Messages from one person are handled one at a time, in arrival order (the per-person
lock may be shared with an adapter that orders updates earlier, bot/locks.py).
The session and whatever the turn recorded are saved in one transaction before any
effect runs, so a failure leaves the last committed state intact and the person gets
an apology. The person's language (Profile.language, from the first message) picks the
content they get: dialogue, words and texts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.content.loading import Library
from bot.core import answers, engine
from bot.core.contract import Needs
from bot.core.model import ButtonPress, Profile, Reply, Session
from bot.core.texts import Texts
from bot.errors import StoreError
from bot.locks import KeyedLocks
from bot.service.effects import EFFECTS
from bot.service.languages import language_replies
from bot.service.outcome import Attachment, Effect, EffectContext, EffectOutput, Outcome
from bot.store import Store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
#: The recurrence rules never look further back than this.
HISTORY_WINDOW = timedelta(days=90)
NEEDS = Needs(
    who="the turn (bot/service/turns.py)",
    texts={"store_apology": (), "effect_apology": ()},
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Service:
    """Runs turns for every adapter; given everything it uses by the composition root."""

    def __init__(
        self,
        library: Library,
        store: Store,
        *,
        clock: Clock = utc_now,
        idle_after: timedelta = timedelta(hours=3),
        locks: KeyedLocks | None = None,
        effects: Mapping[str, Effect] = EFFECTS,
    ) -> None:
        self.library = library
        self.store = store
        self.clock = clock
        self.idle_after = idle_after
        self.effects = effects
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
            return Outcome((Reply(self.texts(language).say("store_apology")),))

    async def _handle(
        self, user_id: int, text: str, button: ButtonPress | None, language: str | None
    ) -> Outcome:
        now = self.clock()
        # Only a turn that logs a cramp reads the history (for the recurrence rules),
        # but which turn that is only the engine knows, so every turn reads it, with
        # the person (Store.load_turn: SqliteStore from its cache, most turns;
        # PostgresStore in the same query).
        session, profile, history = await self.store.load_turn(user_id, since=now - HISTORY_WINDOW)
        new_profile = None
        if profile is None:
            plan = self.library.content(language).plan
            profile = new_profile = Profile(
                user_id,
                first_seen=now,
                language=language,
                quiet_start=plan.quiet_start,
                quiet_end=plan.quiet_end,
            )
        elif not profile.active:
            profile = new_profile = replace(profile, active=True)
        content = self.library.content(profile.language)
        session = session or Session(user_id, content.dialogue.start)
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
            alarms=content.alarms,
            reader=content.reader,
        )
        if turn.red_flags:
            log.warning("red flag escalated: %s", ", ".join(turn.red_flags))
        await self.store.save_turn(turn.session, episode=turn.episode, profile=new_profile)
        if turn.amended is not None:
            # A correction after the advice: the cramp stays logged once, as now told.
            await self.store.amend_episode(turn.amended)
        outcome = await self._effects(
            turn, EffectContext(self.store, content, profile, turn.session, now)
        )
        said = self._in_their_language(text, turn)
        return replace(outcome, replies=said + outcome.replies) if said else outcome

    def _in_their_language(self, text: str, turn: engine.Turn) -> tuple[Reply, ...]:
        """The emergency reply, or "I understand English for now", in the message's own
        language when the bot does not speak it (bot/service/languages.py)."""
        if not self.library.known or text.startswith("/"):
            return ()
        return language_replies(
            self.library.known,
            text,
            spoken=self.library.languages,
            escalated=bool(turn.red_flags),
            understood=turn.understood,
        )

    async def _effects(self, turn: engine.Turn, context: EffectContext) -> Outcome:
        """Run each effect the turn reached and put what it says where its state stands."""
        replies = list(turn.replies)
        attachments: list[Attachment] = []
        ask: str | None = None
        slots: dict[str, str] = {}
        for position, name in sorted(turn.effects, key=lambda pair: pair[0], reverse=True):
            effect = self.effects[name]  # `python -m bot check` makes sure it is there
            try:
                output = await effect(context)
            except StoreError:
                # The turn itself is saved; only this effect's own writes failed.
                log.exception("effect %r failed for a turn that was saved", name)
                output = EffectOutput((Reply(context.say("effect_apology")),))
            if output.ask is not None:
                del replies[position:]  # where the turn went on to: the effect asks instead
                ask = output.ask
                slots.update(output.slots)
            replies[position:position] = output.replies
            attachments[:0] = output.attachments
        if ask is not None:
            replies.extend(await self._ask(context, ask, slots))
        return Outcome(tuple(replies), tuple(attachments))

    async def _ask(
        self, context: EffectContext, state: str, slots: Mapping[str, str]
    ) -> tuple[Reply, ...]:
        """Put the person at the question of `state` (an effect asks again), with the
        answers the effects read for later questions, saved."""
        session = replace(context.session, state=state, slots={**context.session.slots, **slots})
        await self.store.save_turn(session)
        content = context.content
        question = answers.current_question(content.dialogue, content.matcher, session)
        return () if question is None else (question,)

    def texts(self, language: str | None = None) -> Texts:
        """What the bot says outside the dialogue's states, in `language` where it has it."""
        return self.library.content(language).dialogue.texts

    def takes_numbers(self, state: str, language: str | None = None) -> bool:
        """Whether a bare number answers the question asked in `state` (0-10, minutes...)."""
        content = self.library.content(language)
        return answers.takes_numbers(content.dialogue, content.matcher, state)

    async def current_question(self, user_id: int) -> Reply | None:
        """The question this person was last asked, to show again after a restart."""
        session, profile = await self.store.load_person(user_id)
        if session is None:
            return None
        content = self.library.content(profile.language if profile else None)
        return answers.current_question(content.dialogue, content.matcher, session)

    async def mark_inactive(self, user_id: int) -> None:
        """The person blocked the bot: send them nothing more until they write again.

        Their reminders stop for good: coming back does not restart them unasked.
        """
        await stop_person(self.store, user_id)


async def stop_person(store: Store, user_id: int) -> None:
    """The person blocked the bot: marked inactive, every reminder of theirs stopped."""
    await store.set_active(user_id, False)
    await store.stop_reminders(user_id)
