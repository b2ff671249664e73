"""Where the Pact specification data is, for the tests that read it.

The data (the Pact specification's matching cases and the Pact compatibility suite) is not copied
into the project. It is found in the folder ``POLYCONTRACT_PACT_SPEC`` names or, without that
variable, in ``../shared/pact-spec`` beside the checkout. When it is missing, every test that needs
it fails with a message saying how to get it, so that a run without it is never green by accident;
``POLYCONTRACT_ALLOW_MISSING_SPEC=1`` turns those failures into skips.

Modules that parametrise over the data use `params`: without the data they get one case, named
``pact-spec-missing``, and their test calls `require` first, which fails (or skips) it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

__all__ = ["ALLOW_MISSING", "BESIDE", "ENV", "MISSING_ID", "missing", "params", "require", "root"]

ENV = "POLYCONTRACT_PACT_SPEC"
ALLOW_MISSING = "POLYCONTRACT_ALLOW_MISSING_SPEC"
#: The default: a ``shared/pact-spec`` folder next to the repository's folder.
BESIDE = Path(__file__).resolve().parents[2] / "shared" / "pact-spec"
MISSING_ID = "pact-spec-missing"

_LAYOUT = (
    "testcases/{v1,v1.1,v2,v3,v4}/ from the version-N branches of "
    "github.com/pact-foundation/pact-specification, and compatibility-suite/{features,fixtures}/ "
    "from github.com/pact-foundation/pact-compatibility-suite"
)


def root() -> Path:
    """The specification data folder: ``$POLYCONTRACT_PACT_SPEC``, else the one beside the checkout."""
    value = os.environ.get(ENV, "").strip()
    return Path(value).expanduser() if value else BESIDE


def missing(part: str) -> str | None:
    """Why ``part`` (``testcases``, ``compatibility-suite/fixtures``…) cannot be read, or None when it can."""
    folder = root() / part
    if folder.is_dir() and any(folder.iterdir()):
        return None
    source = f"{ENV}={os.environ[ENV]}" if os.environ.get(ENV, "").strip() else f"beside the checkout (set {ENV})"
    return (
        f"Pact specification data not found: {folder} is missing or empty ({source}). "
        f"Point {ENV} at a folder holding {_LAYOUT}; "
        f"or set {ALLOW_MISSING}=1 to skip the tests that need it."
    )


def _allowed() -> bool:
    return os.environ.get(ALLOW_MISSING, "").strip().lower() in ("1", "true", "yes")


def require(part: str) -> Path:
    """The folder ``part`` of the data; fails the calling test when it is missing (skips it when allowed)."""
    reason = missing(part)
    if reason is not None:
        if _allowed():
            pytest.skip(reason)
        pytest.fail(reason, pytrace=False)
    return root() / part


def params(part: str, build: Callable[[Path], Sequence[Any]], width: int = 1) -> list[Any]:
    """``build(folder)`` when ``part`` is present; else one ``pact-spec-missing`` case of ``width`` Nones."""
    if missing(part) is not None:
        values = (None,) * width
        return [pytest.param(*values, id=MISSING_ID)]
    return list(build(root() / part))
