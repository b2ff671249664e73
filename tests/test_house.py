"""The house rules of ARCHITECTURE.md: the broker's rooms import only the rooms below them, no module
imports itself round a circle, and every module stays small enough to hold one job."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.test_layers import PACKAGE, _dynamic_import, _imports, _package, _package_of, _resolve

#: The broker's rooms (``polycontract/broker/<room>/``) and the rooms each may import. Top-level broker
#: modules (``__init__``, ``server``, ``support``) may import every room; rooms may import the shared
#: top-level modules in `BROKER_SHARED` but never the ``polycontract.broker`` package itself.
BROKER_ROOMS: dict[str, frozenset[str]] = {
    "_values": frozenset(),
    "_store": frozenset({"_values"}),
    "_webhooks": frozenset({"_store", "_values"}),
    "_embedded": frozenset({"_store", "_webhooks", "_values"}),
    "_api": frozenset({"_embedded", "_store", "_webhooks", "_values"}),
    "_client": frozenset({"_values"}),
}
#: Top-level broker modules any room may import: the interface both brokers implement, and URL resolution.
BROKER_SHARED = frozenset({"_interface", "_resolve"})
#: Lines a module may hold (a module has one job; past this it is doing two).
MODULE_LINES = 400


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _modules(root: Path) -> dict[str, Path]:
    return {_module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def _room_violations(path: Path, root: Path) -> list[str]:
    """The imports by which ``path`` (a module of the broker) reaches a room it may not."""
    broker = root / "broker"
    rel = path.relative_to(broker)
    own = rel.parts[0] if len(rel.parts) > 1 else None
    out = []
    for module in _imports(path, root):
        parts = module.split(".")
        if parts[:2] != ["polycontract", "broker"]:
            continue
        target = parts[2] if len(parts) > 2 else ""
        if own is None or target == own:
            continue
        if target in BROKER_ROOMS:
            if target not in BROKER_ROOMS[own]:
                out.append(f"room {own} ({rel}) imports room {target} ({module})")
        elif target not in BROKER_SHARED:
            out.append(f"room {own} ({rel}) imports polycontract.broker{'.' + target if target else ''} ({module})")
    return out


def _module_level_nodes(tree: ast.Module) -> Iterator[ast.AST]:
    """Every node outside function bodies (class bodies and ``TYPE_CHECKING`` blocks included)."""
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            pending.extend(ast.iter_child_nodes(node))


def _module_level_imports(path: Path, root: Path, known: Mapping[str, Path]) -> set[str]:
    """The polycontract modules ``path`` imports outside functions (``TYPE_CHECKING`` blocks included)."""
    package = _package_of(path, root)
    named: set[str] = set()
    for node in _module_level_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(node.module or "", node.level, package)
            if module:
                # ``from a import b`` names the module a.b where there is one, else a.
                subs = {f"{module}.{alias.name}" for alias in node.names} & known.keys()
                named.update(subs or {module})
        elif isinstance(node, ast.Call) and (module := _dynamic_import(node, package)):
            named.add(module)
    return (named & known.keys()) - {_module_name(path, root)}


def _cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _import_graph(root: Path) -> dict[str, set[str]]:
    known = _modules(root)
    return {name: _module_level_imports(path, root, known) for name, path in known.items()}


def _broker_modules() -> list[Path]:
    return sorted((PACKAGE / "broker").rglob("*.py"))


@pytest.mark.parametrize("path", _broker_modules(), ids=[str(p.relative_to(PACKAGE)) for p in _broker_modules()])
def test_broker_rooms_import_only_the_rooms_below_them(path: Path) -> None:
    assert _room_violations(path, PACKAGE) == []


def test_every_broker_room_is_listed_with_the_rooms_it_may_import() -> None:
    rooms = {p.name for p in (PACKAGE / "broker").iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert rooms == BROKER_ROOMS.keys()


def test_no_module_imports_itself_round_a_circle() -> None:
    assert _cycles(_import_graph(PACKAGE)) == []


def test_every_module_holds_at_most_the_lines_of_one_job() -> None:
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := len(path.read_text().splitlines())) > MODULE_LINES
    }
    assert long == {}


# -- the checkers themselves, on small packages written for the purpose ------------------------------


@pytest.mark.parametrize(
    ("probe", "source"),
    [
        ("_client/probe.py", "from polycontract.broker._store.tables import versions"),
        ("_client/probe.py", "from .._embedded import broker"),
        ("_store/probe.py", "from polycontract.broker._api import app"),
        ("_values/probe.py", "import polycontract.broker._webhooks.events"),
        ("_embedded/probe.py", "from polycontract.broker import connect"),
        ("_embedded/probe.py", "if TYPE_CHECKING:\n    from polycontract.broker._api.app import create_app"),
    ],
    ids=["client-store", "client-embedded-relative", "store-api", "values-webhooks", "room-package", "type-checking"],
)
def test_the_room_checker_catches_an_import_of_a_room_above(tmp_path: Path, probe: str, source: str) -> None:
    files = {f"broker/{room}/{name}.py": "" for room in BROKER_ROOMS for name in ("broker", "tables", "app", "events")}
    root = _package(tmp_path, {**files, "broker/__init__.py": "", f"broker/{probe}": source})

    assert len(_room_violations(root / "broker" / probe, root)) >= 1


def test_the_room_checker_accepts_own_room_lower_rooms_and_the_shared_modules(tmp_path: Path) -> None:
    source = (
        "from . import tables\nfrom polycontract.broker._values import records\n"
        "from polycontract.broker._webhooks import events\nfrom polycontract.broker._interface import BrokerAPI\n"
        "from polycontract.errors import UsageError"
    )
    root = _package(tmp_path, {"broker/_embedded/tables.py": "", "broker/_embedded/probe.py": source})

    assert _room_violations(root / "broker" / "_embedded" / "probe.py", root) == []


def test_the_cycle_checker_finds_a_circle_through_a_type_checking_import_but_not_a_lazy_one(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "a.py": "from polycontract import b",
            "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from polycontract.c import C",
            "c.py": "from polycontract.a import A\nclass C:\n    def f(self):\n        from polycontract import d",
            "d.py": "from polycontract import c",
        },
    )

    assert _cycles(_import_graph(root)) == [["polycontract.a", "polycontract.b", "polycontract.c"]]
