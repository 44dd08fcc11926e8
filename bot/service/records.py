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
from bot.service.charts import DAYS_SHOWN, MAX_DAYS, history_chart, history_text
from bot.service.outcome import Attachment, Effect, EffectContext, EffectOutput
from bot.service.reminders import schedule_of


async def history(context: EffectContext) -> EffectOutput:
    """/history: the recent episodes as text, and one chart of the cramps on a time line
    with the drinks logged with "I drank" below (when there is either)."""
    store, user_id, now = context.store, context.profile.user_id, context.now
    episodes = await store.episodes(user_id)
    zone = schedule_of(context.profile).zone
    texts, name = context.content.dialogue.texts, context.content.matcher.display
    text = history_text(episodes, zone, now, texts, name)
    reach = MAX_DAYS if episodes else DAYS_SHOWN
    drinks = await store.intake(user_id, since=now - timedelta(days=reach + 1))
    attachments: list[Attachment] = []
    if episodes or drinks:
        chart = await asyncio.to_thread(history_chart, episodes, drinks, zone, now, texts, name)
        caption = context.say("history_chart_caption" if episodes else "drinks_chart_caption")
        attachments.append(Attachment("photo", "cramp-history.png", chart, caption))
    return EffectOutput((Reply(text),), tuple(attachments))


async def export(context: EffectContext) -> EffectOutput:
    """/export: everything stored about the person, as a JSON document. Each episode keeps
    its labels as data and gains the names the person reads in the chat and /history
    (`muscle_name`, `severity_name`)."""
    data = await context.store.export(context.profile.user_id)
    name = context.content.matcher.display
    for episode in data.get("episodes", []):
        for field, kind in (("muscle", "body_part"), ("severity", "severity")):
            label = episode.get(field)
            episode[f"{field}_name"] = name(kind, label) if isinstance(label, str) else None
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
