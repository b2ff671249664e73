"""JSON Schema compatibility with Confluent Schema Registry's semantics (drafts 4 to 2020-12).

``backward`` means a consumer on the new schema reads data valid under the old one (the new
schema accepts everything the old accepted); ``forward`` the reverse. Like Confluent, the
verdict comes from the structure of the two schemas, change by change, with content models
deciding property additions and removals: adding a property to an *open* object (no
``additionalProperties: false``) is not backward compatible, removing one from a *closed*
object is not either::

    from polycontract.compat import jsonschema
    report = jsonschema.compare(old, new)
    report.backward, report.forward
    [(f.pointer, f.change) for f in report.findings if not f.compatible]

Change names are those of Confluent's ``Difference.Type``; each finding carries a JSON pointer
into the schema. Local ``$ref`` s (``#/$defs/...``, ``#/definitions/...``) and ``$id``-based
references inside the document are resolved; a reference that does not resolve is a
`polycontract.errors.SchemaError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from polycontract.compat import _jsonschema_rules as rules
from polycontract.compat._load import load_document, pointer
from polycontract.errors import SchemaError

__all__ = ["COMPATIBLE_CHANGES", "Finding", "Report", "compare", "diff"]

COMPATIBLE_CHANGES = rules.COMPATIBLE_CHANGES


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One difference between two schemas: a Confluent change name at a JSON pointer."""

    pointer: str
    change: str
    compatible: bool
    direction: Literal["backward", "forward"] = "backward"
    message: str = ""

    @property
    def path(self) -> str:
        """The JSON pointer (same as ``pointer``)."""
        return self.pointer

    def __str__(self) -> str:
        verdict = "compatible" if self.compatible else "INCOMPATIBLE"
        return f"{self.direction} {verdict}: {self.pointer or '/'}: {self.change}"


@dataclass(frozen=True, kw_only=True)
class Report:
    """The verdict of `compare`: ``backward``/``forward`` hold when no finding of that direction is incompatible."""

    findings: tuple[Finding, ...] = ()

    @property
    def backward(self) -> bool:
        return all(f.compatible for f in self.findings if f.direction == "backward")

    @property
    def forward(self) -> bool:
        return all(f.compatible for f in self.findings if f.direction == "forward")

    @property
    def full(self) -> bool:
        return self.backward and self.forward

    @property
    def incompatible(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.compatible)


def compare(old: Any, new: Any, *, old_name: str = "old", new_name: str = "new") -> Report:
    """Compare two JSON Schemas (dict, bool, or JSON/YAML text) in both directions.

    >>> compare({"type": "integer"}, {"type": "number"}).backward
    True
    """
    old_doc = _Document.load(old, name=old_name)
    new_doc = _Document.load(new, name=new_name)
    backward = _Differ(old_doc, new_doc, "backward").run()
    forward = _Differ(new_doc, old_doc, "forward").run()
    return Report(findings=tuple(backward + forward))


def diff(original: Any, update: Any) -> list[Finding]:
    """Confluent's ``SchemaDiff.compare(original, update)``: every difference, marked compatible or not."""
    return _Differ(_Document.load(original, name="original"), _Document.load(update, name="update"), "backward").run()


class _Document:
    """A validated schema with a resolver for its ``$ref`` s."""

    def __init__(self, contents: Any, resolver: Any, name: str) -> None:
        self.contents = contents
        self.resolver = resolver
        self.name = name

    @classmethod
    def load(cls, value: Any, *, name: str) -> _Document:
        contents = load_document(value, name=name, kind="JSON Schema")
        if not isinstance(contents, dict | bool):
            raise SchemaError(f"a JSON Schema is an object or a boolean, not {type(contents).__name__}", source=name)
        import jsonschema.exceptions
        import jsonschema.validators
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        dialect = contents.get("$schema") if isinstance(contents, dict) else None
        if dialect is not None and not isinstance(dialect, str):
            raise SchemaError(f"$schema is {dialect!r}", source=name, path="/$schema", expected="a dialect URI")
        validator = jsonschema.validators.validator_for(contents, default=jsonschema.validators.Draft202012Validator)
        try:
            validator.check_schema(contents)
        except jsonschema.exceptions.SchemaError as exc:
            where = pointer(list(exc.path)) or "/"
            raise SchemaError(exc.message, source=name, path=where, expected="a valid JSON Schema") from None
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        registry: Registry[Any] = Registry().with_resource("urn:polycontract:root", resource)
        return cls(contents, registry.resolver("urn:polycontract:root"), name)


_Context = tuple[Any, Any]  # (node, resolver)


class _Differ:
    """Walks an original and an updated schema together, collecting Confluent differences."""

    def __init__(self, original: _Document, update: _Document, direction: Literal["backward", "forward"]) -> None:
        self.original = original
        self.update = update
        self.direction = direction
        self._active: set[tuple[int, int]] = set()

    def run(self) -> list[Finding]:
        return self.compare(
            (self.original.contents, self.original.resolver), (self.update.contents, self.update.resolver), ()
        )

    def finding(self, path: tuple[str | int, ...], change: str, detail: str = "") -> Finding:
        compatible = rules.is_compatible(change)
        message = change.replace("_", " ").lower() + (f": {detail}" if detail else "")
        if not compatible:
            reader, writer = ("new", "old") if self.direction == "backward" else ("old", "new")
            message += f"; a consumer using the {reader} schema may reject data valid under the {writer} schema"
        return Finding(
            pointer=pointer(path), change=change, compatible=compatible, direction=self.direction, message=message
        )

    def _resolve(self, ctx: _Context, doc: _Document, path: tuple[str | int, ...]) -> _Context:
        node, resolver = ctx
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 50:
            from referencing.exceptions import Unresolvable

            try:
                resolved = resolver.lookup(node["$ref"])
            except Unresolvable as exc:
                raise SchemaError(
                    f"$ref {node['$ref']!r} does not resolve ({exc})", source=doc.name, path=pointer(path) + "/$ref"
                ) from None
            node, resolver = resolved.contents, resolved.resolver
            seen += 1
        return node, resolver

    def compare(self, o_ctx: _Context, u_ctx: _Context, path: tuple[str | int, ...]) -> list[Finding]:
        o_ctx = self._resolve(o_ctx, self.original, path)
        u_ctx = self._resolve(u_ctx, self.update, path)
        o, u = o_ctx[0], u_ctx[0]
        if o == u:
            return []
        o_kind, u_kind = rules.kind_of(o), rules.kind_of(u)
        if o_kind != "combined" and u_kind == "combined":
            found = self._into_union(o_ctx, u_ctx, path)
            if found is not None:
                return found
        elif o_kind == "combined" and u_kind != "combined":
            branches = _branches(o)[1]
            if len(branches) == 1:
                sub = self.compare((branches[0], o_ctx[1]), u_ctx, path)
                if _ok(sub):
                    return sub
        if o_kind != u_kind:
            if o_kind == "false" or u_kind == "empty":
                return []
            return [self.finding(path, "TYPE_CHANGED")]
        key = (id(o), id(u))
        if key in self._active:
            return []
        self._active.add(key)
        try:
            out = self._metadata(o, u, path)
            dispatch: dict[str, Callable[[_Context, _Context, tuple[str | int, ...]], list[Finding]]] = {
                "string": lambda a, b, p: self._rule(rules.string_changes, a[0], b[0], p),
                "number": lambda a, b, p: self._rule(rules.number_changes, a[0], b[0], p),
                "enum": lambda a, b, p: self._rule(rules.enum_changes, a[0], b[0], p),
                "combined": self._combined,
                "not": self._not,
                "object": self._object,
                "array": self._array,
            }
            if o_kind in dispatch:
                out += dispatch[o_kind](o_ctx, u_ctx, path)
            return out
        finally:
            self._active.discard(key)

    def _rule(self, rule: Any, o: dict[str, Any], u: dict[str, Any], path: tuple[str | int, ...]) -> list[Finding]:
        out = []
        for keyword, change in rule(o, u):
            detail = f"{keyword} {o.get(keyword)!r} → {u.get(keyword)!r}" if keyword in o or keyword in u else ""
            out.append(self.finding((*path, keyword), change, detail))
        return out

    def _metadata(self, o: Any, u: Any, path: tuple[str | int, ...]) -> list[Finding]:
        if not (isinstance(o, dict) and isinstance(u, dict)):
            return []
        names = {
            "$id": "ID_CHANGED",
            "title": "TITLE_CHANGED",
            "description": "DESCRIPTION_CHANGED",
            "default": "DEFAULT_CHANGED",
        }
        return [self.finding((*path, k), change) for k, change in names.items() if o.get(k) != u.get(k)]

    def _into_union(self, o_ctx: _Context, u_ctx: _Context, path: tuple[str | int, ...]) -> list[Finding] | None:
        """A single schema compared with a union: compatible if it fits one branch (``SUM_TYPE_EXTENDED``)."""
        criterion, branches = _branches(u_ctx[0])
        if len(branches) == 1:
            sub = self.compare(o_ctx, (branches[0], u_ctx[1]), path)
            return sub if _ok(sub) else None
        if criterion in ("anyOf", "oneOf"):
            for branch in branches:
                sub = self.compare(o_ctx, (branch, u_ctx[1]), path)
                if _ok(sub):
                    return [*sub, self.finding(path, "SUM_TYPE_EXTENDED")]
        return None

    def _combined(self, o_ctx: _Context, u_ctx: _Context, path: tuple[str | int, ...]) -> list[Finding]:
        (o_crit, o_branches), (u_crit, u_branches) = _branches(o_ctx[0]), _branches(u_ctx[0])
        out: list[Finding] = []
        if o_crit != u_crit:
            extended = u_crit == "anyOf" or (len(o_branches) == 1 and (u_crit == "oneOf" or len(u_branches) == 1))
            out.append(self.finding(path, "COMBINED_TYPE_EXTENDED" if extended else "COMBINED_TYPE_CHANGED"))
            if not extended:
                return out
        if len(o_branches) != len(u_branches):
            grew = len(o_branches) < len(u_branches)
            if u_crit == "allOf":
                out.append(self.finding(path, "PRODUCT_TYPE_EXTENDED" if grew else "PRODUCT_TYPE_NARROWED"))
            else:
                out.append(self.finding(path, "SUM_TYPE_EXTENDED" if grew else "SUM_TYPE_NARROWED"))
        edges: dict[int, dict[int, list[Finding]]] = {}
        for i, o_branch in enumerate(o_branches):
            for j, u_branch in enumerate(u_branches):
                sub = self.compare((o_branch, o_ctx[1]), (u_branch, u_ctx[1]), (*path, o_crit, i))
                if _ok(sub):
                    edges.setdefault(i, {})[j] = sub
        matching = _max_matching(edges)
        for i, j in sorted(matching.items()):
            out += edges[i][j]
        if len(matching) < min(len(o_branches), len(u_branches)):
            out.append(self.finding(path, "COMBINED_TYPE_SUBSCHEMAS_CHANGED"))
        return out

    def _not(self, o_ctx: _Context, u_ctx: _Context, path: tuple[str | int, ...]) -> list[Finding]:
        # The update accepts more when its negated schema accepts less: compare the other way round.
        sub = self.compare((u_ctx[0]["not"], u_ctx[1]), (o_ctx[0]["not"], o_ctx[1]), (*path, "not"))
        if not sub:
            return []
        return [self.finding((*path, "not"), "NOT_TYPE_NARROWED" if _ok(sub) else "NOT_TYPE_EXTENDED")]

    def _object(self, o_ctx: _Context, u_ctx: _Context, path: tuple[str | int, ...]) -> list[Finding]:
        from polycontract.compat._jsonschema_objects import object_changes

        return object_changes(self, o_ctx, u_ctx, path)

    def _array(self, o_ctx: _Context, u_ctx: _Context, path: tuple[str | int, ...]) -> list[Finding]:
        from polycontract.compat._jsonschema_objects import array_changes

        return array_changes(self, o_ctx, u_ctx, path)


def _ok(findings: list[Finding]) -> bool:
    return all(f.compatible for f in findings)


def _branches(node: Any) -> tuple[str, list[Any]]:
    """The combinator of a combined schema and its branches; a type list is an ``anyOf`` of single types."""
    for criterion in ("anyOf", "oneOf", "allOf"):
        if criterion in node:
            rest = {
                k: v for k, v in node.items() if k != criterion and k not in ("title", "description", "$id", "default")
            }
            branches = list(node[criterion])
            if rules.kind_of(rest) != "empty":
                return "allOf", [rest, {criterion: branches}] if criterion != "allOf" else [rest, *branches]
            return criterion, branches
    rest = {k: v for k, v in node.items() if k != "type"}
    return "anyOf", [{**rest, "type": t} for t in node["type"]]


def _max_matching(edges: dict[int, dict[int, list[Finding]]]) -> dict[int, int]:
    """A maximum bipartite matching (Kuhn's augmenting paths): original branch → update branch."""
    owner: dict[int, int] = {}

    def augment(i: int, visited: set[int]) -> bool:
        for j in edges.get(i, {}):
            if j in visited:
                continue
            visited.add(j)
            if j not in owner or augment(owner[j], visited):
                owner[j] = i
                return True
        return False

    for i in edges:
        augment(i, set())
    return {i: j for j, i in owner.items()}
