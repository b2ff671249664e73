"""polycontract's extension routes of the broker's HTTP API: what the Pact Broker has no route for.

`HttpBroker` (``polycontract.broker.connect("http://…")``) calls these, so schema contracts, retention
and pact lookup by content work over HTTP exactly as on an embedded broker. Pact clients never call
them. ``{p}`` pacticipant, ``{v}`` version, ``{subject}`` a schema subject (may contain ``/``):

======  ====================================================  ===============================================
Verb    Path                                                  Body in -> answer
======  ====================================================  ===============================================
PUT     ``/polycontract/pacticipants/{p}/versions/{v}``       ``{kind, schema, level?, branch?, name?,
        ``/schemas/{subject}``                                allowOverwrite?}`` -> publication [1]; 201 / 200
GET     ``/polycontract/pacticipants/{p}/versions/{v}``       ``{pacticipant, version, subject, kind, schema}``
        ``/schemas/{subject}``
PUT     ``/polycontract/pacticipants/{p}/versions/{v}``       ``{schema + kind?, or fromVersion +
        ``/schema-reads/{subject}``                           fromPacticipant?; branch?, name?}`` -> [1]
POST    ``/polycontract/prune``                               ``{keepLatest?, olderThanSeconds?, dryRun?}`` ->
                                                              ``{versions [[p, v]], publications,
                                                              verifications, pactContents, dryRun}``
GET     ``/polycontract/pact-versions/{sha}``                 ``{contentHash, consumer, provider}`` + pact link
======  ====================================================  ===============================================

[1] ``{pacticipant, version, subject, kind, contentHash, outcome}``, ``outcome`` one of ``created``,
    ``unchanged``, ``overwritten`` (`SchemaPublishResult`). ``schema`` is a JSON object or array, or
    JSON/YAML text; one that does not parse or validate is a 400 naming ``/schema``.

Auth (`polycontract.broker._api.auth`): the schema writes act for ``{p}`` (a write token scoped to it,
or admin); prune needs an admin token; the reads need any token.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from polycontract.broker._api import queries as reads
from polycontract.broker._api.common import (
    HttpError,
    base_url,
    bool_field,
    broker_of,
    hal,
    json_body,
    link,
    optional_str,
    reject_unknown,
    seg,
)
from polycontract.broker._values.checks import check_kind, check_level
from polycontract.broker._values.records import SchemaPublishResult
from polycontract.errors import SchemaError, UsageError
from polycontract.schema_matrix import SchemaKind

__all__ = ["get_schema", "pact_version", "prune", "publish_schema", "record_schema_read", "routes"]

_VERSION = "/polycontract/pacticipants/{pacticipant}/versions/{version}"
#: ``PUT …/schemas/{subject}`` members.
_SCHEMA_FIELDS = frozenset({"kind", "schema", "level", "branch", "name", "allowOverwrite"})
#: ``PUT …/schema-reads/{subject}`` members.
_READ_FIELDS = frozenset({"schema", "kind", "fromVersion", "fromPacticipant", "branch", "name"})
#: ``POST /polycontract/prune`` members.
_PRUNE_FIELDS = frozenset({"keepLatest", "olderThanSeconds", "dryRun"})
#: The embedded broker's `Broker.prune` defaults.
_KEEP_LATEST, _OLDER_THAN = 20, timedelta(days=90).total_seconds()
#: Largest ``olderThanSeconds`` either way (1000 years): the cutoff stays a representable date.
_MAX_AGE = 1000 * 365.25 * 86400
#: Longest ``name`` (the schema's label in error messages, often a file path).
_MAX_LABEL = 4096


def routes() -> list[Route]:
    """The extension routes, for the app's route list."""
    schema = _VERSION + "/schemas/{subject:path}"
    return [
        Route(schema, publish_schema, methods=["PUT"]),
        Route(schema, get_schema, methods=["GET"]),
        Route(_VERSION + "/schema-reads/{subject:path}", record_schema_read, methods=["PUT"]),
        Route("/polycontract/prune", prune, methods=["POST"]),
        Route("/polycontract/pact-versions/{sha}", pact_version, methods=["GET"]),
    ]


# -- schema contracts ----------------------------------------------------------------------------


def _slot(request: Request) -> tuple[str, str, str]:
    """(pacticipant, version, subject) from the path; 400 naming a blank one."""
    found = tuple(request.path_params[k] for k in ("pacticipant", "version", "subject"))
    for key, value in zip(("pacticipant", "version", "subject"), found, strict=True):
        if not value.strip():
            raise HttpError(400, f"{key}={value!r} must be a non-empty name", parameter=key)
    return found[0], found[1], found[2]


def _kind(body: dict[str, Any]) -> SchemaKind | None:
    """``kind`` checked as the embedded broker checks it; None when absent."""
    value = body.get("kind")
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise UsageError(f"kind={value!r} must be one of avro, jsonschema, openapi")
        return check_kind(value)
    except UsageError as exc:
        raise HttpError(400, str(exc), pointer="/kind") from None


def _schema(body: dict[str, Any], *, required: bool) -> Any:
    value = body.get("schema")
    if value is None and not required:
        return None
    if not isinstance(value, dict | list | str) or (isinstance(value, str) and not value.strip()):
        raise HttpError(400, "schema is required: a JSON object or array, or JSON/YAML text", pointer="/schema")
    return value


def _label(body: dict[str, Any]) -> str | None:
    value = body.get("name")
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > _MAX_LABEL or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise HttpError(400, f"name must be a string of at most {_MAX_LABEL} printable characters", pointer="/name")
    return value or None


def _slot_path(pacticipant: str, version: str, kind: str, subject: str) -> str:
    return f"/polycontract/pacticipants/{seg(pacticipant)}/versions/{seg(version)}/{kind}/{seg(subject)}"


def _result_json(base: str, result: SchemaPublishResult, kind: str) -> dict[str, Any]:
    version = f"/pacticipants/{seg(result.pacticipant)}/versions/{seg(result.version)}"
    return {
        **result.to_json(),
        "_links": {
            "self": link(base, _slot_path(result.pacticipant, result.version, kind, result.subject)),
            "pb:pacticipant-version": link(base, version, name=result.version),
        },
    }


async def _stored(call: Callable[[], SchemaPublishResult]) -> SchemaPublishResult:
    """``call()`` in the thread pool; a schema that does not parse or validate is a 400 naming ``/schema``."""
    try:
        return await run_in_threadpool(call)
    except SchemaError as exc:
        raise HttpError(400, str(exc), pointer="/schema") from None
    except RecursionError:  # JSON/YAML text nested thousands deep, or a YAML alias that contains itself
        raise HttpError(400, "schema is nested too deeply or refers to itself", pointer="/schema") from None


async def publish_schema(request: Request) -> Response:
    """``PUT /polycontract/pacticipants/{p}/versions/{v}/schemas/{subject}``: `Broker.publish_schema`."""
    pacticipant, version, subject = _slot(request)
    body = await json_body(request)
    reject_unknown(body, _SCHEMA_FIELDS)
    kind = _kind(body)
    if kind is None:
        raise HttpError(400, "kind is required: one of avro, jsonschema, openapi", pointer="/kind")
    schema = _schema(body, required=True)
    level = optional_str(body, "level")
    if level is not None:
        try:
            level = check_level(level)
        except UsageError as exc:
            raise HttpError(400, str(exc), pointer="/level") from None
    branch = optional_str(body, "branch")
    name = _label(body)
    allow = bool_field(body, "allowOverwrite")
    broker = broker_of(request)
    result = await _stored(
        lambda: broker.publish_schema(
            pacticipant,
            version,
            subject=subject,
            kind=kind,
            schema=schema,
            level=level,
            branch=branch,
            allow_overwrite=allow,
            name=name,
        )
    )
    return hal(_result_json(base_url(request), result, "schemas"), 201 if result.outcome == "created" else 200)


async def record_schema_read(request: Request) -> Response:
    """``PUT /polycontract/pacticipants/{p}/versions/{v}/schema-reads/{subject}``: `Broker.record_schema_use`."""
    pacticipant, version, subject = _slot(request)
    body = await json_body(request)
    reject_unknown(body, _READ_FIELDS)
    schema = _schema(body, required=False)
    kind = _kind(body)
    from_version = optional_str(body, "fromVersion")
    from_pacticipant = optional_str(body, "fromPacticipant")
    if (schema is None) == (from_version is None):
        raise HttpError(
            400,
            "give either schema (the reader schema) or fromVersion (the writer version it was built against)",
            errors=[{"detail": "one of schema or fromVersion", "pointer": p} for p in ("/schema", "/fromVersion")],
        )
    branch = optional_str(body, "branch")
    name = _label(body)
    broker = broker_of(request)
    if schema is not None and kind is None:
        try:
            kind = await run_in_threadpool(broker.internals.schemas.subject_kind, subject)
        except UsageError as exc:
            raise HttpError(400, str(exc), pointer="/kind") from None
    try:
        result = await _stored(
            lambda: broker.record_schema_use(
                pacticipant,
                version,
                subject=subject,
                schema=schema,
                kind=kind,
                from_version=from_version,
                from_pacticipant=from_pacticipant,
                branch=branch,
                name=name,
            )
        )
    except UsageError as exc:  # several writers published the subject at fromVersion: name one
        raise HttpError(400, str(exc), pointer="/fromPacticipant") from None
    return hal(_result_json(base_url(request), result, "schema-reads"), 201 if result.outcome == "created" else 200)


async def get_schema(request: Request) -> Response:
    """``GET /polycontract/pacticipants/{p}/versions/{v}/schemas/{subject}``: `Broker.schema`."""
    pacticipant, version, subject = _slot(request)
    kind, document = await run_in_threadpool(broker_of(request).schema, pacticipant, version, subject)
    return hal(
        {
            "pacticipant": pacticipant,
            "version": version,
            "subject": subject,
            "kind": kind,
            "schema": document,
            "_links": {"self": link(base_url(request), _slot_path(pacticipant, version, "schemas", subject))},
        }
    )


# -- retention and pact contents -----------------------------------------------------------------


def _keep_latest(body: dict[str, Any]) -> int:
    value = body.get("keepLatest", _KEEP_LATEST)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise HttpError(400, f"keepLatest={value!r} must be a whole number of at least 1", pointer="/keepLatest")
    return value


def _older_than(body: dict[str, Any]) -> timedelta:
    value = body.get("olderThanSeconds", _OLDER_THAN)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or abs(value) > _MAX_AGE
    ):
        raise HttpError(
            400,
            f"olderThanSeconds={value!r} must be a number of seconds, at most {_MAX_AGE:.0f} (1000 years) either way",
            pointer="/olderThanSeconds",
        )
    return timedelta(seconds=value)


async def prune(request: Request) -> Response:
    """``POST /polycontract/prune``: `Broker.prune` (admin only); the same defaults as the embedded broker."""
    body = await json_body(request)
    reject_unknown(body, _PRUNE_FIELDS)
    keep_latest, older_than = _keep_latest(body), _older_than(body)
    dry_run = bool_field(body, "dryRun")
    broker = broker_of(request)
    report = await run_in_threadpool(
        lambda: broker.prune(keep_latest=keep_latest, older_than=older_than, dry_run=dry_run)
    )
    return hal(
        {
            "versions": [[p, v] for p, v in report.versions],
            "publications": report.publications,
            "verifications": report.verifications,
            "pactContents": report.pact_contents,
            "dryRun": report.dry_run,
        }
    )


async def pact_version(request: Request) -> Response:
    """``GET /polycontract/pact-versions/{sha}``: the consumer and provider of a stored pact content."""
    digest = request.path_params["sha"]
    found = await run_in_threadpool(reads.pact_by_hash, broker_of(request), digest)
    if found is None:
        raise HttpError(404, f"no pact content {digest}")
    consumer, provider, _content = found
    base = base_url(request)
    pact = f"/pacts/provider/{seg(provider)}/consumer/{seg(consumer)}/pact-version/{seg(digest)}"
    return hal(
        {
            "contentHash": digest,
            "consumer": consumer,
            "provider": provider,
            "_links": {
                "self": link(base, f"/polycontract/pact-versions/{seg(digest)}"),
                "pb:pact-version": link(base, pact, title=f"Pact between {consumer} and {provider}"),
            },
        }
    )
