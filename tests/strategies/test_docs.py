"""The strategies page and the package's docstrings say what the code does: their examples run as written.

The page's ``py`` blocks (a consumer test under the pytest plugin's ``vary=N``) need a pytest session:
tests/plugin/test_vary.py runs them with pytester. Every ``python`` block runs here.
"""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "strategies.md"
OVERVIEW = PAGE.parent / "property-based.md"
MODULES = ["__init__", "_json", "_http", "_jsonschema", "_schemas"]


def test_the_strategies_page_is_linked_from_the_index() -> None:
    assert "(strategies.md)" in (PAGE.parent / "index.md").read_text()


def _python_blocks(page: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", page.read_text(), re.MULTILINE | re.DOTALL)


def test_every_python_example_of_the_strategies_page_runs() -> None:
    blocks = _python_blocks(PAGE)

    assert len(blocks) == 5
    for block in blocks:
        exec(compile(block, str(PAGE), "exec"), {"__name__": "strategies_page"})


def test_the_property_based_page_is_linked_from_the_index_and_links_the_detailed_pages() -> None:
    text = OVERVIEW.read_text()

    assert "(property-based.md)" in (PAGE.parent / "index.md").read_text()
    for page in ("strategies.md", "fuzzing.md", "compat.md"):
        assert f"({page}" in text


def test_every_python_example_of_the_property_based_page_runs() -> None:
    blocks = _python_blocks(OVERVIEW)

    assert len(blocks) == 3
    for block in blocks:
        exec(compile(block, str(OVERVIEW), "exec"), {"__name__": "property_based_page"})


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module("polycontract.strategies" + ("" if name == "__init__" else f".{name}"))

    failed, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)

    assert failed == 0
    assert tried > 0
