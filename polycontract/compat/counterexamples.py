"""Counterexamples for schema compatibility findings: a concrete value one side writes and the other rejects.

The rule tables of `avro` and `jsonschema` decide from the structure of two schemas. This module checks
each direction with data: it draws values from the *writing* schema (`polycontract.strategies.from_avro`,
`from_json_schema`) and asks hypothesis to find one the *reading* schema rejects, then shrinks it::

    from polycontract.compat import counterexamples
    found = counterexamples.jsonschema_examples(old, new, "BACKWARD", budget=100, seed=0)
    for shown in found.findings:
        print(shown.finding, shown.example)   # "... this message, written by old, cannot be read by new: {...}"
    found.contradicted    # a direction the rules call safe is broken by a value: fail

- Avro: the value is written with fastavro under the writer schema and read back with the reader
  schema (schema resolution); the counterexample is a value whose read raises.
- JSON Schema: the value is valid under the accepting schema and invalid under the other (jsonschema,
  each schema's own draft, ``format`` not asserted, as jsonschema does by default).
- A direction the rule table calls compatible for which a counterexample is found is a *contradiction*:
  `avro_examples` and `jsonschema_examples` turn it into an error finding (``generated-data-contradicts-rules``),
  so the gate fails — a real value breaks, whatever the table says.
- When no counterexample turns up within the budget, the result says so ("no counterexample found in
  N tries"); it claims neither compatibility nor breakage.

The search is deterministic for a seed (``random.Random(seed)``, no example database). hypothesis is
imported only here, and only when a search runs; the plain compat checks never import it.
"""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

from polycontract.compat import avro as _avro
from polycontract.compat import jsonschema as _jsonschema
from polycontract.compat._jsonschema_search import jsonschema_search
from polycontract.compat._load import load_document
from polycontract.compat._openapi_examples import openapi_examples
from polycontract.compat._outcomes import (
    CONTRADICTION,
    DEFAULT_BUDGET,
    Counterexample,
    Direction,
    Examples,
    Shown,
    contradiction_message,
    search,
)
from polycontract.errors import UsageError

__all__ = [
    "CONTRADICTION",
    "DEFAULT_BUDGET",
    "Counterexample",
    "Direction",
    "Examples",
    "Shown",
    "avro_contradiction",
    "avro_examples",
    "avro_search",
    "contradiction_message",
    "jsonschema_contradiction",
    "jsonschema_examples",
    "jsonschema_search",
    "openapi_examples",
]


def avro_search(
    reader: Any,
    writer: Any,
    *,
    budget: int = DEFAULT_BUDGET,
    seed: int = 0,
    reader_name: str = "reader",
    writer_name: str = "writer",
) -> Counterexample:
    """Search a value written with ``writer`` that fastavro cannot read with ``reader``.

    >>> avro_search({"type": "enum", "name": "E", "symbols": ["A"]},
    ...             {"type": "enum", "name": "E", "symbols": ["A", "B"]}).value
    'B'
    """
    import fastavro

    w_data = load_document(writer, name=writer_name, kind="Avro schema")
    r_data = load_document(reader, name=reader_name, kind="Avro schema")
    _avro.parse(w_data, name=writer_name), _avro.parse(r_data, name=reader_name)  # the checks' own errors
    w_parsed = fastavro.parse_schema(w_data)
    r_parsed = fastavro.parse_schema(r_data)

    def written(value: Any) -> bytes | None:
        out = io.BytesIO()
        try:
            fastavro.schemaless_writer(out, w_parsed, value)
        except Exception:  # a value the writer refuses is no message at all
            return None
        return out.getvalue()

    def read_error(value: Any) -> str | None:
        data = written(value)
        if data is None:
            return None
        try:
            fastavro.schemaless_reader(io.BytesIO(data), w_parsed, r_parsed)
        except Exception as exc:  # any failure to resolve is the reader's rejection
            return f"{type(exc).__name__}: {exc}"
        return None

    from polycontract.strategies import from_avro

    return search(
        lambda: from_avro(w_data), read_error, budget=budget, seed=seed, writer=writer_name, reader=reader_name
    )


def avro_examples(
    new: Any,
    previous: list[Any],
    level: str = "BACKWARD",
    *,
    budget: int = DEFAULT_BUDGET,
    seed: int = 0,
    names: list[str] | None = None,
) -> Examples:
    """Search every pair `avro.check_level` checks, in its order (a direction's ``key`` is the pair's index).

    Each error finding of a pair is shown with the pair's counterexample (fastavro does not say which
    rule a read broke, so one value serves the pair). ``names`` labels ``previous`` then ``new`` (file
    names in the CLI); by default ``version N`` and ``new``.
    """
    labels = names or [f"version {i + 1}" for i in range(len(previous))] + ["new"]
    report = _avro.check_level(new, previous, level)
    # read as data once (text parses once, not once per pair searched); the check above reported any error
    new = load_document(new, name=labels[-1], kind="Avro schema")
    previous = [load_document(p, name=n, kind="Avro schema") for p, n in zip(previous, labels, strict=False)]
    directions: list[Direction] = []
    shown: list[Shown] = []
    for index, pair in enumerate(report.pairs):
        old, old_name = previous[pair.version], labels[pair.version]
        sides = ((new, labels[-1]), (old, old_name))
        (reader, r_name), (writer, w_name) = sides if pair.reader == "new" else sides[::-1]
        example = avro_search(reader, writer, budget=budget, seed=seed, reader_name=r_name, writer_name=w_name)
        label = f"{r_name} reads {w_name} data"
        direction = Direction(key=str(index), label=label, breaking=not pair.report.compatible, example=example)
        directions.append(direction)
        if direction.contradicts_rules:
            shown.append(Shown(key=direction.key, finding=avro_contradiction(direction), example=example))
        for f in pair.report.findings:
            shown.append(Shown(key=direction.key, finding=f, example=example if f.severity == "error" else None))
    return Examples(directions=tuple(directions), findings=tuple(shown))


def jsonschema_examples(
    old: Any,
    new: Any,
    level: str = "BACKWARD",
    *,
    budget: int = DEFAULT_BUDGET,
    seed: int = 0,
    old_name: str = "old",
    new_name: str = "new",
) -> Examples:
    """Search the directions a JSON Schema ``level`` asks for (backward: old data, new reader; forward; or both).

    Each incompatible finding of a searched direction gets its own search: a value the reader rejects
    *at that finding's pointer* (a jsonschema error whose schema path leads there). If none turns up,
    the direction's value is shown, with a note saying it breaks another part of the schema.
    """
    wanted = level.upper()
    if wanted not in ("BACKWARD", "FORWARD", "FULL"):
        raise UsageError(f"level={level!r} is not one of BACKWARD, FORWARD, FULL")
    report = _jsonschema.compare(old, new, old_name=old_name, new_name=new_name)
    # read as data once (text parses once, not once per search); the comparison above reported any error
    old = load_document(old, name=old_name, kind="JSON Schema")
    new = load_document(new, name=new_name, kind="JSON Schema")
    sides = {"backward": (old, new, old_name, new_name), "forward": (new, old, new_name, old_name)}
    keys = [k for k in ("backward", "forward") if wanted in (k.upper(), "FULL")]

    def searched(key: str, pointer: str | None = None) -> Counterexample:
        accepting, rejecting, a_name, r_name = sides[key]
        return jsonschema_search(
            accepting,
            rejecting,
            budget=budget,
            seed=seed,
            accepting_name=a_name,
            rejecting_name=r_name,
            pointer=pointer,
        )

    directions: list[Direction] = []
    for key in keys:
        example = searched(key)
        breaking = not (report.backward if key == "backward" else report.forward)
        directions.append(Direction(key=key, label=key, breaking=breaking, example=example))
    by_key = {d.key: d for d in directions}
    shown = [
        Shown(key=d.key, finding=jsonschema_contradiction(d), example=d.example)
        for d in directions
        if d.contradicts_rules
    ]
    for f in report.findings:
        direction = by_key.get(f.direction)
        if direction is None or f.compatible:
            shown.append(Shown(key=f.direction, finding=f))
            continue
        example = searched(f.direction, f.pointer)
        if not example.found and direction.example.found:
            note = f"no value breaking {f.pointer or '/'} alone found in {budget} tries; this one breaks the direction"
            example = replace(direction.example, note=note)
        shown.append(Shown(key=f.direction, finding=f, example=example))
    return Examples(directions=tuple(directions), findings=tuple(shown))


def avro_contradiction(direction: Direction) -> _avro.Finding:
    """A direction's contradiction as an Avro error finding (rule `CONTRADICTION`, path ``$``)."""
    return _avro.Finding(
        path="$",
        rule=CONTRADICTION,
        message=contradiction_message(direction),
        reader=direction.example.reader,
        writer=direction.example.writer,
    )


def jsonschema_contradiction(direction: Direction) -> _jsonschema.Finding:
    """A direction's contradiction as an incompatible JSON Schema finding (change `CONTRADICTION`, pointer ``""``)."""
    return _jsonschema.Finding(
        pointer="",
        change=CONTRADICTION,
        compatible=False,
        direction="forward" if direction.key == "forward" else "backward",
        message=contradiction_message(direction),
    )
