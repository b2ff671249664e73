"""Avro reader/writer resolution: one table row per rule of the spec, checked in both directions,
with fastavro as a runtime oracle for every pair the checker calls compatible."""

from __future__ import annotations

import io
from typing import Any

import fastavro
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from polycontract.compat import avro
from polycontract.errors import SchemaError, UsageError


def rec(name: str, *fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, "fields": list(fields), **extra}


def fld(name: str, type_: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, **extra}


def enum(name: str, *symbols: str, **extra: Any) -> dict[str, Any]:
    return {"type": "enum", "name": name, "symbols": list(symbols), **extra}


ADDRESS = rec("Address", fld("zip", "string"))
TS_MILLIS = {"type": "long", "logicalType": "timestamp-millis"}
TS_MICROS = {"type": "long", "logicalType": "timestamp-micros"}
DATE = {"type": "int", "logicalType": "date"}


def dec(precision: int, scale: int) -> dict[str, Any]:
    return {"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale}


# (id, reader, writer, compatible, rules of the findings)
CASES: list[tuple[str, Any, Any, bool, set[str]]] = [
    ("same-primitive", "string", "string", True, set()),
    ("int-promotes-to-long", "long", "int", True, set()),
    ("int-promotes-to-float", "float", "int", True, set()),
    ("int-promotes-to-double", "double", "int", True, set()),
    ("long-promotes-to-float", "float", "long", True, set()),
    ("long-promotes-to-double", "double", "long", True, set()),
    ("float-promotes-to-double", "double", "float", True, set()),
    ("string-reads-as-bytes", "bytes", "string", True, set()),
    ("bytes-reads-as-string", "string", "bytes", True, {"bytes-read-as-string"}),
    ("long-does-not-narrow-to-int", "int", "long", False, {"type-mismatch"}),
    ("double-does-not-narrow-to-float", "float", "double", False, {"type-mismatch"}),
    ("int-is-not-a-string", "string", "int", False, {"type-mismatch"}),
    ("null-reads-only-as-null", "string", "null", False, {"type-mismatch"}),
    ("boolean-is-not-an-int", "int", "boolean", False, {"type-mismatch"}),
    ("fixed-is-not-bytes", "bytes", {"type": "fixed", "name": "F", "size": 4}, False, {"type-mismatch"}),
    (
        "reader-field-with-default-is-filled",
        rec("User", fld("id", "long"), fld("email", ["null", "string"], default=None)),
        rec("User", fld("id", "long")),
        True,
        set(),
    ),
    (
        "reader-field-without-default-fails",
        rec("User", fld("id", "long"), fld("email", "string")),
        rec("User", fld("id", "long")),
        False,
        {"reader-field-missing-default"},
    ),
    (
        "union-default-must-match-first-branch",
        rec("User", fld("id", "long"), fld("email", ["null", "string"], default="none")),
        rec("User", fld("id", "long")),
        False,
        {"reader-default-invalid"},
    ),
    (
        "union-default-matching-first-branch",
        rec("User", fld("id", "long"), fld("email", ["string", "null"], default="none")),
        rec("User", fld("id", "long")),
        True,
        set(),
    ),
    (
        "writer-only-field-is-skipped",
        rec("User", fld("id", "long")),
        rec("User", fld("id", "long"), fld("x", "int")),
        True,
        set(),
    ),
    (
        "field-order-does-not-matter",
        rec("User", fld("b", "int"), fld("a", "string")),
        rec("User", fld("a", "string"), fld("b", "int")),
        True,
        set(),
    ),
    (
        "reader-field-alias-takes-writer-field",
        rec("User", fld("user_id", "long", aliases=["id"])),
        rec("User", fld("id", "long")),
        True,
        set(),
    ),
    (
        "rename-without-alias-warns",
        rec("User", fld("user_id", "long", default=0)),
        rec("User", fld("id", "long")),
        True,
        {"field-dropped-by-rename"},
    ),
    (
        "nested-field-type-change-names-path",
        rec("User", fld("address", rec("Address", fld("zip", "int")))),
        rec("User", fld("address", ADDRESS)),
        False,
        {"type-mismatch"},
    ),
    (
        "record-name-must-match",
        rec("Person", fld("id", "long")),
        rec("User", fld("id", "long")),
        False,
        {"name-mismatch"},
    ),
    (
        "namespace-only-change-resolves",
        rec("User", fld("id", "long"), namespace="org.b"),
        rec("User", fld("id", "long"), namespace="com.a"),
        True,
        set(),
    ),
    (
        "relative-reader-alias-is-qualified",
        rec("Person", fld("id", "long"), namespace="com.acme", aliases=["User"]),
        rec("User", fld("id", "long"), namespace="com.acme"),
        True,
        set(),
    ),
    (
        "relative-alias-in-other-namespace-fails",
        rec("Person", fld("id", "long"), namespace="com.acme", aliases=["User"]),
        rec("User", fld("id", "long"), namespace="org.other"),
        False,
        {"name-mismatch"},
    ),
    (
        "writer-alias-has-no-effect",
        rec("Person", fld("id", "long")),
        rec("User", fld("id", "long"), aliases=["Person"]),
        False,
        {"name-mismatch"},
    ),
    ("enum-symbol-added-in-reader", enum("E", "A", "B", "C"), enum("E", "A", "B"), True, set()),
    ("enum-symbols-reordered", enum("E", "B", "A"), enum("E", "A", "B"), True, set()),
    ("enum-symbol-missing-without-default", enum("E", "A"), enum("E", "A", "B"), False, {"missing-enum-symbols"}),
    (
        "enum-symbol-missing-uses-default",
        enum("E", "A", "U", default="U"),
        enum("E", "A", "B"),
        True,
        {"enum-symbol-defaulted"},
    ),
    ("enum-name-must-match", enum("F", "A"), enum("E", "A"), False, {"name-mismatch"}),
    ("array-items-promote", {"type": "array", "items": "long"}, {"type": "array", "items": "int"}, True, set()),
    (
        "array-items-narrow-fails",
        {"type": "array", "items": "int"},
        {"type": "array", "items": "long"},
        False,
        {"type-mismatch"},
    ),
    ("map-values-promote", {"type": "map", "values": "double"}, {"type": "map", "values": "float"}, True, set()),
    ("map-is-not-array", {"type": "array", "items": "int"}, {"type": "map", "values": "int"}, False, {"type-mismatch"}),
    ("reader-union-takes-plain-writer", ["null", "long"], "int", True, set()),
    ("reader-union-first-promotable-branch", ["int", "double"], "long", True, set()),
    ("reader-union-without-branch-fails", ["null", "int"], "string", False, {"missing-union-branch"}),
    ("writer-union-every-branch-must-read", "string", ["null", "string"], False, {"type-mismatch"}),
    ("reader-union-superset", ["null", "string", "long"], ["null", "string"], True, set()),
    (
        "writer-union-branch-missing-in-reader",
        ["null", "string"],
        ["null", "string", "long"],
        False,
        {"missing-union-branch"},
    ),
    ("union-branches-promote", ["null", "double"], ["null", "float"], True, set()),
    (
        "fixed-same-size-and-name",
        {"type": "fixed", "name": "F", "size": 4},
        {"type": "fixed", "name": "F", "size": 4},
        True,
        set(),
    ),
    (
        "fixed-size-must-match",
        {"type": "fixed", "name": "F", "size": 8},
        {"type": "fixed", "name": "F", "size": 4},
        False,
        {"fixed-size-mismatch"},
    ),
    (
        "fixed-name-must-match",
        {"type": "fixed", "name": "G", "size": 4},
        {"type": "fixed", "name": "F", "size": 4},
        False,
        {"name-mismatch"},
    ),
    ("decimal-same-precision-scale", dec(10, 2), dec(10, 2), True, set()),
    ("decimal-scale-change-fails", dec(10, 3), dec(10, 2), False, {"decimal-mismatch"}),
    ("decimal-precision-change-fails", dec(12, 2), dec(10, 2), False, {"decimal-mismatch"}),
    ("bytes-to-decimal-warns", dec(10, 2), "bytes", True, {"logical-type-changed"}),
    ("timestamp-millis-to-micros-warns", TS_MICROS, TS_MILLIS, True, {"logical-type-changed"}),
    ("date-to-timestamp-warns", TS_MILLIS, DATE, True, {"logical-type-changed"}),
    ("same-logical-type", TS_MILLIS, TS_MILLIS, True, set()),
]

#: Cases whose compatible verdict fastavro can confirm by writing and reading generated data.
ORACLE = [c for c in CASES if c[3] and "logicalType" not in repr(c[1:3]) and c[0] != "bytes-reads-as-string"]


@pytest.mark.parametrize(("reader", "writer", "compatible", "rules"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_avro_resolution_rule(reader: Any, writer: Any, compatible: bool, rules: set[str]) -> None:
    report = avro.can_read(reader, writer)
    assert report.compatible is compatible, [str(f) for f in report.findings]
    assert {f.rule for f in report.findings} == rules


def test_nested_incompatibility_names_the_path_and_both_types() -> None:
    reader = rec("User", fld("address", rec("Address", fld("zip", "int"))))
    [finding] = avro.can_read(reader, rec("User", fld("address", ADDRESS))).findings
    assert (finding.path, finding.reader, finding.writer) == ("User.address.zip", "int", "string")
    assert finding.severity == "error"


def test_array_and_map_paths_mark_items_and_values() -> None:
    reader = rec("R", fld("tags", {"type": "array", "items": "int"}), fld("attrs", {"type": "map", "values": "int"}))
    writer = rec(
        "R", fld("tags", {"type": "array", "items": "long"}), fld("attrs", {"type": "map", "values": "string"})
    )
    assert {f.path for f in avro.can_read(reader, writer).findings} == {"R.tags[]", "R.attrs{}"}


def test_recursive_schemas_terminate() -> None:
    node = rec("Node", fld("value", "int"), fld("next", ["null", "Node"], default=None))
    wide = rec("Node", fld("value", "long"), fld("next", ["null", "Node"], default=None))
    assert avro.can_read(wide, node).compatible
    assert not avro.can_read(node, wide).compatible


def test_named_type_referenced_twice_is_resolved() -> None:
    schema = rec("User", fld("home", ADDRESS), fld("work", "Address"))
    narrowed = rec("User", fld("home", rec("Address", fld("zip", "int"))), fld("work", "Address"))
    assert avro.can_read(schema, schema).compatible
    assert not avro.can_read(narrowed, schema).compatible


def test_json_text_is_accepted() -> None:
    assert avro.can_read('{"type": "long"}', '"int"').compatible


@pytest.mark.parametrize(
    ("schema", "path", "fragment"),
    [
        ({"type": "record", "name": "R", "fields": [{"name": "a"}]}, "$", "field 0"),
        ({"type": "record", "name": "R", "fields": [fld("a", "Nope")]}, "$.fields[0].type", "unknown type"),
        ({"type": "enum", "name": "E", "symbols": "A"}, "$", "symbols"),
        (rec("R", fld("a", {"type": "fixed", "name": "F"})), "$.fields[0].type", "size"),
        ("{not json", "line 1", "neither JSON nor YAML"),
        (rec("R", fld("a", "int"), fld("a", "long")), "$", "appears twice"),
    ],
)
def test_invalid_schema_raises_schema_error_naming_source_and_path(schema: Any, path: str, fragment: str) -> None:
    with pytest.raises(SchemaError) as info:
        avro.can_read(schema, "int", reader_name="user.avsc")
    assert info.value.source == "user.avsc"
    assert info.value.path.startswith(path)
    assert fragment in str(info.value)


def test_invalid_default_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="Default value"):
        avro.can_read(rec("R", fld("a", "int", default="x")), "int")


# --- levels ----------------------------------------------------------------------------------------

V1 = rec("User", fld("id", "long"), fld("f", "int"))
V2 = rec("User", fld("id", "long"))
V3 = rec("User", fld("id", "long"), fld("f", "string", default=""))


def test_backward_is_not_transitive() -> None:
    assert avro.check_level(V3, [V1, V2], "BACKWARD").compatible
    report = avro.check_level(V3, [V1, V2], "BACKWARD_TRANSITIVE")
    assert not report.compatible
    assert [(p.version, p.reader, p.report.compatible) for p in report.pairs] == [(0, "new", False), (1, "new", True)]
    assert report.findings[0].path == "User.f"


def test_forward_allows_adding_a_field_without_default() -> None:
    new = rec("User", fld("id", "long"), fld("name", "string"))
    assert avro.check_level(new, [V2], avro.Level.FORWARD).compatible
    assert not avro.check_level(new, [V2], avro.Level.BACKWARD).compatible


def test_forward_transitive_checks_every_previous_reader() -> None:
    assert avro.check_level(V2, [V2, V2], "FORWARD_TRANSITIVE").compatible
    assert not avro.check_level(V2, [V1, V2], "FORWARD_TRANSITIVE").compatible
    assert avro.check_level(V2, [V1, V2], "FORWARD").compatible


def test_full_allows_only_fields_with_defaults() -> None:
    with_default = rec("User", fld("id", "long"), fld("n", "int", default=0))
    assert avro.check_level(with_default, [V2], "full").compatible
    assert not avro.check_level(V1, [V2], "FULL").compatible
    assert not avro.check_level(V1, [V2, V2], "FULL_TRANSITIVE").compatible


def test_none_checks_nothing() -> None:
    report = avro.check_level("string", ["int"], "NONE")
    assert report.compatible
    assert report.pairs == ()


def test_unknown_level_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="level='SIDEWAYS'"):
        avro.check_level("int", ["int"], "SIDEWAYS")


def test_check_is_an_alias_of_check_level() -> None:
    assert avro.check is avro.check_level


# --- runtime oracle --------------------------------------------------------------------------------


def datums(node: Any, named: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Generate values that fastavro can write with the (parsed) schema ``node``."""
    while isinstance(node, str) and node in named:
        node = named[node]
    if isinstance(node, list):
        return st.one_of([_branch(b, named) for b in node])
    kind = node if isinstance(node, str) else node["type"]
    simple: dict[str, st.SearchStrategy[Any]] = {
        "null": st.none(),
        "boolean": st.booleans(),
        "int": st.integers(-(2**31), 2**31 - 1),
        "long": st.integers(-(2**63), 2**63 - 1),
        "float": st.floats(width=32, allow_nan=False),
        "double": st.floats(allow_nan=False),
        "bytes": st.binary(max_size=8),
        "string": st.text(max_size=8),
    }
    if kind in simple:
        return simple[kind]
    if kind == "record":
        return st.fixed_dictionaries({f["name"]: datums(f["type"], named) for f in node["fields"]})
    if kind == "enum":
        return st.sampled_from(node["symbols"])
    if kind == "fixed":
        return st.binary(min_size=node["size"], max_size=node["size"])
    if kind == "array":
        return st.lists(datums(node["items"], named), max_size=3)
    return st.dictionaries(st.text(max_size=4), datums(node["values"], named), max_size=3)


def _branch(node: Any, named: dict[str, Any]) -> st.SearchStrategy[Any]:
    resolved = named.get(node, node) if isinstance(node, str) else node
    if isinstance(resolved, dict) and resolved["type"] == "record":
        return datums(resolved, named).map(lambda value: (resolved["name"], value))
    return datums(node, named)


def assert_fastavro_reads_generated_data(reader: Any, writer: Any) -> None:
    w = avro.parse(writer)
    writer_schema, reader_schema = fastavro.parse_schema(writer), fastavro.parse_schema(reader)

    @settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
    @given(datums(w.root, w.named))
    def roundtrip(datum: Any) -> None:
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, writer_schema, datum)
        buffer.seek(0)
        fastavro.schemaless_reader(buffer, writer_schema, reader_schema)

    roundtrip()


def assert_fastavro_fails_on_some_datum(reader: Any, writer: Any) -> None:
    w = avro.parse(writer)
    writer_schema, reader_schema = fastavro.parse_schema(writer), fastavro.parse_schema(reader)

    def unreadable(datum: Any) -> bool:
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, writer_schema, datum)
        buffer.seek(0)
        try:
            fastavro.schemaless_reader(buffer, writer_schema, reader_schema)
        except Exception:
            return True
        return False

    find(
        datums(w.root, w.named), unreadable, settings=settings(max_examples=500, database=None, phases=[Phase.generate])
    )


@pytest.mark.parametrize(("reader", "writer"), [c[1:3] for c in ORACLE], ids=[c[0] for c in ORACLE])
def test_compatible_pairs_read_generated_data_with_fastavro(reader: Any, writer: Any) -> None:
    assert_fastavro_reads_generated_data(reader, writer)


def test_oracle_covers_most_compatible_cases() -> None:
    assert len(ORACLE) >= 20


#: Incompatible rows that fastavro's lenient alias matching reads anyway (compat-rules.md, "differs from the spec").
FASTAVRO_LENIENT = {"relative-alias-in-other-namespace-fails", "union-default-must-match-first-branch"}
WITNESS = [c for c in CASES if not c[3] and "logicalType" not in repr(c[1:3]) and c[0] not in FASTAVRO_LENIENT]


@pytest.mark.parametrize(("reader", "writer"), [c[1:3] for c in WITNESS], ids=[c[0] for c in WITNESS])
def test_incompatible_pairs_have_a_datum_fastavro_cannot_read(reader: Any, writer: Any) -> None:
    assert_fastavro_fails_on_some_datum(reader, writer)


#: Every row the other way round (the reader's schema now writes), except logical types and
#: bytes → string, which resolve only for UTF-8 data.
REVERSED = [
    (f"{c[0]}-reversed", c[2], c[1])
    for c in CASES
    if "logicalType" not in repr(c[1:3]) and c[0] != "string-reads-as-bytes"
]


@pytest.mark.parametrize(("reader", "writer"), [c[1:] for c in REVERSED], ids=[c[0] for c in REVERSED])
def test_reversed_pairs_agree_with_fastavro(reader: Any, writer: Any) -> None:
    if avro.can_read(reader, writer).compatible:
        assert_fastavro_reads_generated_data(reader, writer)
    else:
        assert_fastavro_fails_on_some_datum(reader, writer)


def test_invalid_previous_version_is_named_in_the_error() -> None:
    with pytest.raises(SchemaError) as info:
        avro.check_level("int", ["int", {"type": "enum", "name": "E"}], "BACKWARD_TRANSITIVE")
    assert info.value.source == "version 2"


# --- generated schema pairs ------------------------------------------------------------------------

PRIMITIVE_NAMES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]


def schemas(depth: int = 2) -> st.SearchStrategy[Any]:
    """Small Avro schemas over a shared vocabulary of names, so that pairs often resolve."""
    leaf = st.one_of(
        st.sampled_from([p for p in PRIMITIVE_NAMES if p != "bytes"]),
        st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=3, unique=True).flatmap(
            lambda symbols: st.sampled_from([{}, {"default": symbols[0]}]).map(
                lambda extra: {"type": "enum", "name": "E", "symbols": symbols, **extra}
            )
        ),
        st.sampled_from([1, 2]).map(lambda size: {"type": "fixed", "name": "F", "size": size}),
    )
    if depth == 0:
        return leaf
    inner = schemas(depth - 1)
    field_names = st.lists(st.sampled_from(["a", "b", "c"]), max_size=3, unique=True)
    record = field_names.flatmap(
        lambda names: st.tuples(*[st.tuples(inner, st.booleans()) for _ in names]).map(
            lambda types: {
                "type": "record",
                "name": f"R{depth}",
                "fields": [_field(n, t, d) for n, (t, d) in zip(names, types, strict=True)],
            }
        )
    )
    union = st.lists(st.sampled_from(["null", "int", "long", "string", "double"]), min_size=1, max_size=3, unique=True)
    return st.one_of(
        leaf,
        record,
        union,
        inner.map(lambda t: {"type": "array", "items": t}),
        inner.map(lambda t: {"type": "map", "values": t}),
    )


def _field(name: str, type_: Any, with_default: bool) -> dict[str, Any]:
    out = {"name": name, "type": type_}
    defaults = {"null": None, "boolean": False, "int": 0, "long": 0, "float": 0.0, "double": 0.0, "string": ""}
    if with_default and isinstance(type_, str) and type_ in defaults:
        out["default"] = defaults[type_]
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(schemas(), schemas(), st.data())
def test_generated_pairs_judged_compatible_read_with_fastavro(reader: Any, writer: Any, data: st.DataObject) -> None:
    try:
        report = avro.can_read(reader, writer)
    except SchemaError:
        return  # e.g. the same name defined twice in one generated schema
    if not report.compatible:
        return
    w = avro.parse(writer)
    writer_schema, reader_schema = fastavro.parse_schema(writer), fastavro.parse_schema(reader)
    for _ in range(3):
        datum = data.draw(datums(w.root, w.named))
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, writer_schema, datum)
        buffer.seek(0)
        fastavro.schemaless_reader(buffer, writer_schema, reader_schema)
