"""The fast indented JSON writer gives byte for byte what ``json.dumps(indent=...)`` gives."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polycontract.codec._json import dumps_indented

_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text()
_documents = st.recursive(
    _scalars, lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
)


@given(_documents, st.sampled_from([0, 1, 2, 4]))
def test_any_json_document_is_written_exactly_as_json_dumps_writes_it(doc: Any, indent: int) -> None:
    assert dumps_indented(doc, indent) == json.dumps(doc, indent=indent, ensure_ascii=False)


@pytest.mark.parametrize(
    "doc",
    [{1: "int key"}, (1, 2), {"a": OrderedDict(b=1)}, {"n": float("nan")}, [True, 2**70, -0.0, "\u2028\x00é"]],
    ids=["int-key", "tuple", "dict-subclass", "nan", "odd-scalars"],
)
def test_values_outside_the_fast_path_still_give_json_dumps_output(doc: Any) -> None:
    assert dumps_indented(doc, 2) == json.dumps(doc, indent=2, ensure_ascii=False)


def test_a_value_json_cannot_write_raises_as_json_dumps_does() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps_indented({"a": object()}, 2)
