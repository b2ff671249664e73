"""Avro schema compatibility: can a reader schema resolve data written with a writer schema?

The rules are those of the Avro specification's "Schema Resolution" section, checked for the
whole schema rather than per datum (a union branch or enum symbol that no sample uses still
counts)::

    from polycontract.compat import avro
    report = avro.can_read(new_schema, old_schema)
    report.compatible          # False if any finding is an error
    [f.path for f in report.findings]   # ["User.address.zip", ...]

Policies beyond the specification's text:

- ``decimal``: two decimals resolve only if precision and scale are equal (the spec's rule;
  fastavro and the Apache checker ignore it). Decimal to plain bytes/fixed, or back, resolves
  with a ``logical-type-changed`` warning.
- Any other change of logical type that the physical types allow (``timestamp-millis`` to
  ``timestamp-micros``, ``date`` to ``timestamp-millis`` by promotion) is compatible with a
  ``logical-type-changed`` warning: the bytes resolve, the meaning does not.
- Named types match by unqualified name or by a reader alias (relative aliases are qualified
  with the namespace of the name they belong to); writer aliases have no effect.
- A reader union picks the first branch of the same type, else the first that the writer
  type promotes to.
- ``bytes`` read as ``string`` resolves (the spec allows it) with a ``bytes-read-as-string``
  warning: bytes that are not UTF-8 fail at run time.
- A reader-only field's default must match its type, for a union its *first* branch
  (``reader-default-invalid``; fastavro accepts a default matching any branch).
- A reader-only field with a default beside a writer-only field of the same type is a likely
  rename without an alias: compatible, with a ``field-dropped-by-rename`` warning.

`check_level` applies the Schema Registry levels (BACKWARD … FULL_TRANSITIVE, NONE).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from polycontract.compat._avro_parse import NAMED as _NAMED
from polycontract.compat._avro_parse import ParsedSchema, parse
from polycontract.compat._avro_parse import default_fits as _default_fits
from polycontract.compat._avro_parse import describe as _describe
from polycontract.compat._avro_parse import kind_of as _kind
from polycontract.compat._avro_parse import logical_type as _logical_type
from polycontract.errors import UsageError

__all__ = [
    "Finding",
    "Level",
    "LevelReport",
    "PairResult",
    "ParsedSchema",
    "Report",
    "can_read",
    "check",
    "check_level",
    "parse",
]

_PROMOTIONS: dict[str, frozenset[str]] = {
    "int": frozenset({"long", "float", "double"}),
    "long": frozenset({"float", "double"}),
    "float": frozenset({"double"}),
    "string": frozenset({"bytes"}),
    "bytes": frozenset({"string"}),
}


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One reason a reader cannot (``error``) or can only lossily (``warning``) read a writer's data."""

    path: str
    rule: str
    message: str
    severity: Literal["error", "warning"] = "error"
    reader: str = ""
    writer: str = ""

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message} [{self.rule}]"


@dataclass(frozen=True, kw_only=True)
class Report:
    """The verdict of `can_read`: compatible unless a finding is an error; errors come first."""

    findings: tuple[Finding, ...] = ()

    @property
    def compatible(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")


def can_read(reader: Any, writer: Any, *, reader_name: str = "reader", writer_name: str = "writer") -> Report:
    """Check that data written with ``writer`` resolves under ``reader`` for every possible datum.

    Schemas are dicts, lists, JSON text or `ParsedSchema`; a schema that does not parse raises
    `polycontract.errors.SchemaError` naming ``reader_name`` or ``writer_name``.

    >>> can_read({"type": "long"}, "int").compatible
    True
    """
    r = parse(reader, name=reader_name)
    w = parse(writer, name=writer_name)
    findings = list(_Checker(r, w).check(r.root, w.root, _root_path(r, r.root)))
    findings.sort(key=lambda f: f.severity != "error")
    return Report(findings=tuple(findings))


class _Checker:
    def __init__(self, reader: ParsedSchema, writer: ParsedSchema) -> None:
        self.r = reader
        self.w = writer
        self._seen: set[tuple[int, int]] = set()

    def check(self, r_node: Any, w_node: Any, path: str) -> Iterator[Finding]:
        r, w = self.r.resolve(r_node), self.w.resolve(w_node)
        if isinstance(w, list):
            for branch in w:
                yield from self.check(r, branch, path)
            return
        if isinstance(r, list):
            chosen = self._select_branch(r, w)
            if chosen is None:
                yield self._finding(path, "missing-union-branch", "no branch of the reader union reads it", r, w)
            else:
                yield from self.check(chosen, w, path)
            return
        r_kind, w_kind = _kind(r), _kind(w)
        if r_kind != w_kind and r_kind not in _PROMOTIONS.get(w_kind, frozenset()):
            yield self._finding(path, "type-mismatch", f"{_describe(w)} cannot be read as {_describe(r)}", r, w)
            return
        if r_kind in _NAMED and not self._names_match(r, w):
            yield self._finding(
                path, "name-mismatch", f"{r_kind} {r['name']!r} does not match {w['name']!r} (add a reader alias)", r, w
            )
            return
        yield from self._check_kind(r_kind, r, w, path)

    def _check_kind(self, kind: str, r: Any, w: Any, path: str) -> Iterator[Finding]:
        if kind in ("record", "error"):
            key = (id(r), id(w))
            if key not in self._seen:
                self._seen.add(key)
                yield from self._record(r, w, path)
        elif kind == "enum":
            yield from self._enum(r, w, path)
        elif kind == "array":
            yield from self.check(r["items"], w["items"], path + "[]")
        elif kind == "map":
            yield from self.check(r["values"], w["values"], path + "{}")
        else:
            if kind == "string" and _kind(w) == "bytes":
                message = "bytes resolve as a string only when they are valid UTF-8"
                yield self._finding(path, "bytes-read-as-string", message, r, w, warn=True)
            if kind == "fixed" and r["size"] != w["size"]:
                message = f"fixed size {w['size']} cannot be read as size {r['size']}"
                yield self._finding(path, "fixed-size-mismatch", message, r, w)
                return
            yield from self._logical(r, w, path)

    def _record(self, r: dict[str, Any], w: dict[str, Any], path: str) -> Iterator[Finding]:
        w_fields = {f["name"]: f for f in w["fields"]}
        used: set[str] = set()
        defaulted: list[dict[str, Any]] = []
        for rf in r["fields"]:
            wf = w_fields.get(rf["name"]) or next(
                (w_fields[a] for a in rf.get("aliases", ()) if a in w_fields and a not in used), None
            )
            field_path = f"{path}.{rf['name']}"
            if wf is not None:
                used.add(wf["name"])
                yield from self.check(rf["type"], wf["type"], field_path)
            elif "default" in rf:
                defaulted.append(rf)
                first = self.r.resolve(rf["type"])
                first = self.r.resolve(first[0]) if isinstance(first, list) else first
                if not _default_fits(rf["default"], first):
                    message = (
                        f"default {rf['default']!r} of reader field {rf['name']!r} does not match {_describe(first)}"
                    )
                    if isinstance(self.r.resolve(rf["type"]), list):
                        message += ", the first branch of its union"
                    yield self._finding(field_path, "reader-default-invalid", message, rf["type"], None)
            else:
                message = f"reader field {rf['name']!r} is not written and has no default"
                yield self._finding(field_path, "reader-field-missing-default", message, rf["type"], None)
        dropped = [wf for name, wf in w_fields.items() if name not in used]
        for rf in defaulted:
            same = [
                wf["name"]
                for wf in dropped
                if _describe(self.w.resolve(wf["type"])) == _describe(self.r.resolve(rf["type"]))
            ]
            if same:
                message = (
                    f"reader field {rf['name']!r} takes its default while writer field(s) {same} of the same type "
                    "are skipped; if this is a rename, add an alias"
                )
                yield self._finding(
                    f"{path}.{rf['name']}", "field-dropped-by-rename", message, rf["type"], None, warn=True
                )

    def _enum(self, r: dict[str, Any], w: dict[str, Any], path: str) -> Iterator[Finding]:
        missing = [s for s in w["symbols"] if s not in set(r["symbols"])]
        if not missing:
            return
        if "default" in r:
            message = f"writer symbols {missing} are read as the reader's default {r['default']!r}"
            yield self._finding(path, "enum-symbol-defaulted", message, r, w, warn=True)
        else:
            message = f"writer symbols {missing} are not in the reader enum, which has no default"
            yield self._finding(path, "missing-enum-symbols", message, r, w)

    def _logical(self, r: Any, w: Any, path: str) -> Iterator[Finding]:
        r_logical, w_logical = _logical_type(r), _logical_type(w)
        if r_logical == w_logical == "decimal":
            r_ps = (r.get("precision"), r.get("scale", 0))
            w_ps = (w.get("precision"), w.get("scale", 0))
            if r_ps != w_ps:
                message = f"decimal(precision, scale) {w_ps} does not match {r_ps}: the spec requires both to be equal"
                yield self._finding(path, "decimal-mismatch", message, r, w)
        elif r_logical != w_logical:
            message = f"{_describe(w)} resolves as {_describe(r)} but the value changes meaning"
            yield self._finding(path, "logical-type-changed", message, r, w, warn=True)

    def _names_match(self, r: dict[str, Any], w: dict[str, Any]) -> bool:
        r_full, w_full = r["name"], w["name"]
        if r_full.rsplit(".", 1)[-1] == w_full.rsplit(".", 1)[-1]:
            return True
        namespace = r_full.rpartition(".")[0]
        aliases = {a if "." in a or not namespace else f"{namespace}.{a}" for a in r.get("aliases", ())}
        return w_full in aliases

    def _select_branch(self, branches: list[Any], w: Any) -> Any | None:
        w_kind = _kind(w)
        resolved = [self.r.resolve(b) for b in branches]
        for branch in resolved:
            if _kind(branch) == w_kind and (w_kind not in _NAMED or self._names_match(branch, w)):
                return branch
        promotions = _PROMOTIONS.get(w_kind, frozenset())
        return next((b for b in resolved if _kind(b) in promotions), None)

    def _finding(self, path: str, rule: str, message: str, r: Any, w: Any, *, warn: bool = False) -> Finding:
        return Finding(
            path=path,
            rule=rule,
            message=message,
            severity="warning" if warn else "error",
            reader=_describe(self.r.resolve(r)) if r is not None else "",
            writer=_describe(self.w.resolve(w)) if w is not None else "",
        )


def _root_path(schema: ParsedSchema, node: Any) -> str:
    resolved = schema.resolve(node)
    if isinstance(resolved, dict) and "name" in resolved:
        return str(resolved["name"]).rsplit(".", 1)[-1]
    return "$"


class Level(StrEnum):
    """The Schema Registry compatibility levels."""

    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"


@dataclass(frozen=True, kw_only=True)
class PairResult:
    """One pairwise check of a level.

    ``version`` indexes ``previous_versions``; ``reader`` says which side read: ``new`` or ``previous``.
    """

    version: int
    reader: Literal["new", "previous"]
    report: Report


@dataclass(frozen=True, kw_only=True)
class LevelReport:
    """The verdict of `check_level`: every pair it checked, and all their findings."""

    level: Level
    pairs: tuple[PairResult, ...] = ()

    @property
    def compatible(self) -> bool:
        return all(p.report.compatible for p in self.pairs)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for p in self.pairs for f in p.report.findings)


def check_level(
    new: Any, previous_versions: Sequence[Any] | Iterable[Any], level: Level | str = Level.BACKWARD
) -> LevelReport:
    """Check ``new`` against earlier versions (oldest first) at a Schema Registry ``level``.

    BACKWARD: ``new`` reads the latest previous version; FORWARD: the latest previous version
    reads ``new``; FULL: both. The ``_TRANSITIVE`` levels check every previous version; NONE
    checks nothing.

    >>> check_level('"long"', ['"int"'], "BACKWARD").compatible
    True
    """
    try:
        lvl = Level(level.upper() if isinstance(level, str) else level)
    except ValueError:
        choices = ", ".join(m.value for m in Level)
        raise UsageError(f"level={level!r} is not a compatibility level (expected one of {choices})") from None
    previous = [parse(p, name=f"version {i + 1}") for i, p in enumerate(previous_versions)]
    if lvl is Level.NONE or not previous:
        return LevelReport(level=lvl)
    latest = parse(new, name="new")
    indices = range(len(previous)) if lvl.value.endswith("_TRANSITIVE") else [len(previous) - 1]
    pairs: list[PairResult] = []
    for i in indices:
        old = previous[i]
        if not lvl.value.startswith("FORWARD"):
            report = can_read(latest, old, reader_name="new", writer_name=old.name)
            pairs.append(PairResult(version=i, reader="new", report=report))
        if not lvl.value.startswith("BACKWARD"):
            report = can_read(old, latest, reader_name=old.name, writer_name="new")
            pairs.append(PairResult(version=i, reader="previous", report=report))
    return LevelReport(level=lvl, pairs=tuple(pairs))


check = check_level
