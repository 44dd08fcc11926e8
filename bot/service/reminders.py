"""The effects of the hydration reminders: what `do: start_series` and its kin carry out.

    dialogue `do: start_series` -> effect -> store.save_reminder  (bot/core/schedule.py
    does the arithmetic; bot/service/sweep.py sends the reminders when they fall due)

Each effect gets an EffectContext (store, content, profile, session, time) and says
what it did: the next reminder, the time zone it found, today's count of drinks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.contract import Needs
from bot.core.model import Profile, Reply
from bot.core.saying import clock_text, quiet_text, say_duration
from bot.core.schedule import (
    Reminder,
    ReminderKind,
    Schedule,
    day_bounds,
    held_back,
    in_quiet,
    new_daily,
    new_series,
    one_off,
    quiet_begins,
    quiet_ends,
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
#: The questions asked once more when an answer could not be read (each leads to the
#: `..._again` effect, which keeps things as they were when it cannot read it either),
#: the menu a known time zone goes back to, and the choice when a series would be all quiet.
TZ_AGAIN, QUIET_AGAIN, DAILY_AGAIN, DAILY_ZONE_AGAIN = (
    "tz_again",
    "quiet_again",
    "daily_again",
    "daily_zone_again",
)
MENU = "reminders_menu"
#: The questions as first asked: asked once more after a message that answered another
#: of them (the quiet hours typed at "How often?"), taken and said back.
DAILY_ASK, DAILY_ZONE, TZ_ASK, QUIET_ASK = "daily_ask", "daily_zone", "tz_ask", "quiet_ask"
SERIES_QUIET = "series_quiet"
#: "Keep as it is", "skip", "leave it": the person wants no change.
_KEEP = re.compile(
    r"\bkeep\b|\bskip\b|\bleave it\b|\bas it is\b|^\s*(same|no change|unchanged|never ?mind)\s*$",
    re.IGNORECASE,
)
#: A reminder before quiet time begins is offered only with this much room, and comes
#: this long before it.
BEFORE_QUIET_ROOM = timedelta(minutes=15)
BEFORE_QUIET_LEAD = timedelta(minutes=10)


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


async def _reschedule_all(
    request: EffectContext, profile: Profile, *, say_next: bool = True
) -> str:
    """Move every reminder to the person's new zone or quiet hours; say what changed
    (the next reminder unless not `say_next`, and the reminders that ended)."""
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
    lines = [_next_line(kept, schedule, request.now, texts)] if kept and say_next else []
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


def _ask_again(text: str, question: str) -> EffectOutput:
    """What could not be read, said, and the question asked once more (one of the _AGAIN states)."""
    return EffectOutput((Reply(text),), ask=question)


Found = tuple[City, list[City]]


def _of_kind(running: Sequence[Reminder], kind: ReminderKind) -> Reminder | None:
    """The person's reminder of this kind (they have at most one of each), or None."""
    return next((r for r in running if r.kind == kind), None)


def _settings_in(
    request: EffectContext, typed: str
) -> tuple[timedelta | None, tuple[time, time] | None, Found | None]:
    """The reminder settings a message holds, each read as its own question reads it:
    how often, quiet hours, the time zone. An interval wins over quiet hours ("every
    2-3 hours" is no night), and a clock time names the zone only when nothing else
    was read (the times of "not between 11pm and 7am" are quiet hours)."""
    if _KEEP.search(typed):
        return None, None, None
    every = parse_interval(typed)
    quiet = None if every is not None else parse_quiet(typed)
    return every, quiet, _find_zone(request, typed, clock=every is None and quiet is None)


async def _take_others(
    request: EffectContext,
    *,
    every: timedelta | None = None,
    quiet: tuple[time, time] | None = None,
    zone: Found | None = None,
) -> str:
    """Settings typed at another question than theirs: the zone and quiet hours saved
    (the reminders moved to them), the interval kept by the caller; all of it said
    back in a few words ("" when there is none), with any reminder that ended."""
    if every is None and zone is None and quiet is None:
        return ""
    texts, atlas = request.content.dialogue.texts, request.content.atlas
    profile = await _current_profile(request)
    noted: list[str] = []
    if every is not None:
        every = request.content.plan.clamp_daily(every)
        noted.append(texts.say("noted_every", every=say_duration(every, texts)))
    if zone is not None:
        profile = replace(profile, time_zone=zone[0].zone)
        local = request.now.astimezone(ZoneInfo(zone[0].zone)).strftime("%H:%M")
        noted.append(texts.say("noted_zone", zone=zone_text(profile, atlas, texts), time=local))
    if quiet is not None:
        profile = replace(profile, quiet_start=quiet[0], quiet_end=quiet[1])
        noted.append(
            texts.say("noted_no_quiet")
            if quiet[0] == quiet[1]
            else texts.say("noted_quiet", quiet=quiet_text(schedule_of(profile), texts))
        )
    ended = ""
    if zone is not None or quiet is not None:
        await request.store.save_profile(profile)
        ended = await _reschedule_all(request, profile, say_next=False)
    said = texts.say("answer_noted", said=", ".join(noted))
    return f"{said}\n{ended}" if ended else said


def _noted_first(noted: str, said: EffectOutput) -> EffectOutput:
    """What an effect said, after the settings it took from the same message."""
    if not noted:
        return said
    return replace(said, replies=(Reply(noted), *said.replies))


class _Answer(Protocol):
    """What reads the answer to a question asked at most twice: `again` when it is the
    second answer, which keeps things as they were where it still cannot be read."""

    def __call__(self, request: EffectContext, *, again: bool) -> Awaitable[EffectOutput]: ...


def _first_and_again(answer: _Answer) -> tuple[Effect, Effect]:
    """The two effects a question asked at most twice needs: its first answer, and the
    answer after it was asked once more (the `..._again` effect)."""

    async def first(request: EffectContext) -> EffectOutput:
        return await answer(request, again=False)

    async def second(request: EffectContext) -> EffectOutput:
        return await answer(request, again=True)

    return first, second


async def start_series(request: EffectContext) -> EffectOutput:
    """A post-workout series: every `series.every` for `series.for`.

    When every reminder of it would fall in quiet hours, say why: quiet time now, or
    quiet time coming (then offer one reminder before it, or one when it ends)."""
    texts = request.content.dialogue.texts
    plan = request.content.plan
    profile = await _current_profile(request)
    schedule = schedule_of(profile)
    series = new_series(profile.user_id, request.now, plan, schedule)
    if series is None:
        quiet = quiet_text(schedule, texts)
        if in_quiet(request.now, schedule):
            return _say(texts.say("series_quiet_now", quiet=quiet))
        begins = quiet_begins(request.now, schedule)
        said = texts.say(
            "series_quiet_ahead",
            length=say_duration(plan.series_for, texts),
            quiet=quiet,
            begins=clock_text(begins, schedule, request.now, texts),
        )
        if begins - request.now < BEFORE_QUIET_ROOM:
            return _say(said, texts.say("series_quiet_soon"))
        return EffectOutput((Reply(said),), ask=SERIES_QUIET)
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


async def series_before_quiet(request: EffectContext) -> EffectOutput:
    """One reminder shortly before quiet time begins (a series that would be all quiet)."""
    profile = await _current_profile(request)
    schedule = schedule_of(profile)
    begins = quiet_begins(request.now, schedule)
    at = max(begins - BEFORE_QUIET_LEAD, request.now + timedelta(minutes=1))
    return await _one_reminder(request, profile, schedule, at)


async def series_after_quiet(request: EffectContext) -> EffectOutput:
    """One reminder when quiet time ends (a series that would be all quiet)."""
    profile = await _current_profile(request)
    schedule = schedule_of(profile)
    return await _one_reminder(request, profile, schedule, quiet_ends(request.now, schedule))


async def _one_reminder(
    request: EffectContext, profile: Profile, schedule: Schedule, at: datetime
) -> EffectOutput:
    texts = request.content.dialogue.texts
    reminder = one_off(profile.user_id, request.now, at, request.content.plan)
    await request.store.save_reminder(reminder)
    return _say(texts.say("series_one", time=clock_text(at, schedule, request.now, texts)))


async def _daily_check(request: EffectContext, *, again: bool) -> EffectOutput:
    """After "how often?": an interval it cannot read is asked for once more; with the
    time zone known already, daily reminders go on at once (it is not asked again).
    The second answer, unreadable, leaves daily reminders as they were."""
    texts = request.content.dialogue.texts
    typed = request.slot("daily_every")
    keep = bool(_KEEP.search(typed))
    every, quiet, zone = _settings_in(request, typed)
    noted = await _take_others(request, quiet=quiet, zone=zone)
    if keep or every is None:
        if noted:  # another setting, taken: "How often?" once more
            return _ask_again(noted, DAILY_AGAIN if again else DAILY_ASK)
        if not again and not keep:
            return _ask_again(texts.say("daily_unreadable", typed=typed), DAILY_AGAIN)
        daily = _of_kind(await request.store.reminders(request.profile.user_id), "daily")
        stays = (
            texts.say("daily_stays_on", every=say_duration(daily.every, texts))
            if daily is not None
            else texts.say("daily_stays_off")
        )
        lead = "" if keep else texts.say("daily_unreadable_again", typed=typed)
        return EffectOutput((Reply(f"{lead} {stays}".strip()),), ask=MENU)
    profile = await _current_profile(request)
    if not profile.time_zone:  # the turn goes on to ask for the city
        return EffectOutput((Reply(noted),) if noted else ())
    said = _noted_first(noted, await _daily_on(request, typed_zone=""))
    return EffectOutput(said.replies, said.attachments, ask=MENU)


daily_check, daily_check_again = _first_and_again(_daily_check)


async def _daily_on_typed(request: EffectContext, *, again: bool) -> EffectOutput:
    """Daily reminders at the interval asked for, in the zone of the city typed. A place
    it cannot find is asked for once more; after the second answer, a place still not
    found leaves the time zone as it was. An interval or quiet hours typed instead are
    taken, said back, and the city asked for once more."""
    typed = request.slot("tz_text")
    every, quiet, zone = _settings_in(request, typed)
    if zone is None and (every is not None or quiet is not None):
        noted = await _take_others(request, every=every, quiet=quiet)
        kept = {"daily_every": typed} if every is not None else {}
        asked = DAILY_ZONE_AGAIN if again else DAILY_ZONE
        return EffectOutput((Reply(noted),), ask=asked, slots=kept)
    if typed and not _KEEP.search(typed) and zone is None and not again:
        texts = request.content.dialogue.texts
        return _ask_again(texts.say("zone_unknown", typed=typed), DAILY_ZONE_AGAIN)
    noted = await _take_others(request, quiet=quiet)
    said = await _daily_on(request, typed_zone=typed, typed_every=typed if every else None)
    return _noted_first(noted, said)


daily_on, daily_on_again = _first_and_again(_daily_on_typed)


async def _daily_on(
    request: EffectContext, *, typed_zone: str, typed_every: str | None = None
) -> EffectOutput:
    """Daily reminders on, in the zone of `typed_zone` (a city or clock time, if any), at
    the interval of `typed_every` or else the one answered to "How often?"."""
    texts = request.content.dialogue.texts
    content = request.content
    zone_reply = ""
    others: list[City] = []
    unfound = False  # a zone typed but not found: nothing saved, the zone stays
    if typed_zone and not _KEEP.search(typed_zone):
        zone_reply, others = await _apply_zone(request, typed_zone, report_changes=False)
        unfound = not zone_reply
    profile = await _current_profile(request)
    if unfound:
        zone_reply = texts.say(
            "zone_stays", typed=typed_zone, zone=zone_text(profile, content.atlas, texts)
        )
    schedule = schedule_of(profile)
    asked = parse_interval(request.slot("daily_every") if typed_every is None else typed_every)
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
    series = _of_kind(running, "series")
    daily = _of_kind(running, "daily")
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


async def _set_timezone(request: EffectContext, *, again: bool) -> EffectOutput:
    """Set the zone from the slot tz_text; cities with the same time come as buttons.
    A place it cannot find is asked for once more (tz_again); in the second answer it
    leaves the time zone as it was."""
    texts = request.content.dialogue.texts
    typed = request.slot("tz_text")
    _, quiet, found = _settings_in(request, typed)
    noted = await _take_others(request, quiet=quiet)
    if found is None and noted:  # quiet hours instead: the city once more
        return _ask_again(noted, TZ_AGAIN if again else TZ_ASK)
    if _KEEP.search(typed) or (again and found is None):
        profile = await _current_profile(request)
        zone = zone_text(profile, request.content.atlas, texts)
        key = "zone_kept" if _KEEP.search(typed) else "zone_stays"
        return _say(texts.say(key, typed=typed, zone=zone))
    text, others = await _apply_zone(request, typed, clock=quiet is None)
    if not text:
        return _ask_again(texts.say("zone_unknown", typed=typed), TZ_AGAIN)
    return _noted_first(noted, _with_city_choices(_say(text), others, texts))


set_timezone, set_timezone_again = _first_and_again(_set_timezone)


def _with_city_choices(said: EffectOutput, others: Sequence[City], texts: Texts) -> EffectOutput:
    """After a zone found from a typed time: other cities whose clock shows the same."""
    if not others:
        return said
    names = tuple(city.name for city in others)
    pick = Reply(texts.say("pick_city"), names, PICK_STATE)
    return EffectOutput((*said.replies, pick), said.attachments)


def _find_zone(request: EffectContext, typed: str, *, clock: bool = True) -> Found | None:
    """The city `typed` names, or (with `clock`) the cities whose clock shows the time
    typed (the likeliest first, then the others); None when it is neither."""
    atlas = request.content.atlas
    city = atlas.find(typed)
    if city is not None:
        return city, []
    matches = atlas.by_local_time(typed, request.now) if clock else []
    return (matches[0], matches[1:]) if matches else None


async def _apply_zone(
    request: EffectContext, typed: str, *, report_changes: bool = True, clock: bool = True
) -> tuple[str, list[City]]:
    """Find the zone in `typed` (a city, or the time on their clock), save it, move the
    reminders to it. Returns what to say ("" when no place was found), and other cities
    whose clock shows the same."""
    atlas, texts = request.content.atlas, request.content.dialogue.texts
    found = _find_zone(request, typed, clock=clock)
    if found is None:
        return "", []
    city, others = found
    profile = replace(await _current_profile(request), time_zone=city.zone)
    await request.store.save_profile(profile)
    changes = await _reschedule_all(request, profile)
    local = request.now.astimezone(ZoneInfo(city.zone)).strftime("%H:%M")
    said = texts.say("zone_set", zone=zone_text(profile, atlas, texts), time=local)
    return (f"{said}\n{changes}" if changes and report_changes else said), others


async def _set_quiet(request: EffectContext, *, again: bool) -> EffectOutput:
    """Quiet hours from the slot quiet_text; times it cannot read are asked for once more,
    and in the second answer leave the quiet hours as they were."""
    texts = request.content.dialogue.texts
    typed = request.slot("quiet_text")
    keep = bool(_KEEP.search(typed))
    parsed = None if keep else parse_quiet(typed)
    # A city typed (with the times, or instead of them), or a clock time alone, read as
    # every settings answer is (the quiet hours themselves are read above even beside
    # an interval, as this is their question)
    zone = _settings_in(request, typed)[2]
    noted = await _take_others(request, zone=zone)
    if parsed is None and noted:  # the time zone instead: the quiet hours once more
        return _ask_again(noted, QUIET_AGAIN if again else QUIET_ASK)
    if parsed is None:
        current = quiet_text(schedule_of(await _current_profile(request)), texts)
        if keep:
            return _say(texts.say("quiet_kept", quiet=current))
        if not again:
            return _ask_again(texts.say("quiet_unreadable", typed=typed), QUIET_AGAIN)
        return _say(texts.say("quiet_stays", typed=typed, quiet=current))
    profile = replace(await _current_profile(request), quiet_start=parsed[0], quiet_end=parsed[1])
    await request.store.save_profile(profile)
    changes = await _reschedule_all(request, profile)
    schedule = schedule_of(profile)
    if parsed[0] == parsed[1]:
        said = texts.say("quiet_off")
    else:
        said = texts.say("quiet_set", quiet=quiet_text(schedule, texts))
    return _noted_first(noted, _say(f"{said}\n{changes}" if changes else said))


set_quiet, set_quiet_again = _first_and_again(_set_quiet)


#: Every effect named in dialogues/<language>/reminders.yaml (see bot/service/effects.py).
EFFECTS: dict[str, Effect] = {
    "start_series": start_series,
    "series_before_quiet": series_before_quiet,
    "series_after_quiet": series_after_quiet,
    "daily_check": daily_check,
    "daily_check_again": daily_check_again,
    "daily_on": daily_on,
    "daily_on_again": daily_on_again,
    "daily_off": daily_off,
    "stop_reminders": stop_reminders,
    "snooze": snooze,
    "snooze_long": snooze_long,
    "drank": drank,
    "reminders_status": reminders_status,
    "set_timezone": set_timezone,
    "set_timezone_again": set_timezone_again,
    "set_quiet": set_quiet,
    "set_quiet_again": set_quiet_again,
}
NEEDS = Needs(
    who="the reminder effects (bot/service/reminders.py)",
    effects=tuple(EFFECTS),
    states=(
        PICK_STATE,
        TZ_AGAIN,
        QUIET_AGAIN,
        DAILY_AGAIN,
        DAILY_ZONE_AGAIN,
        MENU,
        SERIES_QUIET,
        DAILY_ASK,
        DAILY_ZONE,
        TZ_ASK,
        QUIET_ASK,
    ),
    slots=("tz_text", "quiet_text", "daily_every"),
    texts={
        "zone_not_set": (),
        "reminders_ended_series": (),
        "reminders_ended_daily": (),
        "reminders_ended_series_and_daily": (),
        "no_reminders_running": (),
        "next_reminder_series": ("time",),
        "next_reminder_daily": ("time",),
        "series_quiet_now": ("quiet",),
        "series_quiet_ahead": ("length", "quiet", "begins"),
        "series_quiet_soon": (),
        "series_one": ("time",),
        "series_note_quiet": ("quiet",),
        "series_note_utc": (),
        "series_started": ("every", "length", "first", "last"),
        "series_started_cut_short": ("every", "length", "first", "last"),
        "series_how_to": ("note",),
        "waking_all_day": (),
        "waking_hours": ("start", "end"),
        "daily_on": ("every", "waking", "zone", "next"),
        "daily_unreadable": ("typed",),
        "daily_unreadable_again": ("typed",),
        "daily_stays_on": ("every",),
        "daily_stays_off": (),
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
        "zone_stays": ("typed", "zone"),
        "zone_kept": ("zone",),
        "quiet_unreadable": ("typed",),
        "quiet_stays": ("typed", "quiet"),
        "quiet_kept": ("quiet",),
        "quiet_off": (),
        "quiet_set": ("quiet",),
        "answer_noted": ("said",),
        "noted_every": ("every",),
        "noted_zone": ("zone", "time"),
        "noted_quiet": ("quiet",),
        "noted_no_quiet": (),
    },
)
