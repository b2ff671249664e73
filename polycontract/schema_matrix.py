"""Schema contracts in can-i-deploy, as plain functions over plain data (the companion of `polycontract.matrix`).

Producers and providers publish a schema per version under a *subject* (Avro, JSON Schema or
OpenAPI); consumer versions declare the schema they read of a subject (their *reader* schema). For
one pacticipant version and one target, `schema_reasons` checks exactly the pairs live there:

- as a **writer**, this version's schema of each subject it writes against the reader schema of
  every live consumer version reading that subject;
- as a **reader**, this version's reader schema of each subject it reads against the schema of
  every live version of each pacticipant writing that subject.

Each pair becomes one `polycontract.matrix.Reason` (``ok`` "verified by schema", ``failed`` naming
the schema path, or ``unverified``/``missing``); `polycontract.matrix.decide` counts them with the
pact results through its ``extra`` argument.

The subject's compatibility level says which way the pair is read. BACKWARD (the default, and its
``_TRANSITIVE`` form): the live reader schema must read data written with the writer schema.
FORWARD: the writer's schema must read data written with the reader schema. FULL: both. NONE:
nothing is checked. Every live version is checked on its own, so the transitive forms add nothing.
OpenAPI subjects are always checked from the client's side: the provider's document must not break
the document the consumer was built against.

>>> from polycontract.matrix import LiveVersion
>>> schemas = SchemaEstate(
...     subjects=(Subject(name="user", kind="avro"),),
...     publications=(SchemaPublication(pacticipant="auth", version="2", subject="user", content_hash="w"),),
...     reads=(SchemaRead(consumer="web", consumer_version="1", subject="user", content_hash="r"),),
...     writers=frozenset({("user", "auth")}),
...     contents={"w": '"long"', "r": '"long"'},
... )
>>> live = (LiveVersion(pacticipant="web", version="1", target="prod"),)
>>> [r.status for r in schema_reasons(schemas, live, "auth", "2", target="prod")]
['ok']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from polycontract.matrix import LiveVersion, Reason

__all__ = [
    "KINDS",
    "LEVELS",
    "Checker",
    "SchemaEstate",
    "SchemaFinding",
    "SchemaKind",
    "SchemaPublication",
    "SchemaRead",
    "SchemaVerdict",
    "Subject",
    "check_pair",
    "schema_reasons",
]

#: The schema languages a subject may use.
SchemaKind: TypeAlias = Literal["avro", "jsonschema", "openapi"]
KINDS: tuple[SchemaKind, ...] = ("avro", "jsonschema", "openapi")
#: The Schema Registry compatibility levels a subject may declare.
LEVELS = (
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
    "NONE",
)
_SHOWN = 3  # findings named in one reason line


@dataclass(frozen=True, kw_only=True)
class Subject:
    """A named stream of schema versions (an event topic's value, an API) with its kind and level."""

    name: str
    kind: SchemaKind
    level: str = "BACKWARD"


@dataclass(frozen=True, kw_only=True)
class SchemaPublication:
    """``pacticipant`` ``version`` writes ``subject`` with the schema stored under ``content_hash``."""

    pacticipant: str
    version: str
    subject: str
    content_hash: str


@dataclass(frozen=True, kw_only=True)
class SchemaRead:
    """``consumer`` ``consumer_version`` reads ``subject`` with the reader schema under ``content_hash``.

    ``source`` says where the reader schema came from, e.g. ``auth-svc 2`` when the consumer
    declared a published subject version rather than its own schema file.
    """

    consumer: str
    consumer_version: str
    subject: str
    content_hash: str
    source: str | None = None


@dataclass(frozen=True, kw_only=True)
class SchemaEstate:
    """The schema facts `schema_reasons` needs; storage may pass more than the relevant subset.

    ``writers`` holds (subject, pacticipant) for every pacticipant that published the subject in any
    version, so a writer version that stopped publishing a subject is noticed. ``contents`` maps
    content hashes to schema text (JSON).
    """

    subjects: tuple[Subject, ...] = ()
    publications: tuple[SchemaPublication, ...] = ()
    reads: tuple[SchemaRead, ...] = ()
    writers: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    contents: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class SchemaFinding:
    """One incompatibility (or warning) at ``path`` in the schema (``User.email``, a JSON pointer, an operation)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True, kw_only=True)
class SchemaVerdict:
    """Whether a reader schema can read a writer schema at a subject's level, and why not."""

    compatible: bool
    findings: tuple[SchemaFinding, ...] = ()
    warnings: tuple[SchemaFinding, ...] = ()


#: Judges one pair: (subject, reader schema text, writer schema text) -> verdict.
Checker: TypeAlias = Callable[[Subject, str, str], SchemaVerdict]


def check_pair(subject: Subject, reader: str, writer: str) -> SchemaVerdict:
    """Judge ``reader`` against ``writer`` with `polycontract.compat` at ``subject``'s kind and level."""
    level = subject.level.upper()
    if level == "NONE":
        return SchemaVerdict(compatible=True)
    backward = not level.startswith("FORWARD")
    forward = not level.startswith("BACKWARD")
    errors: list[SchemaFinding] = []
    warnings: list[SchemaFinding] = []
    if subject.kind == "avro":
        from polycontract.compat import avro

        pairs = ([(reader, writer)] if backward else []) + ([(writer, reader)] if forward else [])
        for r, w in pairs:
            for f in avro.can_read(r, w, reader_name="reader schema", writer_name="writer schema").findings:
                found = SchemaFinding(path=f.path, message=f"{f.message} [{f.rule}]")
                (errors if f.severity == "error" else warnings).append(found)
    elif subject.kind == "jsonschema":
        from polycontract.compat import jsonschema

        report = jsonschema.compare(writer, reader, old_name="writer schema", new_name="reader schema")
        wanted = {"backward"} if not forward else {"forward"} if not backward else {"backward", "forward"}
        for finding in report.incompatible:
            if finding.direction in wanted:
                detail = finding.change + (f": {finding.message}" if finding.message else "")
                errors.append(SchemaFinding(path=finding.pointer or "/", message=detail))
    else:
        from polycontract.compat import openapi

        diff = openapi.diff(reader, writer, old_name="reader document", new_name="writer document", validate=False)
        errors += [SchemaFinding(path=c.location, message=f"{c.message} [{c.id}]") for c in diff.errors]
        warnings += [SchemaFinding(path=c.location, message=f"{c.message} [{c.id}]") for c in diff.warnings]
    return SchemaVerdict(compatible=not errors, findings=tuple(errors), warnings=tuple(warnings))


def schema_reasons(
    schemas: SchemaEstate,
    live: Sequence[LiveVersion],
    pacticipant: str,
    version: str,
    *,
    target: str,
    check: Checker = check_pair,
) -> tuple[Reason, ...]:
    """One reason per schema pair of ``pacticipant`` ``version`` with a counterpart version live in ``target``."""
    judge = _Judge(schemas, check)
    return tuple(_as_writer(schemas, judge, live, pacticipant, version)) + tuple(
        _as_reader(schemas, judge, live, pacticipant, version, target)
    )


class _Judge:
    """Runs the checker once per (subject, reader, writer) and words the reason."""

    def __init__(self, schemas: SchemaEstate, check: Checker) -> None:
        self.subjects = {s.name: s for s in schemas.subjects}
        self.contents = schemas.contents
        self.check = check
        self.cache: dict[tuple[str, str, str], SchemaVerdict] = {}

    def reason(
        self, read: SchemaRead, reader_how: str, pub: SchemaPublication, writer_how: str, *, as_writer: bool
    ) -> Reason:
        subject = self.subjects[read.subject]
        key = (subject.name, read.content_hash, pub.content_hash)
        if key not in self.cache:
            self.cache[key] = self.check(subject, self.contents[read.content_hash], self.contents[pub.content_hash])
        verdict = self.cache[key]
        reader = f"{read.consumer} {read.consumer_version}{reader_how}"
        writer = f"{pub.pacticipant} {pub.version}{writer_how}"
        how = f"{subject.kind}, {subject.level}"
        common: dict[str, Any] = (
            {"counterpart": read.consumer, "counterpart_version": read.consumer_version}
            if as_writer
            else {"counterpart": pub.pacticipant, "counterpart_version": pub.version}
        )
        if verdict.compatible:
            warned = "; warnings: " + "; ".join(map(str, verdict.warnings[:_SHOWN])) if verdict.warnings else ""
            return Reason(
                status="ok",
                message=(
                    f"The {subject.name} schema of {writer} is readable by {reader} (verified by schema: {how}){warned}"
                ),
                **common,
            )
        shown = "; ".join(map(str, verdict.findings[:_SHOWN]))
        more = f" (and {len(verdict.findings) - _SHOWN} more)" if len(verdict.findings) > _SHOWN else ""
        paths = ", ".join(f.path for f in verdict.findings[:_SHOWN])
        return Reason(
            status="failed",
            message=f"The {subject.name} schema of {writer} breaks {reader} ({how}): {shown}{more}",
            next_action=(
                f"make the {subject.name} schema of {pub.pacticipant} {pub.version} compatible with the schema"
                f" {read.consumer} {read.consumer_version} reads (at {paths}),"
                f" or first deploy a version of {read.consumer if as_writer else pub.pacticipant} that fits"
            ),
            **common,
        )


def _live(live: Sequence[LiveVersion]) -> dict[tuple[str, str], str]:
    """(pacticipant, version) -> how it is live, e.g. `` (deployed to prod, instance eu)``."""
    found: dict[tuple[str, str], set[str]] = {}
    for lv in live:
        found.setdefault((lv.pacticipant, lv.version), set()).add(lv.describe())
    return {key: f" ({', '.join(sorted(how))})" for key, how in found.items()}


def _as_writer(
    schemas: SchemaEstate, judge: _Judge, live: Sequence[LiveVersion], writer: str, version: str
) -> list[Reason]:
    """This writer version against every live consumer version reading a subject it writes."""
    reasons: list[Reason] = []
    live_how = _live(live)
    own = {p.subject: p for p in schemas.publications if p.pacticipant == writer and p.version == version}
    written = sorted({s for s, w in schemas.writers if w == writer} | own.keys())
    for subject in written:
        if subject not in judge.subjects:
            continue
        reads = sorted(
            (r for r in schemas.reads if r.subject == subject and r.consumer != writer),
            key=lambda r: (r.consumer, r.consumer_version),
        )
        for read in reads:
            how = live_how.get((read.consumer, read.consumer_version))
            if how is None:
                continue  # that consumer version is not live in the target
            pub = own.get(subject)
            if pub is None:
                reasons.append(
                    Reason(
                        status="unverified",
                        message=(
                            f"{writer} {version} has published no {subject} schema, which"
                            f" {read.consumer} {read.consumer_version}{how} reads"
                        ),
                        next_action=f"publish-schema --subject {subject} for {writer} {version}",
                        counterpart=read.consumer,
                        counterpart_version=read.consumer_version,
                    )
                )
                continue
            reasons.append(judge.reason(read, how, pub, "", as_writer=True))
    return reasons


def _as_reader(
    schemas: SchemaEstate, judge: _Judge, live: Sequence[LiveVersion], reader: str, version: str, target: str
) -> list[Reason]:
    """This consumer version's reader schemas against every live version of each writer of the subject."""
    reasons: list[Reason] = []
    live_how = _live(live)
    pubs = {(p.pacticipant, p.version, p.subject): p for p in schemas.publications}
    own = sorted((r for r in schemas.reads if r.consumer == reader and r.consumer_version == version), key=_subject)
    for read in own:
        if read.subject not in judge.subjects:
            continue
        writers = sorted(w for s, w in schemas.writers if s == read.subject and w != reader)
        if not writers:
            reasons.append(
                Reason(
                    status="missing",
                    message=f"{reader} {version} reads schema subject {read.subject}, which no pacticipant publishes",
                    next_action=f"publish-schema --subject {read.subject} for the version of its producer in {target}",
                )
            )
        for writer in writers:
            versions = sorted(v for (p, v) in live_how if p == writer)
            if not versions:
                reasons.append(
                    Reason(
                        status="missing",
                        message=(
                            f"{reader} {version} reads {read.subject} from {writer}, but no version of {writer}"
                            f" is currently deployed or released in {target}"
                        ),
                        next_action=f"deploy or release a version of {writer} to {target} that writes {read.subject}",
                        counterpart=writer,
                    )
                )
            for writer_version in versions:
                how = live_how[(writer, writer_version)]
                pub = pubs.get((writer, writer_version, read.subject))
                if pub is None:
                    reasons.append(
                        Reason(
                            status="unverified",
                            message=(
                                f"{writer} {writer_version}{how} has published no {read.subject} schema to check"
                                f" against the one {reader} {version} reads"
                            ),
                            next_action=f"publish-schema --subject {read.subject} for {writer} {writer_version}",
                            counterpart=writer,
                            counterpart_version=writer_version,
                        )
                    )
                    continue
                reasons.append(judge.reason(read, "", pub, how, as_writer=False))
    return reasons


def _subject(read: SchemaRead) -> str:
    return read.subject
