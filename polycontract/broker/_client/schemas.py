"""The schema contracts of `HttpBroker`: polycontract's extension routes ``/polycontract/pacticipants/…/schemas``.

A part of the client that uses only its ``_http`` transport. The server validates schemas, so the client
needs no ``schema`` extra; a schema the server refuses raises the `SchemaError` the embedded broker raises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from polycontract.broker._client.codec import as_mapping
from polycontract.broker._client.codec import present as _present
from polycontract.broker._client.paths import seg, version_path
from polycontract.broker._values.checks import check_kind, check_level
from polycontract.errors import BrokerError, SchemaError, UsageError

if TYPE_CHECKING:
    from polycontract.broker._client.transport import Transport
    from polycontract.broker._values.records import SchemaPublishResult
    from polycontract.schema_matrix import SchemaKind

__all__ = ["HttpSchemas"]


def _schema_path(pacticipant: str, version: str, kind: str, subject: str) -> str:
    return f"/polycontract{version_path(pacticipant, version)}/{kind}/{seg(subject)}"


class HttpSchemas:
    """`publish_schema`, `record_schema_use` and `schema` over HTTP."""

    _http: Transport

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
        """``PUT /polycontract/pacticipants/{p}/versions/{v}/schemas/{subject}`` (idempotent by content).

        The server validates the schema (so the client needs no ``schema`` extra); one that does not
        parse or validate raises `SchemaError` with the embedded broker's message.
        """
        body: dict[str, Any] = {"kind": check_kind(kind), "schema": _schema_value(schema)}
        if level is not None:
            body["level"] = check_level(level)
        body.update(_present(branch=branch, name=name, allowOverwrite=allow_overwrite or None))
        path = _schema_path(pacticipant, version, "schemas", subject)
        return self._put_schema(path, body, label=name or subject)

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
        """``PUT /polycontract/pacticipants/{p}/versions/{v}/schema-reads/{subject}`` (replaces the earlier one)."""
        if (schema is None) == (from_version is None):
            raise UsageError("record a schema read with either a reader schema or from_version=…, not both or neither")
        body = _present(
            schema=None if schema is None else _schema_value(schema),
            kind=None if kind is None else check_kind(kind),
            fromVersion=from_version,
            fromPacticipant=from_pacticipant,
            branch=branch,
            name=name,
        )
        path = _schema_path(pacticipant, version, "schema-reads", subject)
        return self._put_schema(path, body, label=name or f"{pacticipant} {version} {subject}")

    def _put_schema(self, path: str, body: dict[str, Any], *, label: str) -> SchemaPublishResult:
        """``PUT`` a schema document; the server's refusal of the schema itself (its message starts with
        ``label``, the name the embedded broker would give it) is re-raised as that `SchemaError`."""
        try:
            return _schema_result(self._http.request("PUT", path, json_body=body))
        except UsageError as exc:
            text = str(exc)
            if text.startswith(f"{label}: "):
                raise SchemaError(text[len(label) + 2 :], source=label) from None
            raise

    def schema(self, pacticipant: str, version: str, subject: str) -> tuple[SchemaKind, Any]:
        """``GET /polycontract/pacticipants/{p}/versions/{v}/schemas/{subject}``: (kind, document)."""
        path = _schema_path(pacticipant, version, "schemas", subject)
        answer = as_mapping(self._http.request("GET", path), "schema")
        return check_kind(str(answer.get("kind", ""))), answer.get("schema")


def _schema_value(schema: Any) -> Any:
    return schema.decode() if isinstance(schema, bytes) else schema


def _schema_result(answer: Any) -> SchemaPublishResult:
    from polycontract.broker._values.records import SchemaPublishResult

    body = as_mapping(answer, "a schema publication")
    outcome = body.get("outcome")
    if outcome not in ("created", "unchanged", "overwritten"):
        _bad(f"outcome {outcome!r}")
    return SchemaPublishResult(
        pacticipant=str(body.get("pacticipant", "")),
        version=str(body.get("version", "")),
        subject=str(body.get("subject", "")),
        kind=check_kind(str(body.get("kind", ""))),
        content_hash=str(body.get("contentHash", "")),
        outcome=outcome,
    )


def _bad(what: str) -> NoReturn:
    raise BrokerError(f"the broker sent a schema publication with {what}")
