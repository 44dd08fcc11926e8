"""A held-out set of conversations, played through the real service and scored.

    .venv/bin/python -m tests.conversations.heldout PATH     the figures, then each failure

The set is written blind, by someone who has not seen the lexicon, the dialogue or the
tests, and measured ONCE (then it is spent: tests/conversations/README.md). Each entry
says what the person types first, what they would answer to each question IF the bot
asks it, corrections sent while a given question is open, messages after the advice
(a drink, thanks), and the episode the bot should log:

    - id: c01
      voice: "teen footballer, lowercase, typos"
      messages: ["calf crampin bad after footy"]
      answers: {muscle: "my calf", timing: "still goin", duration: "like 5 mins",
                severity: "prob a 7 tbh", context: "first game back in months"}
      corrections: [{at: severity, send: "wait no its my left hammy not calf"}]
      extras: [{send: "downed a gatorade", expect: drink}]
      expect: {muscle: calf, timing: now, severity: severe, hot: false, intense: false,
               returning: true}

A conversation passes when every question the bot asks is answered by the person's own
words for it and asked once (a question asked again means the answer was not read), no
reply says the bot did not understand, nothing escalates, the logged episode matches
`expect`, and each extra does what it says (a drink is logged; thanks is understood).
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content.yamlfile import load_yaml
from bot.service import Service
from bot.store import MemoryStore
from tests.helpers.clock import Clock
from tests.helpers.shipped import shipped_library

#: What each question state's `expect:` kind is called in the set's `answers`.
TOPICS = {
    "body_part": "muscle",
    "timing": "timing",
    "duration": "duration",
    "severity": "severity",
    "context": "context",
}
FIELDS = ("muscle", "timing", "severity", "hot", "intense", "returning")
ESCALATED = {"emergency", "after_emergency", "urgent_care", "screen_signs"}


@dataclass
class Played:
    """What happened to one conversation."""

    id: str
    problems: list[str] = field(default_factory=list)
    fields: dict[str, bool] = field(default_factory=dict)
    transcript: list[str] = field(default_factory=list)


async def play(entry: dict[str, Any], user_id: int) -> Played:
    library = shipped_library()
    content = library.content()
    dialogue = content.dialogue
    hints = {s.hint for s in dialogue.states.values() if s.hint}
    hints.add("didn't quite get")
    store = MemoryStore()
    service = Service(library, store, clock=Clock())
    played = Played(str(entry["id"]))

    async def send(text: str) -> list[str]:
        outcome = await service.handle(user_id, text)
        replies = [reply.text for reply in outcome.replies]
        played.transcript.append(f"> {text}")
        played.transcript.extend(f"  {reply[:160]!r}" for reply in replies)
        for reply in replies:
            if any(hint in reply for hint in hints):
                played.problems.append(f"not understood: {text!r}")
        session = await store.load_session(user_id)
        if session is not None and session.state in ESCALATED:
            played.problems.append(f"escalated ({session.state}) at {text!r}")
        return replies

    for message in entry.get("messages", []):
        await send(str(message))
    answers: dict[str, str] = {k: str(v) for k, v in (entry.get("answers") or {}).items()}
    corrections = list(entry.get("corrections") or [])
    asked: Counter[str] = Counter()
    for _ in range(12):
        session = await store.load_session(user_id)
        state = dialogue.states.get(session.state) if session else None
        topic = TOPICS.get(state.expect or "") if state is not None else None
        if topic is None:
            break
        asked[topic] += 1
        if asked[topic] > 1:
            played.problems.append(f"asked about {topic} again")
            if asked[topic] > 2:
                break
        for correction in [c for c in corrections if c.get("at") == topic]:
            corrections.remove(correction)
            await send(str(correction["send"]))
        if topic not in answers:
            played.problems.append(f"no answer written for {topic}")
            break
        await send(answers[topic])
    for correction in corrections:
        played.problems.append(f"correction never sent (not asked {correction.get('at')})")
    episodes = await store.episodes(user_id)
    if not episodes:
        played.problems.append("no episode logged")
    else:
        logged = episodes[-1]
        for name, wanted in (entry.get("expect") or {}).items():
            got = getattr(logged, name, None)
            if name == "hot" or name == "intense" or name == "returning":
                got = bool(got)
            ok = got == wanted
            played.fields[name] = ok
            if not ok:
                played.problems.append(f"{name}: logged {got!r}, expected {wanted!r}")
    for extra in entry.get("extras") or []:
        before = len(await store.intake(user_id))
        await send(str(extra["send"]))
        if extra.get("expect") == "drink" and len(await store.intake(user_id)) != before + 1:
            played.problems.append(f"drink not logged: {extra['send']!r}")
    return played


async def measure(path: Path) -> list[Played]:
    entries = load_yaml(path)
    assert isinstance(entries, list)
    return [await play(entry, 1000 + n) for n, entry in enumerate(entries)]


def report(results: list[Played]) -> str:
    passed = [r for r in results if not r.problems]
    lines = [f"conversations passed: {len(passed)}/{len(results)}"]
    for name in FIELDS:
        seen = [r.fields[name] for r in results if name in r.fields]
        if seen:
            lines.append(f"  {name}: {sum(seen)}/{len(seen)} logged as expected")
    kinds = Counter(p.split(":")[0].split(" (")[0] for r in results for p in r.problems)
    lines.append("problems by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    for r in results:
        if r.problems:
            lines.append(f"\n{r.id}: " + "; ".join(r.problems))
            lines.extend("    " + t for t in r.transcript)
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    print(report(asyncio.run(measure(Path(argv[1])))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
