"""Schema contracts in the broker: publish a schema per pacticipant version, record what consumers read,
and load the schema facts `polycontract.schema_matrix` needs for one can-i-deploy question.

Schema documents are validated with `polycontract.compat`, normalised to sorted compact JSON and
stored once per SHA-256 of that text. Every function here runs inside the caller's transaction,
except `normalise`, which parses and validates before any transaction opens.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import literal, select, union_all
from sqlalchemy.engine import Connection

from polycontract.broker._store.lookups import existing_version
from polycontract.broker._store.reads import one_of
from polycontract.broker._store.tables import (
    pacticipants,
    schema_contents,
    schema_publications,
    schema_reads,
    schema_subjects,
)
from polycontract.broker._store.tables import versions as versions_t
from polycontract.broker._store.writes import ensure_pacticipant, ensure_version, insert_ignore, lock
from polycontract.broker._values.checks import check_kind, check_level
from polycontract.broker._values.records import SchemaPublishResult
from polycontract.errors import StorageError, UsageError
from polycontract.matrix import LiveVersion
from polycontract.schema_matrix import (
    SchemaEstate,
    SchemaKind,
    SchemaPublication,
    SchemaRead,
    Subject,
)

__all__ = [
    "SchemaPublishResult",
    "check_kind",
    "check_level",
    "load_schema_estate",
    "normalise",
    "publish_schema",
    "record_schema_read",
    "schema_document",
]


def normalise(kind: SchemaKind, document: Any, *, name: str) -> tuple[str, str]:
    """Validate ``document`` (dict, list or JSON/YAML text) as ``kind``; return (content hash, normalised JSON).

    A document that does not parse or validate raises `polycontract.errors.SchemaError` naming ``name``.
    """
    from polycontract.compat.support import load_document

    label = {"avro": "Avro schema", "jsonschema": "JSON Schema", "openapi": "OpenAPI document"}[kind]
    data = load_document(document, name=name, kind=label)
    if kind == "avro":
        from polycontract.compat import avro

        avro.parse(data, name=name)
    elif kind == "jsonschema":
        from polycontract.compat import jsonschema

        jsonschema.compare(data, data, old_name=name, new_name=name)
    else:
        from polycontract.compat import openapi

        openapi.load(data, name=name, validate=True)
    # YAML reads an unquoted 2024-01-01 as a date: stored as the JSON text it stands for.
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_iso_date)
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), text


def _iso_date(value: object) -> str:
    """A YAML date or timestamp as ISO 8601 text (json.dumps's ``default``); anything else is not JSON."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _ensure_subject(conn: Connection, subject: str, kind: SchemaKind | None, level: str | None, now: datetime) -> int:
    """The id of ``subject``; created with ``kind`` when new, its level updated when given."""
    if not subject or not subject.strip():
        raise UsageError(f"subject={subject!r} must be a non-empty name")
    query = select(schema_subjects.c.id, schema_subjects.c.kind).where(schema_subjects.c.name == subject)
    found = conn.execute(query).first()
    if found is None:
        if kind is None:
            raise StorageError(f"schema subject {subject!r} is not known to the broker; publish-schema it first")
        values = {"name": subject, "kind": kind, "level": level or "BACKWARD", "created_at": now}
        insert_ignore(conn, schema_subjects, values)
        found = conn.execute(query).one()
    if kind is not None and found.kind != kind:
        raise StorageError(f"schema subject {subject!r} holds {found.kind} schemas, not {kind}")
    if level is not None:
        conn.execute(schema_subjects.update().where(schema_subjects.c.id == found.id).values(level=level))
    return int(found.id)


def _store(conn: Connection, kind: SchemaKind, digest: str, text: str, now: datetime) -> None:
    insert_ignore(conn, schema_contents, {"content_hash": digest, "kind": kind, "content": text, "created_at": now})


def publish_schema(
    conn: Connection,
    now: datetime,
    *,
    pacticipant: str,
    version: str,
    subject: str,
    kind: SchemaKind,
    normalised: tuple[str, str],
    level: str | None = None,
    branch: str | None = None,
    allow_overwrite: bool = False,
) -> SchemaPublishResult:
    """Record that ``pacticipant`` ``version`` writes ``subject`` with the ``normalised`` schema."""
    digest, text = normalised
    subject_id = _ensure_subject(conn, subject, kind, level, now)
    version_id = ensure_version(
        conn, ensure_pacticipant(conn, pacticipant, now), version, now, branch=branch, tag_names=()
    )
    lock(conn, versions_t, version_id)  # concurrent publishers of one version queue here
    _store(conn, kind, digest, text, now)
    slot = (schema_publications.c.version_id == version_id, schema_publications.c.subject_id == subject_id)
    current = conn.execute(select(schema_publications.c.id, schema_publications.c.content_hash).where(*slot)).first()
    result = SchemaPublishResult(
        pacticipant=pacticipant, version=version, subject=subject, kind=kind, content_hash=digest, outcome="created"
    )
    if current is None:
        values = {"version_id": version_id, "subject_id": subject_id, "content_hash": digest, "created_at": now}
        conn.execute(schema_publications.insert().values(**values))
        return result
    if current.content_hash == digest:
        return SchemaPublishResult(**{**result.__dict__, "outcome": "unchanged"})
    if not allow_overwrite:
        raise StorageError(
            f"{pacticipant} {version} already published a different {subject} schema"
            f" ({current.content_hash[:8]}, now {digest[:8]}); publish under a new version,"
            " or pass allow_overwrite=True (--allow-overwrite) if that version was never deployed"
        )
    conn.execute(
        schema_publications.update()
        .where(schema_publications.c.id == current.id)
        .values(content_hash=digest, created_at=now)
    )
    return SchemaPublishResult(**{**result.__dict__, "outcome": "overwritten"})


def record_schema_read(
    conn: Connection,
    now: datetime,
    *,
    consumer: str,
    version: str,
    subject: str,
    normalised: tuple[str, str] | None = None,
    kind: SchemaKind | None = None,
    from_version: str | None = None,
    from_pacticipant: str | None = None,
    branch: str | None = None,
) -> SchemaPublishResult:
    """Record that ``consumer`` ``version`` reads ``subject``, with its own reader schema (``normalised``)
    or the schema a writer published for ``from_version`` (of ``from_pacticipant``, needed only when
    several pacticipants publish the subject). A second record for the same version replaces the first.
    """
    if (normalised is None) == (from_version is None):
        raise UsageError("record a schema read with either a reader schema or from_version=…, not both or neither")
    source: str | None = None
    if normalised is None:
        assert from_version is not None
        subject_id = _ensure_subject(conn, subject, None, None, now)
        digest, found_kind, source = _published(conn, subject, subject_id, from_version, from_pacticipant)
    else:
        if kind is None:
            raise UsageError("a reader schema needs its kind (avro, jsonschema or openapi)")
        subject_id = _ensure_subject(conn, subject, kind, None, now)
        digest, found_kind = normalised[0], kind
        _store(conn, kind, normalised[0], normalised[1], now)
    version_id = ensure_version(
        conn, ensure_pacticipant(conn, consumer, now), version, now, branch=branch, tag_names=()
    )
    lock(conn, versions_t, version_id)
    slot = (schema_reads.c.consumer_version_id == version_id, schema_reads.c.subject_id == subject_id)
    current = conn.execute(select(schema_reads.c.id, schema_reads.c.content_hash).where(*slot)).first()
    outcome: Literal["created", "unchanged", "overwritten"] = "created"
    if current is None:
        conn.execute(
            schema_reads.insert().values(
                consumer_version_id=version_id,
                subject_id=subject_id,
                content_hash=digest,
                source=source,
                created_at=now,
            )
        )
    else:
        outcome = "unchanged" if current.content_hash == digest else "overwritten"
        conn.execute(
            schema_reads.update()
            .where(schema_reads.c.id == current.id)
            .values(content_hash=digest, source=source, created_at=now)
        )
    return SchemaPublishResult(
        pacticipant=consumer, version=version, subject=subject, kind=found_kind, content_hash=digest, outcome=outcome
    )


def _published(
    conn: Connection, subject: str, subject_id: int, version: str, pacticipant: str | None
) -> tuple[str, SchemaKind, str]:
    """(content hash, kind, "writer version") of the schema published for ``subject`` by ``version``."""
    query = (
        select(schema_publications.c.content_hash, schema_contents.c.kind, pacticipants.c.name)
        .join(schema_contents, schema_contents.c.content_hash == schema_publications.c.content_hash)
        .join(versions_t, versions_t.c.id == schema_publications.c.version_id)
        .join(pacticipants, pacticipants.c.id == versions_t.c.pacticipant_id)
        .where(schema_publications.c.subject_id == subject_id, versions_t.c.number == version)
    )
    if pacticipant is not None:
        query = query.where(pacticipants.c.name == pacticipant)
    found = conn.execute(query).all()
    if not found:
        by = f" of {pacticipant}" if pacticipant else ""
        raise StorageError(f"no schema for subject {subject!r} was published by version {version!r}{by}")
    if len(found) > 1:
        names = ", ".join(sorted(r.name for r in found))
        raise UsageError(f"several pacticipants published {subject!r} at version {version!r} ({names}); name one")
    return found[0].content_hash, check_kind(found[0].kind), f"{found[0].name} {version}"


def schema_document(conn: Connection, pacticipant: str, version: str, subject: str) -> tuple[SchemaKind, Any]:
    """(kind, parsed document) of the ``subject`` schema ``pacticipant`` ``version`` published."""
    _pid, version_id = existing_version(conn, pacticipant, version)
    found = conn.execute(
        select(schema_contents.c.kind, schema_contents.c.content)
        .join(schema_publications, schema_publications.c.content_hash == schema_contents.c.content_hash)
        .join(schema_subjects, schema_subjects.c.id == schema_publications.c.subject_id)
        .where(schema_publications.c.version_id == version_id, schema_subjects.c.name == subject)
    ).first()
    if found is None:
        raise StorageError(f"{pacticipant} {version} has published no {subject} schema")
    return check_kind(found.kind), json.loads(found.content)


def load_schema_estate(
    conn: Connection, pacticipant: str, version: str, live: Sequence[tuple[int, LiveVersion]]
) -> SchemaEstate:
    """The schema facts for ``pacticipant`` ``version`` and the versions ``live`` in the target.

    One indexed query when no schema touches the version (the subjects it writes or reads); else a
    few more: the reads of live consumer versions and the publications of live writer versions of
    those subjects, the subjects' writers, and the schema contents.
    """
    own = (pacticipants.c.name == pacticipant, versions_t.c.number == version)
    writes = (
        select(schema_publications.c.subject_id, literal("w"))
        .join(versions_t, versions_t.c.id == schema_publications.c.version_id)
        .join(pacticipants, pacticipants.c.id == versions_t.c.pacticipant_id)
        .where(pacticipants.c.name == pacticipant)
        .distinct()
    )
    reads_own = (
        select(schema_reads.c.subject_id, literal("r"))
        .join(versions_t, versions_t.c.id == schema_reads.c.consumer_version_id)
        .join(pacticipants, pacticipants.c.id == versions_t.c.pacticipant_id)
        .where(*own)
    )
    touched = conn.execute(union_all(writes, reads_own)).all()  # the one query when no schema is involved
    written = {row[0] for row in touched if row[1] == "w"}
    read = {row[0] for row in touched if row[1] == "r"}
    if not touched:
        return SchemaEstate()
    version_id = conn.execute(
        select(versions_t.c.id).join(pacticipants, pacticipants.c.id == versions_t.c.pacticipant_id).where(*own)
    ).scalar()
    version_ids = {vid for vid, _ in live} | ({version_id} if version_id is not None else set())
    subject_ids = written | read
    subjects = conn.execute(select(schema_subjects).where(one_of(conn, schema_subjects.c.id, subject_ids))).all()
    names = {r.id: r.name for r in subjects}
    pubs = conn.execute(
        select(
            schema_publications.c.subject_id,
            schema_publications.c.content_hash,
            pacticipants.c.name,
            versions_t.c.number,
        )
        .join(versions_t, versions_t.c.id == schema_publications.c.version_id)
        .join(pacticipants, pacticipants.c.id == versions_t.c.pacticipant_id)
        .where(
            one_of(conn, schema_publications.c.subject_id, subject_ids),
            one_of(conn, schema_publications.c.version_id, version_ids),
        )
    ).all()
    reads = conn.execute(
        select(
            schema_reads.c.subject_id,
            schema_reads.c.content_hash,
            schema_reads.c.source,
            pacticipants.c.name,
            versions_t.c.number,
        )
        .join(versions_t, versions_t.c.id == schema_reads.c.consumer_version_id)
        .join(pacticipants, pacticipants.c.id == versions_t.c.pacticipant_id)
        .where(
            one_of(conn, schema_reads.c.subject_id, subject_ids),
            one_of(conn, schema_reads.c.consumer_version_id, version_ids),
        )
    ).all()
    writers = (
        conn.execute(
            select(schema_publications.c.subject_id, pacticipants.c.name)
            .join(versions_t, versions_t.c.id == schema_publications.c.version_id)
            .join(pacticipants, pacticipants.c.id == versions_t.c.pacticipant_id)
            .where(one_of(conn, schema_publications.c.subject_id, read))
            .distinct()
        ).all()
        if read
        else []
    )
    hashes = {r.content_hash for r in pubs} | {r.content_hash for r in reads}
    contents = (
        conn.execute(
            select(schema_contents.c.content_hash, schema_contents.c.content).where(
                one_of(conn, schema_contents.c.content_hash, hashes)
            )
        ).all()
        if hashes
        else []
    )
    return SchemaEstate(
        subjects=tuple(Subject(name=r.name, kind=check_kind(r.kind), level=r.level) for r in subjects),
        publications=tuple(
            SchemaPublication(
                pacticipant=r.name, version=r.number, subject=names[r.subject_id], content_hash=r.content_hash
            )
            for r in pubs
        ),
        reads=tuple(
            SchemaRead(
                consumer=r.name,
                consumer_version=r.number,
                subject=names[r.subject_id],
                content_hash=r.content_hash,
                source=r.source,
            )
            for r in reads
        ),
        writers=frozenset(
            {(names[r.subject_id], r.name) for r in writers} | {(names[s], pacticipant) for s in written}
        ),
        contents={r.content_hash: r.content for r in contents},
    )
