"""A small Gherkin reader and step registry for the Pact compatibility suite.

The suite (pact-foundation/pact-compatibility-suite) is written for Cucumber. We do not need
Cucumber: we read each ``Scenario`` into `Step` values (keyword, text, data table, doc string)
and dispatch every step to a Python function chosen by a regular expression (`StepRegistry`).
Only the Gherkin the suite uses is supported: ``Feature``, ``Background``, ``Scenario`` (no
outlines), tags, comments, data tables and doc strings.

The suite data is never copied into the project: callers pass the folder ``pact_spec.py`` finds
(``features/`` and ``fixtures/``), whose tests fail with how to get it when it is missing.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree

__all__ = [
    "FixtureBody",
    "GherkinError",
    "Scenario",
    "Step",
    "StepRegistry",
    "changed",
    "headers_cell",
    "interaction_rows",
    "load_fixture_body",
    "load_json_cell",
    "parse_feature",
    "query_cell",
    "read_scenarios",
    "table_records",
]


class GherkinError(ValueError):
    """A feature file uses Gherkin this reader does not understand; the message names the line."""


@dataclass(frozen=True, kw_only=True)
class Step:
    """One step. ``keyword`` is ``Given``, ``When`` or ``Then`` (``And``/``But`` take the previous one)."""

    keyword: str
    text: str
    line: int
    table: tuple[tuple[str, ...], ...] | None = None
    doc_string: str | None = None

    def __str__(self) -> str:
        return f"{self.keyword} {self.text} (line {self.line})"


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A scenario with the feature's background steps in front of its own."""

    feature: str
    name: str
    line: int
    steps: tuple[Step, ...]
    tags: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """``V3/matching_rules: Supports an include matcher (positive case)``."""
        return f"{self.feature}: {self.name}"


_STEP = re.compile(r"(Given|When|Then|And|But|\*)\s+(.*)")
_SECTION = re.compile(r"(Feature|Background|Scenario|Example|Scenario Outline|Scenario Template|Rule|Examples):\s*(.*)")


def _cells(line: str, number: int) -> tuple[str, ...]:
    """The cells of a ``| a | b |`` row; ``\\|``, ``\\n`` and ``\\\\`` are escapes."""
    if not line.endswith("|"):
        raise GherkinError(f"line {number}: a table row must end with '|': {line!r}")
    cells: list[str] = []
    current: list[str] = []
    chars = iter(line[1:])
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            current.append({"|": "|", "n": "\n", "\\": "\\"}.get(nxt, "\\" + nxt))
        elif ch == "|":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    return tuple(cells)


def parse_feature(text: str, feature: str) -> list[Scenario]:
    """Every scenario of a feature file, named ``feature`` (e.g. ``V3/matching_rules``)."""
    lines = text.splitlines()
    background: list[Step] = []
    scenarios: list[tuple[str, int, tuple[str, ...], list[Step]]] = []
    target: list[Step] | None = None
    pending_tags: list[str] = []
    last_keyword: str | None = None
    i = 0
    while i < len(lines):
        number, line = i + 1, lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        if line.startswith("@"):
            pending_tags.extend(tag for tag in line.split() if tag.startswith("@"))
            continue
        section = _SECTION.fullmatch(line)
        if section:
            kind, title = section.groups()
            if kind in ("Scenario Outline", "Scenario Template", "Examples", "Rule"):
                raise GherkinError(f"line {number}: {kind!r} is not supported by this reader")
            if kind == "Background":
                target = background
            elif kind in ("Scenario", "Example"):
                steps: list[Step] = []
                scenarios.append((title.strip(), number, tuple(pending_tags), steps))
                target = steps
            pending_tags = []
            last_keyword = None
            continue
        step = _STEP.fullmatch(line)
        if step:
            if target is None:
                raise GherkinError(f"line {number}: step outside a scenario: {line!r}")
            word, body = step.groups()
            if word in ("And", "But", "*"):
                if last_keyword is None:
                    raise GherkinError(f"line {number}: {word!r} with no step before it")
                word = last_keyword
            last_keyword = word
            table, doc, i = _step_argument(lines, i)
            target.append(Step(keyword=word, text=body.strip(), line=number, table=table, doc_string=doc))
            continue
        if target is None:  # free text under Feature:
            continue
        raise GherkinError(f"line {number}: cannot read {line!r}")
    back = tuple(background)
    return [
        Scenario(feature=feature, name=name, line=line_no, steps=back + tuple(steps), tags=tags)
        for name, line_no, tags, steps in scenarios
    ]


def _step_argument(lines: list[str], i: int) -> tuple[tuple[tuple[str, ...], ...] | None, str | None, int]:
    """The data table or doc string after a step starting at ``lines[i]``, and the next line index."""
    rows: list[tuple[str, ...]] = []
    while i < len(lines) and lines[i].strip().startswith("|"):
        rows.append(_cells(lines[i].strip(), i + 1))
        i += 1
    if rows:
        if any(len(r) != len(rows[0]) for r in rows):
            raise GherkinError(f"line {i}: table rows have different numbers of cells")
        return tuple(rows), None, i
    if i < len(lines) and lines[i].strip()[:3] in ('"""', "```"):
        fence = lines[i].strip()[:3]
        indent = len(lines[i]) - len(lines[i].lstrip())
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != fence:
            text = lines[i]
            body.append(text[indent:] if text[:indent].strip() == "" else text.lstrip())
            i += 1
        if i >= len(lines):
            raise GherkinError(f"line {i}: unterminated doc string")
        return None, "\n".join(body), i + 1
    return None, None, i


def read_scenarios(suite: Path, features: list[str]) -> list[Scenario]:
    """Scenarios of ``features`` (``"V3/http_matching"``...) under ``suite``; empty when it is absent."""
    if not suite.is_dir():
        return []
    out: list[Scenario] = []
    for feature in features:
        path = suite / "features" / f"{feature}.feature"
        out.extend(parse_feature(path.read_text(encoding="utf-8"), feature))
    return out


def table_records(table: tuple[tuple[str, ...], ...] | None) -> list[dict[str, str]]:
    """A table with a header row as one dict per data row."""
    if not table:
        raise AssertionError("this step needs a data table")
    header, *rows = table
    return [dict(zip(header, row)) for row in rows]


# ------------------------------------------------------------------------------------------ steps

StepFunction = Callable[..., None]


@dataclass(frozen=True)
class _Definition:
    keyword: str
    pattern: re.Pattern[str]
    function: StepFunction


class StepRegistry:
    """Step phrasings (full-match regexes) to functions ``f(world, step, *groups)``.

    >>> steps = StepRegistry()
    >>> @steps.given(r'a number (\\d+)')
    ... def _(world, step, n): world.append(int(n))
    >>> world = []
    >>> steps.run(world, Step(keyword="Given", text="a number 4", line=1))
    >>> world
    [4]
    """

    def __init__(self) -> None:
        self._definitions: list[_Definition] = []

    def _add(self, keyword: str, pattern: str) -> Callable[[StepFunction], StepFunction]:
        def register(function: StepFunction) -> StepFunction:
            self._definitions.append(_Definition(keyword, re.compile(pattern), function))
            return function

        return register

    def given(self, pattern: str) -> Callable[[StepFunction], StepFunction]:
        """Register a ``Given`` step."""
        return self._add("Given", pattern)

    def when(self, pattern: str) -> Callable[[StepFunction], StepFunction]:
        """Register a ``When`` step."""
        return self._add("When", pattern)

    def then(self, pattern: str) -> Callable[[StepFunction], StepFunction]:
        """Register a ``Then`` step."""
        return self._add("Then", pattern)

    def find(self, step: Step) -> tuple[StepFunction, tuple[str, ...]]:
        """The one definition for ``step``; a clear error when none or several match."""
        found = [
            (d.function, m.groups())
            for d in self._definitions
            if d.keyword == step.keyword and (m := d.pattern.fullmatch(step.text))
        ]
        if not found:
            raise LookupError(f"undefined step: {step}")
        if len(found) > 1:
            raise LookupError(f"ambiguous step ({len(found)} definitions match): {step}")
        return found[0]

    def run(self, world: Any, step: Step) -> None:
        """Run one step against ``world``."""
        function, groups = self.find(step)
        function(world, step, *groups)

    def undefined(self, scenarios: list[Scenario]) -> Iterator[Step]:
        """Steps of ``scenarios`` that no definition matches (to report all gaps at once)."""
        for scenario in scenarios:
            for step in scenario.steps:
                try:
                    self.find(step)
                except LookupError:
                    yield step


# --------------------------------------------------------------------------------------- fixtures

_EXTENSION_TYPES = {
    ".json": "application/json",
    ".xml": "application/xml",
    ".jpg": "image/jpeg",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
}


@dataclass(frozen=True, kw_only=True)
class FixtureBody:
    """A body described by a table cell: its bytes (or JSON value) and content type."""

    content: Any
    content_type: str | None


def load_fixture_body(fixtures: Path, cell: str, content_type: str | None = None) -> FixtureBody:
    """The body a table cell describes.

    ``JSON: {...}`` is a JSON value, ``XML: <a/>`` XML text, ``EMPTY`` an empty body,
    ``file: X-body.xml`` a body descriptor (``<body><contentType/><contents/></body>``),
    ``file: X`` the file's bytes with the content type of its extension (JSON files as values),
    and anything else plain text. ``content_type`` (the table's ``content type`` column) wins.
    """
    cell = cell.strip()
    if cell.startswith("JSON:"):
        return FixtureBody(content=json.loads(cell[5:]), content_type=content_type or "application/json")
    if cell.startswith("XML:"):
        return FixtureBody(content=cell[4:].strip(), content_type=content_type or "application/xml")
    if cell == "EMPTY":
        return FixtureBody(content=b"", content_type=content_type)
    if cell.startswith("file:"):
        name = cell[5:].strip()
        path = fixtures / name
        if name.endswith("-body.xml"):
            return _descriptor(path, content_type)
        media = content_type or _EXTENSION_TYPES.get(path.suffix.lower(), "application/octet-stream")
        data = path.read_bytes()
        if media.split(";")[0].strip().endswith(("/json", "+json")):
            return FixtureBody(content=json.loads(data), content_type=media)
        return FixtureBody(content=data, content_type=media)
    return FixtureBody(content=cell, content_type=content_type or "text/plain")


def _descriptor(path: Path, content_type: str | None) -> FixtureBody:
    root = ElementTree.fromstring(path.read_bytes())
    media = (root.findtext("contentType") or "text/plain").strip()
    contents = root.find("contents")
    text = "".join(contents.itertext()).strip() if contents is not None else ""
    attributes = contents.attrib if contents is not None else {}
    if attributes.get("eol") == "CRLF":
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    data = base64.b64decode(text) if attributes.get("encoding") == "base64" else text.encode("utf-8")
    return FixtureBody(content=data, content_type=content_type or media)


def load_json_cell(fixtures: Path, cell: str) -> Any:
    """``JSON: {...}`` inline, or the name of a JSON fixture file (matching rules, generators)."""
    cell = cell.strip()
    if cell.startswith("JSON:"):
        return json.loads(cell[5:])
    return json.loads((fixtures / cell.removeprefix("file:").strip()).read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------ interaction tables


def headers_cell(cell: str) -> dict[str, tuple[str, ...]]:
    """``'X-A: 1234', 'X-B: 5'`` as headers (a name given twice keeps both values)."""
    out: dict[str, tuple[str, ...]] = {}
    for item in re.findall(r"'([^']*)'", cell) or [cell]:
        name, _, value = item.strip().partition(":")
        out[name.strip()] = (*out.get(name.strip(), ()), value.strip())
    return out


def query_cell(cell: str) -> dict[str, tuple[str, ...]]:
    """``a=1&b=2&a=3`` as query parameters."""
    out: dict[str, tuple[str, ...]] = {}
    for name, value in parse_qsl(cell, keep_blank_values=True):
        out[name] = (*out.get(name, ()), value)
    return out


def changed(record: dict[str, str], changes: dict[str, str]) -> dict[str, str]:
    """A table row with the cells of a ``with the following changes`` row put over it."""
    out = dict(record)
    for column, value in changes.items():
        out["headers" if column == "raw headers" else column] = value
    return out


def interaction_rows(table: tuple[tuple[str, ...], ...] | None) -> dict[int, dict[str, str]]:
    """The rows of a ``the following HTTP interactions have been defined`` table by their ``No``."""
    return {int(record["No"]): record for record in table_records(table)}
