"""The layer rule: lower layers never import higher ones, and the core loads no I/O libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "polycontract"

#: Layer of each top-level module or package of polycontract (private helpers sit with their users).
LAYERS = {
    "errors": 1,
    "model": 2,
    "codec": 2,
    "_paths": 2,
    "_regex": 2,
    "_javatime": 2,
    "_isotime": 2,
    "match": 3,
    "_match_core": 3,
    "matching": 3,
    "generate": 3,
    "_regexgen": 3,
    "_dateexpr": 3,
    "compat": 3,
    "strategies": 3,
    "matrix": 3,
    "schema_matrix": 3,
    "message_schemas": 3,
    "pact": 3,
    "mock": 4,
    "verifier": 4,
    "broker": 4,
    "files": 4,
    "pytest_plugin": 5,
    "cli": 5,
    "demo": 5,
}
#: Upward imports allowed on purpose, each with its reason.
ALLOWED_UPWARD = {
    ("pact", "mock"): "Pact.serve()/transport() start the mock provider on call; building a pact stays pure",
}
EDGES = {name for name, layer in LAYERS.items() if layer == 4}
CORE = [name for name, layer in LAYERS.items() if layer <= 3]
FORBIDDEN_IN_CORE = ("httpx", "click", "pytest", "sqlalchemy", "starlette", "uvicorn", "alembic", "hypothesis")


def _top(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "polycontract" and len(parts) > 1 else None


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names if node.module == "polycontract"]
    return found


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        top = rel.parts[0].removesuffix(".py")
        if top != "__init__":
            out.append((top, path))
    return out


def test_every_module_has_a_layer() -> None:
    unknown = {top for top, _ in _modules()} - LAYERS.keys()
    assert not unknown, f"add these modules to LAYERS: {sorted(unknown)}"


@pytest.mark.parametrize(("top", "path"), _modules(), ids=[str(p.relative_to(PACKAGE)) for _, p in _modules()])
def test_module_imports_only_its_own_or_lower_layers(top: str, path: Path) -> None:
    layer = LAYERS[top]
    for module in _imports(path):
        target = _top(module)
        if target is None or target == top or target not in LAYERS:
            continue
        if (top, target) in ALLOWED_UPWARD:
            continue
        assert LAYERS[target] <= layer, f"{path.name} (layer {layer}) imports {module} (layer {LAYERS[target]})"
        if top in EDGES and target in EDGES:
            pytest.fail(f"edge {top} imports edge {target}")


def test_importing_the_core_loads_no_io_libraries() -> None:
    present = [name for name in CORE if (PACKAGE / name).exists() or (PACKAGE / f"{name}.py").exists()]
    code = (
        "import importlib, sys\n"
        f"for name in {present!r}: importlib.import_module('polycontract.' + name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN_IN_CORE!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
