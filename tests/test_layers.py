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
    "_renamed": 1,
    "model": 2,
    "codec": 2,
    "_http1": 2,
    "_paths": 2,
    "_regex": 2,
    "_javatime": 2,
    "_javapattern": 2,
    "_javarender": 2,
    "_isotime": 2,
    "match": 3,
    "_match_core": 3,
    "_match_args": 3,
    "_match_time": 3,
    "_match_formats": 3,
    "matching": 3,
    "generate": 3,
    "_generator_values": 3,
    "_regexgen": 3,
    "_dateexpr": 3,
    "_safe_documents": 3,
    "compat": 3,
    "strategies": 3,
    "matrix": 3,
    "_matrix_values": 3,
    "_failure_report": 3,
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
#: Private modules another package may still import, each with its reason (none: neighbours use public
#: or documented internal interface modules such as ``polycontract/broker/server.py``).
ALLOWED_PRIVATE: dict[str, str] = {}
#: How a top-level private module (``polycontract/_paths.py``) says in its docstring that subpackages share it.
CORE_INTERFACE = "Internal interface of the core"
EDGES = {name for name, layer in LAYERS.items() if layer == 4}
CORE = [name for name, layer in LAYERS.items() if layer <= 3]
FORBIDDEN_IN_CORE = ("httpx", "click", "pytest", "sqlalchemy", "starlette", "uvicorn", "alembic", "hypothesis")


def _top(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "polycontract" and len(parts) > 1 else None


def _package_of(path: Path, root: Path) -> str:
    """The dotted package a module's relative imports start from (``polycontract.verifier``)."""
    rel = path.relative_to(root.parent).with_suffix("")
    parts = rel.parts if rel.name == "__init__" else rel.parts[:-1]
    return ".".join(p for p in parts if p != "__init__")


def _resolve(name: str, level: int, package: str) -> str | None:
    """An absolute module name for ``from <level dots><name> import ...`` written in ``package``."""
    if level == 0:
        return name
    base = package.split(".")
    if level - 1 >= len(base):
        return None  # beyond the top-level package: Python refuses it too
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def _literal(node: ast.expr | None) -> str | None:
    """A string constant's value; for an f-string, the module its constant prefix names (``"a.b."`` -> ``a.b``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        prefix = ""
        for part in node.values:
            if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
                break
            prefix += part.value
        return prefix.rpartition(".")[0] or None
    return None


def _dynamic_import(node: ast.Call, package: str) -> str | None:
    """The module a string-literal ``importlib.import_module(...)`` / ``__import__(...)`` call loads."""
    func = node.func
    called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if called not in ("import_module", "__import__") or not node.args:
        return None
    name = _literal(node.args[0])
    if name is None:
        return None
    if called == "import_module" and name.startswith("."):
        stripped = name.lstrip(".")
        anchor = _literal(node.args[1]) if len(node.args) > 1 else None
        return _resolve(stripped, len(name) - len(stripped), anchor or package)
    return name


def _imports(path: Path, root: Path = PACKAGE) -> list[str]:
    """Every module ``path`` imports: absolute, relative (resolved) and string-literal dynamic imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _package_of(path, root)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(node.module or "", node.level, package)
            if module:
                found.append(module)
                found += [f"{module}.{alias.name}" for alias in node.names if alias.name != "*"]
        elif isinstance(node, ast.Call):
            module = _dynamic_import(node, package)
            if module:
                found.append(module)
    return found


def _violations(top: str, path: Path, root: Path = PACKAGE) -> list[str]:
    """Why ``path`` (in the top-level module ``top``) breaks the layer rule; empty when it does not."""
    layer = LAYERS[top]
    out = []
    for module in _imports(path, root):
        target = _top(module)
        if target is None or target == top or target not in LAYERS or (top, target) in ALLOWED_UPWARD:
            continue
        if LAYERS[target] > layer:
            out.append(f"{path.name} (layer {layer}) imports {module} (layer {LAYERS[target]})")
        elif top in EDGES and target in EDGES:
            out.append(f"edge {top} ({path.name}) imports edge {target} ({module})")
    return out


def _private_module(module: str, root: Path) -> tuple[str, Path] | None:
    """The first private module on ``module``'s dotted path and its file; None when there is none."""
    parts = module.split(".")
    for end in range(2, len(parts) + 1) if parts[0] == "polycontract" else ():
        base = root.joinpath(*parts[1:end])
        file = next((f for f in (base.with_suffix(".py"), base / "__init__.py") if f.is_file()), None)
        if file is None:
            return None  # a name imported from a module, not a module
        if parts[end - 1].startswith("_") and not parts[end - 1].startswith("__"):
            return ".".join(parts[:end]), file
    return None


def _subpackage(dotted: str) -> str:
    """The subpackage of polycontract a package name lies in; "" for polycontract itself."""
    return dotted.split(".")[1] if "." in dotted else ""


def _private_crossings(path: Path, root: Path = PACKAGE) -> list[str]:
    """Private modules of other packages that ``path`` imports (documented core interfaces aside)."""
    own = _subpackage(_package_of(path, root))
    out = []
    for module in _imports(path, root):
        found = _private_module(module, root)
        if found is None or found[0] in out or found[0] in ALLOWED_PRIVATE:
            continue
        name, file = found
        owner = _subpackage(name.rpartition(".")[0])
        if owner == own or (owner == "" and CORE_INTERFACE in (ast.get_docstring(ast.parse(file.read_text())) or "")):
            continue
        out.append(name)
    return out


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
    assert _violations(top, path) == []


def test_no_module_imports_a_private_module_of_another_package() -> None:
    crossings = {str(path.relative_to(PACKAGE)): _private_crossings(path) for _, path in _modules()}
    assert {where: found for where, found in crossings.items() if found} == {}


def test_importing_the_core_loads_no_io_libraries() -> None:
    present = [name for name in CORE if (PACKAGE / name).exists() or (PACKAGE / f"{name}.py").exists()]
    code = (
        "import importlib, sys\n"
        f"for name in {present!r}: importlib.import_module('polycontract.' + name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN_IN_CORE!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the checker itself, on small modules written for the purpose ---------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "polycontract"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.write_text(text)
    return root


@pytest.mark.parametrize(
    ("source", "imported"),
    [
        ("import polycontract.verifier", "polycontract.verifier"),
        ("from polycontract.cli import main", "polycontract.cli"),
        ("from polycontract import pytest_plugin", "polycontract.pytest_plugin"),
        ("from ..verifier import Verifier", "polycontract.verifier"),
        ("from .. import cli", "polycontract.cli"),
        ("from ..broker._api import app", "polycontract.broker._api.app"),
        ("import importlib\nimportlib.import_module('polycontract.mock')", "polycontract.mock"),
        ("from importlib import import_module\nimport_module('..files', __package__)", "polycontract.files"),
        ("__import__('polycontract.demo')", "polycontract.demo"),
        ("import importlib\nname = 'x'\nimportlib.import_module(f'polycontract.cli.{name}')", "polycontract.cli"),
        ("def lazy():\n    from ..verifier import _states\n    return _states", "polycontract.verifier"),
    ],
    ids=[
        "import",
        "from-import",
        "from-package-import",
        "relative",
        "relative-package",
        "relative-submodule",
        "importlib",
        "import_module-relative",
        "__import__",
        "f-string",
        "inside-a-function",
    ],
)
def test_the_checker_sees_every_import_form(tmp_path: Path, source: str, imported: str) -> None:
    root = _package(tmp_path, {"matching/_probe.py": source})
    path = root / "matching" / "_probe.py"

    assert imported in _imports(path, root)
    assert _violations("matching", path, root) != [], f"{source!r} reached a higher layer unnoticed"


def test_the_checker_resolves_relative_imports_of_a_package_init_against_the_package(tmp_path: Path) -> None:
    root = _package(tmp_path, {"matching/__init__.py": "from ._walker import walk\nfrom ..mock import serve"})
    path = root / "matching" / "__init__.py"

    assert {"polycontract.matching._walker", "polycontract.mock"} <= set(_imports(path, root))
    assert _violations("matching", path, root) == [
        "__init__.py (layer 3) imports polycontract.mock (layer 4)",
        "__init__.py (layer 3) imports polycontract.mock.serve (layer 4)",
    ]


def test_the_checker_catches_an_edge_importing_another_edge_relatively(tmp_path: Path) -> None:
    root = _package(tmp_path, {"mock/_probe.py": "from ..verifier import _states"})

    assert _violations("mock", root / "mock" / "_probe.py", root)[0].startswith("edge mock (_probe.py) imports edge")


def test_the_checker_accepts_own_and_lower_layers_and_the_allowed_upward_imports(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "verifier/_probe.py": "from . import _states\nfrom ..model import Pact\nfrom .. import errors",
            "pact/_probe.py": "from ..mock import MockServer",
        },
    )

    assert _violations("verifier", root / "verifier" / "_probe.py", root) == []
    assert _violations("pact", root / "pact" / "_probe.py", root) == []


@pytest.mark.parametrize(
    "source",
    [
        "from polycontract.broker._app import create_app",
        "from ..broker._app import create_app",
        "from polycontract.broker import _app",
        "import importlib\nimportlib.import_module('polycontract.broker._app')",
        "def lazy():\n    from polycontract._helpers import helper",
    ],
)
def test_the_checker_catches_a_private_module_of_another_package(tmp_path: Path, source: str) -> None:
    root = _package(tmp_path, {"broker/_app.py": "", "_helpers.py": '"""Helpers."""', "cli/_probe.py": source})

    assert len(_private_crossings(root / "cli" / "_probe.py", root)) == 1


def test_the_checker_accepts_own_private_modules_interfaces_and_documented_core_interfaces(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "broker/_app.py": "",
            "broker/server.py": "from ._app import create_app",
            "broker/_store/migrations/env.py": "from polycontract.broker._app import create_app",
            "_paths.py": f'"""Paths.\n\n{CORE_INTERFACE}: shared."""',
            "match.py": "",
            "cli/_probe.py": "from polycontract.broker.server import create_app\nfrom polycontract.match import _walk",
            "matching/_probe.py": "from polycontract._paths import parse_path",
        },
    )

    for probe in ("broker/server.py", "broker/_store/migrations/env.py", "cli/_probe.py", "matching/_probe.py"):
        assert _private_crossings(root / probe, root) == [], probe
