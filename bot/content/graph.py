"""The dialogue as a Mermaid state diagram (python -m bot graph)."""

from __future__ import annotations

from bot.core.machine import BACK, Dialogue, targets


def mermaid(dialogue: Dialogue) -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {dialogue.start}"]
    lines.append(f"    [*] --> {dialogue.red_flag}: red flag (from any state)")
    for label, target in dialogue.intents.items():
        lines.append(f"    [*] --> {target}: {label} (from any state)")
    for command, target in dialogue.commands.items():
        lines.append(f"    [*] --> {target}: /{command}")
    if dialogue.resume:
        lines.append(f"    [*] --> {dialogue.resume}: back after a long pause")
    for state in dialogue.states.values():
        for key, target in state.on.items():
            lines.append(f"    {state.name} --> {target}: {key}")
        if state.goto:
            label = ": other answers" if state.asks and state.on else ""
            lines.append(f"    {state.name} --> {state.goto}{label}")
        for label, target in state.intents.items():
            lines.append(f"    {state.name} --> {target}: {label}")
        if state.otherwise:
            lines.append(f"    {state.name} --> {state.otherwise}: not understood")
    if any(BACK in targets(s) for s in dialogue.states.values()):
        lines.append(f'    state "the question they were at" as {BACK}')
    return "\n".join(lines)
