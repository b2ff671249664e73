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
MODULES = ["__init__", "_json", "_http", "_jsonschema", "_schemas"]


def test_the_strategies_page_is_linked_from_the_index() -> None:
    assert "(strategies.md)" in (PAGE.parent / "index.md").read_text()


def test_every_python_example_of_the_strategies_page_runs() -> None:
    blocks = re.findall(r"^```python\n(.*?)^```", PAGE.read_text(), re.MULTILINE | re.DOTALL)

    assert len(blocks) == 5
    for block in blocks:
        exec(compile(block, str(PAGE), "exec"), {"__name__": "strategies_page"})


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module("polycontract.strategies" + ("" if name == "__init__" else f".{name}"))

    failed, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)

    assert failed == 0
    assert tried > 0
