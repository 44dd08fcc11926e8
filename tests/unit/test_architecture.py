"""The layers of bot/, read from the imports themselves.

    core      pure: no I/O, no clock. Imports only core and bot.errors
    content   YAML -> core values. Imports core, content, errors
    store     the database. Imports core, store, errors, locks
    service   one turn, the effects, the sweep. Imports core, content, store, service, errors
    channels  Telegram and the console. Imports anything below, and config
    app, __main__   the composition root and the command line: anything

Every import counts, wherever it stands (inside a function or under TYPE_CHECKING
too): a circle dodged by a late import is still a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping

from tests.helpers.paths import ROOT

PACKAGE = ROOT / "bot"

#: layer -> the layers (and top-level modules) it may import from the project.
ALLOWED: dict[str, frozenset[str]] = {
    "errors": frozenset(),
    "eventloop": frozenset(),
    "locks": frozenset(),
    "core": frozenset({"core", "errors"}),
    "content": frozenset({"content", "core", "errors"}),
    "store": frozenset({"store", "core", "errors", "locks"}),
    "config": frozenset({"core", "errors"}),
    "service": frozenset({"service", "content", "store", "core", "errors", "locks"}),
    "channels": frozenset(
        {"channels", "service", "content", "store", "core", "errors", "config", "eventloop"}
        | {"locks"}
    ),
    "app": frozenset(
        {"app", "channels", "service", "content", "store", "core", "errors", "config", "eventloop"}
        | {"locks"}
    ),
    "__main__": frozenset(
        {"app", "channels", "service", "content", "store", "core", "errors", "config", "eventloop"}
        | {"locks"}
    ),
    "__init__": frozenset(),
}
#: Libraries that mean I/O, a network or a database: never in the pure core.
NOT_IN_CORE = frozenset(
    {"telegram", "aiosqlite", "asyncpg", "sqlite3", "socket", "httpx", "aiohttp", "asyncio"}
)


def modules() -> dict[str, set[str]]:
    """Every module of bot/ -> every module of bot/ or library it imports (top-level names
    for libraries, dotted names for the project's own).

    `from bot.core import engine` imports the module bot.core.engine (and, for Python, the
    package bot.core first: a package's __init__ is not counted as a dependency then,
    since it holds no code of its own that the importer uses)."""
    raw: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = name if parts[-1] == "__init__" else name.rpartition(".")[0]
        found: list[tuple[str, tuple[str, ...]]] = []
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.extend((alias.name, ()) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                found.append((base, tuple(alias.name for alias in node.names)))
        raw[name] = found
    graph: dict[str, set[str]] = {}
    for name, found in raw.items():
        imported: set[str] = set()
        for base, names in found:
            submodules = {f"{base}.{n}" for n in names} & raw.keys()
            imported |= submodules
            if len(submodules) < len(names) or not names:
                imported.add(base)
        graph[name] = imported
    return graph


def layer(module: str) -> str:
    """bot.core.engine -> core; bot.app -> app; bot -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def violations(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Every import that goes the wrong way, and every circle, in words."""
    problems: list[str] = []
    own = set(graph)
    for module, imports in sorted(graph.items()):
        mine = layer(module)
        for target in sorted(set(imports)):
            if target.startswith("bot.") and target in own:
                theirs = layer(target)
                if theirs not in ALLOWED.get(mine, frozenset()) and theirs != "__init__":
                    problems.append(f"{module} imports {target}: {mine} may not use {theirs}")
            elif mine == "core" and target.split(".")[0] in NOT_IN_CORE:
                problems.append(f"{module} imports {target}: the core does no I/O")
    problems.extend(f"circle: {' -> '.join(c)}" for c in circles(graph))
    return problems


def circles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Import circles among the project's modules (one path for each, first found)."""
    edges = {m: sorted(t for t in set(ts) if t in graph and t != m) for m, ts in graph.items()}
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in edges[module]:
            if state.get(target) == 1:
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module)
    return found


def test_the_layers_hold() -> None:
    assert violations(modules()) == []


def test_every_module_has_a_layer() -> None:
    unknown = sorted({layer(m) for m in modules()} - set(ALLOWED))
    assert unknown == [], f"add these to ALLOWED with the layers they may use: {unknown}"


def test_a_core_module_that_imports_the_service_fails() -> None:
    graph = {
        "bot.core.engine": {"bot.service.turns", "bot.core.model"},
        "bot.core.model": set(),
        "bot.service.turns": {"bot.core.engine"},
    }
    assert violations(graph) == [
        "bot.core.engine imports bot.service.turns: core may not use service",
        "circle: bot.core.engine -> bot.service.turns -> bot.core.engine",
    ]


def test_the_core_may_not_touch_a_database_or_telegram() -> None:
    graph = {"bot.core.matcher": {"telegram", "aiosqlite", "rapidfuzz"}}
    assert violations(graph) == [
        "bot.core.matcher imports aiosqlite: the core does no I/O",
        "bot.core.matcher imports telegram: the core does no I/O",
    ]


def test_a_circle_inside_one_layer_fails() -> None:
    graph = {"bot.content.a": {"bot.content.b"}, "bot.content.b": {"bot.content.a"}}
    assert violations(graph) == ["circle: bot.content.a -> bot.content.b -> bot.content.a"]


def test_the_real_graph_is_read() -> None:
    graph = modules()
    assert "bot.core.model" in graph["bot.core.engine"]
    assert layer("bot.channels.telegram.relay") == "channels"
