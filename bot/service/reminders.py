"""The effects of the hydration reminders: what `do: start_series` and its kin carry out.

    dialogue `do: start_series` -> effect -> store.save_reminder  (bot/core/schedule.py
    does the arithmetic; bot/service/sweep.py sends the reminders when they fall due)

Each effect gets an EffectContext (store, content, profile, session, time) and says
what it did: the next reminder, the time zone it found, today's count of drinks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.contract import Needs
from bot.core.model import Profile, Reply
from bot.core.saying import clock_text, quiet_text, say_duration
from bot.core.schedule import (
    Reminder,
    Schedule,
    day_bounds,
    held_back,
    new_daily,
    new_series,
    rescheduled,
    series_slots,
    snoozed,
)
from bot.core.texts import Texts
from bot.core.words import parse_interval, parse_quiet
from bot.core.zones import Atlas, City, city_part_of
from bot.service.outcome import Effect, EffectContext, EffectOutput

log = logging.getLogger(__name__)

#: The anytime state whose answers are the cities offered for a typed local time.
PICK_STATE = "tz_pick"
_KEEP = re.compile(r"\bkeep\b|^\s*(skip|same|no change|unchanged)\s*$", re.IGNORECASE)


# --------------------------------------------------------------------------- helpers


def schedule_of(profile: Profile) -> Schedule:
    """The person's zone (UTC until known) and quiet hours."""
    zone, known = ZoneInfo("UTC"), False
    if profile.time_zone:
        try:
            zone, known = ZoneInfo(profile.time_zone), True
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("User %s has an unknown time zone; using UTC", profile.user_id)
    return Schedule(zone, profile.quiet_start, profile.quiet_end, zone_known=known)


def zone_text(profile: Profile, atlas: Atlas, texts: Texts) -> str:
    """The person's zone as they read it: "Europe/Berlin", "Asia/Kolkata (Mumbai)"."""
    if not profile.time_zone:
        return texts.say("zone_not_set")
    city = atlas.display(profile.time_zone)
    city_part = city_part_of(profile.time_zone)
    return profile.time_zone if city in ("", city_part) else f"{profile.time_zone} ({city})"


async def _current_profile(request: EffectContext) -> Profile:
    """The profile as saved now (an earlier action of the same turn may have changed it)."""
    return await request.store.load_profile(request.profile.user_id) or request.profile


async def _reschedule_all(request: EffectContext, profile: Profile) -> str:
    """Move every reminder to the person's new zone or quiet hours; say what changed."""
    texts = request.content.dialogue.texts
    store, schedule = request.store, schedule_of(profile)
    kept: list[Reminder] = []
    ended: list[str] = []
    for reminder in await store.reminders(profile.user_id):
        moved = rescheduled(reminder, request.now, schedule)
        if moved is None:
            await store.stop_reminders(profile.user_id, reminder.kind)
            ended.append(reminder.kind)
        else:
            await store.save_reminder(moved)
            kept.append(moved)
    lines = [_next_line(kept, schedule, request.now, texts)] if kept else []
    if ended:
        kinds = [kind for kind in ("series", "daily") if kind in ended]
        lines.append(texts.say("reminders_ended_" + "_and_".join(kinds)))
    return "\n".join(lines)


def _next_line(
    reminders: Sequence[Reminder], schedule: Schedule, now: datetime, texts: Texts
) -> str:
    if not reminders:
        return texts.say("no_reminders_running")
    soonest = min(reminders, key=lambda r: r.due_at)
    when = clock_text(soonest.due_at, schedule, now, texts)
    return texts.say(f"next_reminder_{soonest.kind}", time=when)


# --------------------------------------------------------------------------- the actions


def _say(*texts: str, buttons: tuple[str, ...] = (), state: str | None = None) -> EffectOutput:
    text = "\n".join(t for t in texts if t)
    return EffectOutput((Reply(text, buttons, state),))


async def start_series(request: EffectContext) -> EffectOutput:
    """A post-workout series: every `series.every` for `series.for`."""
    texts = request.content.dialogue.texts
    plan = request.content.plan
    profile = await _current_profile(request)
    schedule = schedule_of(profile)
    series = new_series(profile.user_id, request.now, plan, schedule)
    if series is None:
        return _say(texts.say("series_all_quiet", quiet=quiet_text(schedule, texts)))
    await request.store.save_reminder(series)
    slots = [at for at in series_slots(series) if not held_back("series", at, schedule)]
    if schedule.zone_known:
        note = texts.say("series_note_quiet", quiet=quiet_text(schedule, texts))
    else:
        note = texts.say("series_note_utc")
    started = "series_started" if slots[-1] == series.ends_at else "series_started_cut_short"
    return _say(
        texts.say(
            started,
            every=say_duration(plan.series_every, texts),
            length=say_duration(plan.series_for, texts),
            first=clock_text(slots[0], schedule, request.now, texts),
            last=clock_text(slots[-1], schedule, request.now, texts),
        ),
        texts.say("series_how_to", note=note),
    )


async def daily_on(request: EffectContext) -> EffectOutput:
    """Daily reminders at the interval asked for (the plan's default if unclear)."""
    texts = request.content.dialogue.texts
    content = request.content
    zone_reply = ""
    others: list[City] = []
    typed = request.slot("tz_text")
    if typed and not _KEEP.search(typed):
        zone_reply, others = await _apply_zone(request, typed, report_changes=False)
    profile = await _current_profile(request)
    schedule = schedule_of(profile)
    asked = parse_interval(request.slot("daily_every"))
    every = content.plan.daily_every if asked is None else content.plan.clamp_daily(asked)
    daily = new_daily(profile.user_id, request.now, every, schedule)
    await request.store.save_reminder(daily)
    waking = (
        texts.say("waking_all_day")
        if schedule.quiet_start == schedule.quiet_end
        else texts.say(
            "waking_hours", start=f"{schedule.quiet_end:%H:%M}", end=f"{schedule.quiet_start:%H:%M}"
        )
    )
    said = _say(
        zone_reply,
        texts.say(
            "daily_on",
            every=say_duration(every, texts),
            waking=waking,
            zone=zone_text(profile, content.atlas, texts),
            next=clock_text(daily.due_at, schedule, request.now, texts),
        ),
    )
    return _with_city_choices(said, others, texts)


async def daily_off(request: EffectContext) -> EffectOutput:
    stopped = await request.store.stop_reminders(request.profile.user_id, "daily")
    return _say(request.say("daily_off" if stopped else "daily_already_off"))


async def stop_reminders(request: EffectContext) -> EffectOutput:
    stopped = await request.store.stop_reminders(request.profile.user_id)
    return _say(request.say("reminders_stopped" if stopped else "reminders_none_to_stop"))


async def snooze(request: EffectContext) -> EffectOutput:
    return await _snooze(request, request.content.plan.snooze_short)


async def snooze_long(request: EffectContext) -> EffectOutput:
    return await _snooze(request, request.content.plan.snooze_long)


async def _snooze(request: EffectContext, delta: timedelta) -> EffectOutput:
    """Snooze the reminder sent last (or, if none was sent yet, the next one)."""
    texts = request.content.dialogue.texts
    store = request.store
    profile = await _current_profile(request)
    schedule = schedule_of(profile)
    running = await store.reminders(profile.user_id)
    if not running:
        return _say(texts.say("snooze_nothing"))
    sent = [r for r in running if r.last_sent_at is not None]
    target = (
        max(sent, key=lambda r: r.last_sent_at or request.now)
        if sent
        else min(running, key=lambda r: r.due_at)
    )
    later = snoozed(target, request.now, delta, schedule)
    if later is None:
        await store.stop_reminders(profile.user_id, target.kind)
        return _say(texts.say("snooze_past_the_end"))
    await store.save_reminder(later)
    when = clock_text(later.due_at, schedule, request.now, texts)
    return _say(texts.say("snoozed", time=when))


async def drank(request: EffectContext) -> EffectOutput:
    """Log one drink; say how many today (the person's calendar day)."""
    store = request.store
    profile = await _current_profile(request)
    schedule = schedule_of(profile)
    await store.log_intake(profile.user_id, request.now)
    count = await _drinks_today(request, schedule)
    return _say(request.say("drank_one" if count == 1 else "drank_many", count=count))


async def _drinks_today(request: EffectContext, schedule: Schedule) -> int:
    """How many drinks the person has logged on their own calendar day so far."""
    start, end = day_bounds(request.now, schedule.zone)
    drinks = await request.store.intake(request.profile.user_id, since=start, until=end)
    return len(drinks)


async def reminders_status(request: EffectContext) -> EffectOutput:
    """/reminders: the next reminder and every setting."""
    texts = request.content.dialogue.texts
    store, content = request.store, request.content
    profile = await _current_profile(request)
    schedule = schedule_of(profile)
    running = await store.reminders(profile.user_id)
    series = next((r for r in running if r.kind == "series"), None)
    daily = next((r for r in running if r.kind == "daily"), None)
    count = await _drinks_today(request, schedule)
    local = request.now.astimezone(schedule.zone).strftime("%H:%M")
    lines = [
        texts.say("status_title"),
        _next_line(running, schedule, request.now, texts),
        texts.say(
            "status_series_until",
            time=clock_text(series.ends_at, schedule, request.now, texts),
        )
        if series is not None and series.ends_at is not None
        else texts.say("status_series_off"),
        texts.say("status_daily_every", every=say_duration(daily.every, texts))
        if daily
        else texts.say("status_daily_off"),
        texts.say("status_zone", zone=zone_text(profile, content.atlas, texts), time=local),
        texts.say("status_quiet", quiet=quiet_text(schedule, texts)),
        texts.say("status_drinks", count=count),
    ]
    return _say(*lines)


async def set_timezone(request: EffectContext) -> EffectOutput:
    """Set the zone from the slot tz_text; cities with the same time come as buttons."""
    text, others = await _apply_zone(request, request.slot("tz_text"))
    return _with_city_choices(_say(text), others, request.content.dialogue.texts)


def _with_city_choices(said: EffectOutput, others: Sequence[City], texts: Texts) -> EffectOutput:
    """After a zone found from a typed time: other cities whose clock shows the same."""
    if not others:
        return said
    names = tuple(city.name for city in others)
    pick = Reply(texts.say("pick_city"), names, PICK_STATE)
    return EffectOutput((*said.replies, pick), said.attachments)


async def _apply_zone(
    request: EffectContext, typed: str, *, report_changes: bool = True
) -> tuple[str, list[City]]:
    """Find the zone in `typed` (a city, or the time on their clock), save it, move the
    reminders to it. Returns what to say, and other cities whose clock shows the same."""
    atlas, texts = request.content.atlas, request.content.dialogue.texts
    city = atlas.find(typed)
    others: list[City] = []
    if city is None:
        matches = atlas.by_local_time(typed, request.now)
        if matches:
            city, others = matches[0], matches[1:]
    if city is None:
        return texts.say("zone_unknown", typed=typed), []
    profile = replace(await _current_profile(request), time_zone=city.zone)
    await request.store.save_profile(profile)
    changes = await _reschedule_all(request, profile)
    local = request.now.astimezone(ZoneInfo(city.zone)).strftime("%H:%M")
    said = texts.say("zone_set", zone=zone_text(profile, atlas, texts), time=local)
    return (f"{said}\n{changes}" if changes and report_changes else said), others


async def set_quiet(request: EffectContext) -> EffectOutput:
    texts = request.content.dialogue.texts
    parsed = parse_quiet(request.slot("quiet_text"))
    if parsed is None:
        return _say(texts.say("quiet_unreadable"))
    profile = replace(await _current_profile(request), quiet_start=parsed[0], quiet_end=parsed[1])
    await request.store.save_profile(profile)
    changes = await _reschedule_all(request, profile)
    schedule = schedule_of(profile)
    if parsed[0] == parsed[1]:
        said = texts.say("quiet_off")
    else:
        said = texts.say("quiet_set", quiet=quiet_text(schedule, texts))
    return _say(f"{said}\n{changes}" if changes else said)


#: Every effect named in dialogues/<language>/reminders.yaml (see bot/service/effects.py).
EFFECTS: dict[str, Effect] = {
    "start_series": start_series,
    "daily_on": daily_on,
    "daily_off": daily_off,
    "stop_reminders": stop_reminders,
    "snooze": snooze,
    "snooze_long": snooze_long,
    "drank": drank,
    "reminders_status": reminders_status,
    "set_timezone": set_timezone,
    "set_quiet": set_quiet,
}
NEEDS = Needs(
    who="the reminder effects (bot/service/reminders.py)",
    effects=tuple(EFFECTS),
    states=(PICK_STATE,),
    slots=("tz_text", "quiet_text", "daily_every"),
    texts={
        "zone_not_set": (),
        "reminders_ended_series": (),
        "reminders_ended_daily": (),
        "reminders_ended_series_and_daily": (),
        "no_reminders_running": (),
        "next_reminder_series": ("time",),
        "next_reminder_daily": ("time",),
        "series_all_quiet": ("quiet",),
        "series_note_quiet": ("quiet",),
        "series_note_utc": (),
        "series_started": ("every", "length", "first", "last"),
        "series_started_cut_short": ("every", "length", "first", "last"),
        "series_how_to": ("note",),
        "waking_all_day": (),
        "waking_hours": ("start", "end"),
        "daily_on": ("every", "waking", "zone", "next"),
        "daily_off": (),
        "daily_already_off": (),
        "reminders_stopped": (),
        "reminders_none_to_stop": (),
        "snooze_nothing": (),
        "snooze_past_the_end": (),
        "snoozed": ("time",),
        "drank_one": ("count",),
        "drank_many": ("count",),
        "status_title": (),
        "status_series_until": ("time",),
        "status_series_off": (),
        "status_daily_every": ("every",),
        "status_daily_off": (),
        "status_zone": ("zone", "time"),
        "status_quiet": ("quiet",),
        "status_drinks": ("count",),
        "pick_city": (),
        "zone_unknown": ("typed",),
        "zone_set": ("zone", "time"),
        "quiet_unreadable": (),
        "quiet_off": (),
        "quiet_set": ("quiet",),
    },
)
