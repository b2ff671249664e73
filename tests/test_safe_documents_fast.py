"""`loads_yaml` reads YAML through libyaml where PyYAML has it, and must answer exactly as the pure-Python
path does: the same data (types, key order, objects shared by aliases), the same refusals with the same
messages, lines and columns, the same YAML errors. Each test reads documents both ways and compares."""

from __future__ import annotations

import ast
import contextlib
import re
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polycontract import _safe_documents as documents

yaml = pytest.importorskip("yaml")
pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml reads the pure way only")

ROOT = Path(__file__).resolve().parent.parent
#: The 449-byte bomb of tests/broker/test_http_bodies.py: nine levels of nine aliases.
ALIAS_BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{x}: &{x} [{','.join([f'*{p}'] * 9)}]" for p, x in zip("abcdefgh", "bcdefghi", strict=True)]
)


def shape(data: Any, seen: dict[int, int] | None = None) -> Any:
    """``data`` with every value's type, and each list or dict numbered so that sharing by aliases shows."""
    seen = {} if seen is None else seen
    if isinstance(data, dict | list):
        if id(data) in seen:
            return ("same object as", seen[id(data)])
        seen[id(data)] = len(seen)
        if isinstance(data, list):
            return ("list", seen[id(data)], [shape(item, seen) for item in data])
        return ("dict", seen[id(data)], [(shape(key, seen), shape(value, seen)) for key, value in data.items()])
    return (type(data).__name__, repr(data) if isinstance(data, float) else data)


def outcome(text: str, *, pure: bool, **limits: Any) -> tuple[Any, ...]:
    """What `loads_yaml` gives for ``text``: the data's `shape`, or the exception's type, message and place."""
    arguments: dict[str, Any] = {"max_depth": 100, **limits}
    only_pure = mock.patch.object(documents, "_fast_load", return_value=documents._UNSURE)
    try:
        with only_pure if pure else contextlib.nullcontext():
            data = documents.loads_yaml(text, **arguments)
    except documents.DocumentRefused as exc:
        return ("refused", type(exc).__name__, exc.problem, exc.line, exc.column)
    except Exception as exc:  # a YAML error, or anything else: compared by type and message
        return ("raised", type(exc).__name__, str(exc))
    return ("data", shape(data))


def assert_same_both_ways(text: str, **limits: Any) -> tuple[Any, ...]:
    for dates in (False, True):
        pure = outcome(text, pure=True, dates=dates, **limits)
        assert outcome(text, pure=False, dates=dates, **limits) == pure, text
    return pure


def answered_fast(text: str, *, dates: bool = True) -> bool:
    return documents._fast_load(text, 100, documents.MAX_EXPANDED, dates) is not documents._UNSURE


def yaml_files() -> list[Path]:
    return sorted(
        path
        for top in ("tests", "examples", "docs")
        for pattern in ("*.yaml", "*.yml")
        for path in (ROOT / top).rglob(pattern)
    )


def yaml_blocks_in_docs() -> list[str]:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    fence = re.compile(r"^```ya?ml\n(.*?)^```", re.DOTALL | re.MULTILINE)
    return [block for page in pages if page.exists() for block in fence.findall(page.read_text(encoding="utf-8"))]


def strings_in_tests() -> list[str]:
    """Every string constant in the compat and broker tests: schemas, bodies, tokens files, and plain words."""
    found: set[str] = set()
    for path in sorted([*(ROOT / "tests" / "compat").rglob("*.py"), *(ROOT / "tests" / "broker").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return sorted(found)


def test_each_yaml_file_and_yaml_block_of_the_docs_reads_the_same_both_ways() -> None:
    texts = [path.read_text(encoding="utf-8") for path in yaml_files()] + yaml_blocks_in_docs()
    assert len(texts) >= 3
    for text in texts:
        assert assert_same_both_ways(text)[0] == "data"
        assert answered_fast(text)


def test_each_string_in_the_compat_and_broker_tests_reads_the_same_both_ways() -> None:
    strings = strings_in_tests()
    assert len(strings) > 500
    for text in strings:
        assert_same_both_ways(text)


def openapi_document(operations: int) -> dict[str, Any]:
    item = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "maxLength": 80}}}
    paths = {
        f"/r{i}/{{id}}": {
            "get": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "ok: the item?", "content": {"application/json": {"schema": item}}}
                },
            }
        }
        for i in range(operations)
    }
    return {"openapi": "3.0.3", "info": {"title": "big", "version": "1"}, "paths": paths}


@pytest.mark.parametrize("flow", [False, True, None], ids=["block", "flow", "mixed"])
def test_an_openapi_document_is_read_by_libyaml_into_the_same_data(flow: bool | None) -> None:
    text = yaml.safe_dump(openapi_document(50), sort_keys=False, default_flow_style=flow)
    assert assert_same_both_ways(text) == ("data", shape(openapi_document(50)))
    assert answered_fast(text)


def test_an_alias_gives_the_object_its_anchor_built_both_ways() -> None:
    text = "a: &x {k: [1, 2]}\nb: *x\nc: &s text\nd: *s\n"
    assert assert_same_both_ways(text)[0] == "data"
    data = documents.loads_yaml(text, max_depth=10)
    assert answered_fast(text) and data["a"] is data["b"]


HOSTILE = {
    "alias bomb": ALIAS_BOMB,
    "cycle": "a: &x [1, *x]\n",
    "cycle through a mapping": "&m {k: *m}\n",
    "binary": "a: !!binary aGVsbG8=\n",
    "set": "!!set {a, b}\n",
    "python": "a: !!python/object/apply:os.system [echo]\n",
    "local tag": "a: !thing 1\n",
    "nan": "a: [1, .NaN]\n",
    "infinity": "a: -.inf\n",
    "a float past infinity": "a: 1.0e+999\n",
    "deep flow": "[" * 150 + "]" * 150,
    "very deep flow": "[" * 2000 + "]" * 2000,
    "deep block": "".join(" " * i + "- \n" for i in range(150)) + " " * 150 + "x\n",
    "deep through an alias": "a: &d "
    + "[" * 60
    + "]" * 60
    + "\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*d]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
    "int past the conversion limit": "a: " + "7" * 5000 + "\n",
    "merge key": "base: &b {t: 1, u: 2}\nx:\n  <<: *b\n  u: 3\n",
    "merge list": "a: &a {x: 1}\nb: &b {y: 2}\nc: {<<: [*a, *b], z: 3}\n",
    "value key": "= : 1\n",
    "sequence as key": "? [a, b]\n: 1\n",
    "mapping as key": "? {a: 1}\n: 1\n",
    "duplicate anchor": "a: &x 1\nb: &x 2\n",
    "undefined alias": "a: *nowhere\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "tab after a value": "a: b\tc\n",
    "byte order mark inside": "a: x\ufeffy\n",
    "comment after a block indicator": "a: >#c\n  x\n",
    "question mark in a flow scalar": "[a?b]\n",
    "non-printable": "a: \x07\n",
    "empty non-specific tag": "a: !\n",
    "not yaml": "a: [\n",
    "key too long": "k" * 1100 + ": 1\n",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_or_unusual_document_gets_the_same_answer_both_ways(text: str) -> None:
    assert_same_both_ways(text)
    assert_same_both_ways(text, max_expanded=64)


def test_the_alias_bomb_is_refused_with_the_same_message_and_place_both_ways() -> None:
    refused = assert_same_both_ways(ALIAS_BOMB)
    assert refused[0] == "refused" and "expands to more than" in refused[2] and refused[3] is not None


def test_a_refusal_keeps_its_message_line_and_column() -> None:
    assert outcome("a: 1\nb: [2, .nan]\n", pure=False) == (
        "refused",
        "DocumentRefused",
        ".nan is not a JSON number (JSON has no NaN or infinity)",
        2,
        8,
    )


json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(
    data=json_data,
    flow=st.sampled_from([False, True, None]),
    style=st.sampled_from([None, "'", '"', "|", ">"]),
    unicode=st.booleans(),
    width=st.sampled_from([20, 80, 10_000]),
)
def test_json_data_dumped_as_yaml_reads_the_same_both_ways(
    data: Any, flow: bool | None, style: str | None, unicode: bool, width: int
) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, default_style=style, allow_unicode=unicode, width=width)
    pure = assert_same_both_ways(text)
    assert pure[0] == "data"
    if flow is False and style is None and not documents._PURE_ONLY.search(text):
        assert answered_fast(text)


PIECES = [
    "a",
    "b",
    "k: ",
    ": ",
    ":",
    "- ",
    "-",
    "? ",
    "?",
    " ",
    "  ",
    "\n",
    "\n  ",
    "\n- ",
    "\r\n",
    "\r",
    "\x85",
    "\u2028",
    "é",
    "😀",
    "[",
    "]",
    "{",
    "}",
    ", ",
    ",",
    "'",
    '"',
    "\\",
    "\\n",
    "\\x41",
    "\\/",
    "#",
    " #c",
    "&x ",
    "*x",
    "&y ",
    "*y",
    "!!str ",
    "!!int ",
    "!!map ",
    "!!seq ",
    "! ",
    "!e ",
    "!<tag:yaml.org,2002:str> ",
    "|",
    ">",
    "|-",
    ">+",
    "|2",
    "---",
    "...",
    "--- ",
    "%YAML 1.1\n",
    "%TAG !e! tag:yaml.org,2002:\n",
    "1",
    "-1",
    "0x1F",
    "0o7",
    "017",
    "1_0",
    "1.5",
    "1e3",
    "1.0e+3",
    ".inf",
    ".nan",
    "~",
    "null",
    "yes",
    "No",
    "on",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "<<",
    "=",
    "\t",
    "\ufeff",
    "%",
    "@",
    "`",
]


@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=30).map("".join))
def test_any_yaml_like_text_gets_the_same_answer_both_ways(text: str) -> None:
    assert_same_both_ways(text)


@given(st.text(alphabet=st.sampled_from([*"ab:-?# \n'\"[]{},&*!|>.0\\\t", "\u2028", "\x85"]), max_size=40))
def test_any_short_text_of_yaml_characters_gets_the_same_answer_both_ways(text: str) -> None:
    assert_same_both_ways(text)


def test_the_pure_path_alone_answers_where_libyaml_is_missing() -> None:
    with mock.patch.object(yaml, "__with_libyaml__", False):
        assert not answered_fast("a: 1\n")
        assert documents.loads_yaml("a: [1, x]\n", max_depth=5) == {"a": [1, "x"]}
