"""The effects on what is kept about a person: /history, /export and /forget.

history   the recent cramps as text, a chart of them and one of the drinks logged
export    everything stored about the person, as a JSON file
forget    delete every row about the person (the dialogue asked them first)
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from bot.core.contract import Needs
from bot.core.model import Reply
from bot.service.charts import DAYS_SHOWN, history_chart, history_text, intake_chart
from bot.service.outcome import Attachment, Effect, EffectContext, EffectOutput
from bot.service.reminders import schedule_of


async def history(context: EffectContext) -> EffectOutput:
    """/history: the recent episodes as text, a chart of cramps per week by muscle, and a
    chart of the drinks logged with "I drank" (when there are any)."""
    store, user_id, now = context.store, context.profile.user_id, context.now
    episodes = await store.episodes(user_id)
    zone = schedule_of(context.profile).zone
    texts = context.content.dialogue.texts
    text = history_text(episodes, zone, now, texts)
    attachments: list[Attachment] = []
    if episodes:
        chart = await asyncio.to_thread(history_chart, episodes, zone, now, texts)
        caption = context.say("history_chart_caption")
        attachments.append(Attachment("photo", "cramp-history.png", chart, caption))
    drinks = await store.intake(user_id, since=now - timedelta(days=DAYS_SHOWN + 1))
    if drinks:
        chart = await asyncio.to_thread(intake_chart, drinks, zone, now, texts)
        caption = context.say("drinks_chart_caption")
        attachments.append(Attachment("photo", "drinks.png", chart, caption))
    return EffectOutput((Reply(text),), tuple(attachments))


async def export(context: EffectContext) -> EffectOutput:
    """/export: everything stored about the person, as a JSON document."""
    data = await context.store.export(context.profile.user_id)
    document = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    return EffectOutput(
        (Reply(context.say("export_ready")),),
        (Attachment("document", "cramp-coach-data.json", document),),
    )


async def forget(context: EffectContext) -> EffectOutput:
    """/forget, once confirmed: every row about the person goes, the session just saved too,
    so their next message starts a new conversation. What to say is the dialogue's."""
    await context.store.forget(context.profile.user_id)
    return EffectOutput()


EFFECTS: dict[str, Effect] = {"history": history, "export": export, "forget": forget}
NEEDS = Needs(
    who="the history, export and forget effects (bot/service/records.py)",
    effects=tuple(EFFECTS),
    texts={"history_chart_caption": (), "drinks_chart_caption": (), "export_ready": ()},
)
