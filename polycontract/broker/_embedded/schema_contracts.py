"""The `Broker`'s schema-contract methods: publish schemas, record what consumers read, fetch a schema.

A collaborator of `Broker`, so the schema feature lives beside the core broker rather than inside it; it
works through the broker's `Store` and clock. can-i-deploy folds `can_i_deploy_reasons` into its decision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from polycontract.broker._embedded import schemas as _schemas
from polycontract.broker._embedded.schemas import SchemaPublishResult
from polycontract.broker._store.session import Store
from polycontract.matrix import LiveVersion, Reason
from polycontract.schema_matrix import SchemaEstate, SchemaKind, schema_reasons

__all__ = ["SchemaContracts", "SchemaPublishResult", "can_i_deploy_facts", "can_i_deploy_reasons"]


class SchemaContracts:
    """Schema contracts per pacticipant version (Avro, JSON Schema, OpenAPI), counted by can-i-deploy."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    def publish_schema(
        self,
        pacticipant: str,
        version: str,
        *,
        subject: str,
        kind: str,
        schema: Any,
        level: str | None = None,
        branch: str | None = None,
        allow_overwrite: bool = False,
        name: str | None = None,
    ) -> SchemaPublishResult:
        """Publish the ``subject`` schema ``pacticipant`` ``version`` writes (a producer's events, a provider's API).

        ``schema`` is a dict, list or JSON/YAML text of ``kind`` (``avro``, ``jsonschema`` or
        ``openapi``); it is validated, and stored once per content hash. ``level`` sets the subject's
        compatibility level (default BACKWARD when the subject is new). Identical content again is a
        no-op; different content for the same version raises `StorageError` unless ``allow_overwrite``.
        A schema that does not validate raises `SchemaError` naming ``name`` (default: the subject).
        """
        checked_kind = _schemas.check_kind(kind)
        checked_level = None if level is None else _schemas.check_level(level)
        normalised = _schemas.normalise(checked_kind, schema, name=name or subject)
        with self._store.transaction() as conn:
            return _schemas.publish_schema(
                conn,
                self._clock(),
                pacticipant=pacticipant,
                version=version,
                subject=subject,
                kind=checked_kind,
                normalised=normalised,
                level=checked_level,
                branch=branch,
                allow_overwrite=allow_overwrite,
            )

    def record_schema_use(
        self,
        pacticipant: str,
        version: str,
        *,
        subject: str,
        schema: Any = None,
        kind: str | None = None,
        from_version: str | None = None,
        from_pacticipant: str | None = None,
        branch: str | None = None,
        name: str | None = None,
    ) -> SchemaPublishResult:
        """Declare that consumer ``pacticipant`` ``version`` reads ``subject``.

        Give either its reader ``schema`` (with ``kind``, or the subject's kind when it exists) or
        ``from_version``: the version whose published schema of the subject it was built against
        (``from_pacticipant`` picks the writer when several publish the subject). A later call for
        the same version and subject replaces the earlier one.
        """
        normalised = None
        checked_kind = None
        if schema is not None:
            checked_kind = _schemas.check_kind(kind) if kind is not None else self.subject_kind(subject)
            normalised = _schemas.normalise(checked_kind, schema, name=name or f"{pacticipant} {version} {subject}")
        with self._store.transaction() as conn:
            return _schemas.record_schema_read(
                conn,
                self._clock(),
                consumer=pacticipant,
                version=version,
                subject=subject,
                normalised=normalised,
                kind=checked_kind,
                from_version=from_version,
                from_pacticipant=from_pacticipant,
                branch=branch,
            )

    def schema(self, pacticipant: str, version: str, subject: str) -> tuple[SchemaKind, Any]:
        """(kind, document) of the ``subject`` schema ``pacticipant`` ``version`` published."""
        with self._store.transaction(write=False) as conn:
            return _schemas.schema_document(conn, pacticipant, version, subject)

    def subject_kind(self, subject: str) -> SchemaKind:
        """The kind of schema ``subject`` holds; `UsageError` when the subject is new."""
        from sqlalchemy import select

        from polycontract.broker._store.tables import schema_subjects
        from polycontract.errors import UsageError

        with self._store.transaction(write=False) as conn:
            found = conn.execute(select(schema_subjects.c.kind).where(schema_subjects.c.name == subject)).scalar()
        if found is None:
            raise UsageError(f"subject {subject!r} is new: give the reader schema's kind (avro, jsonschema or openapi)")
        return _schemas.check_kind(found)


def can_i_deploy_facts(
    conn: Connection, pacticipant: str, version: str, live: Sequence[tuple[int, LiveVersion]]
) -> SchemaEstate:
    """The schema facts of one can-i-deploy question, read in its transaction."""
    return _schemas.load_schema_estate(conn, pacticipant, version, live)


def can_i_deploy_reasons(
    schemas: SchemaEstate, live: Sequence[tuple[int, LiveVersion]], pacticipant: str, version: str, target: str
) -> tuple[Reason, ...]:
    """The schema reasons of one can-i-deploy question (none when no schema touches the version).

    Runs the compatibility checks outside the database transaction.
    """
    if not schemas.subjects:
        return ()
    return schema_reasons(schemas, [lv for _, lv in live], pacticipant, version, target=target)
