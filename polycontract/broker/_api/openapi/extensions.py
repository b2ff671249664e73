"""The OpenAPI description of polycontract's extension routes and the webhook routes (`_api.openapi.document`).

Extensions (`polycontract.broker._api.extensions`): schema contracts per pacticipant version, schema
reads, retention (prune) and pact lookup by content. Webhooks (`polycontract.broker._api.webhooks`):
the Pact Broker's ``/webhooks`` documents plus the delivery log. Kinds, levels and events come from the
modules that check them, so the description cannot name a value the server refuses.
"""

from __future__ import annotations

from typing import Any

from polycontract.broker._api.extensions import _KEEP_LATEST, _MAX_AGE, _MAX_LABEL, _OLDER_THAN
from polycontract.broker._api.openapi import answers as a
from polycontract.broker._api.openapi import schemas as s
from polycontract.broker._values.checks import WEBHOOK_ID as _WEBHOOK_ID_RE
from polycontract.broker._webhooks.events import EVENTS
from polycontract.schema_matrix import KINDS, LEVELS

__all__ = ["extension_paths", "extension_schemas"]

Schema = dict[str, Any]

_VERSION = "/polycontract/pacticipants/{pacticipant}/versions/{version}"
_SUBJECT: Schema = {
    "description": "A schema subject (may contain '/'; each part at most 255 characters).",
    "schema": {
        "type": "string",
        "pattern": r"\S",
        "not": {"type": "string", "pattern": r"[^/]{256}|[\x00-\x1f\x7f]"},
    },
    "example": "users.created",
}
_WEBHOOK_ID: Schema = {
    "description": "A webhook's id (16 to 64 letters, digits, '-' or '_', e.g. a UUID).",
    "schema": s.SEGMENT,
    "example": "0b9c3a3e-8a4f-4d2e-9f5e-3f6c1d2a7b10",
}

_NEW_WEBHOOK_ID: Schema = {
    **_WEBHOOK_ID,
    "schema": {"type": "string", "pattern": f"^{_WEBHOOK_ID_RE.pattern}$", **s.PRINTABLE},
}


def _any_case(*words: str) -> Schema:
    """A string equal to one of ``words`` in any letter case (what the handlers accept)."""
    alternatives = "|".join("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in w) for w in words)
    return {"type": "string", "pattern": f"^(?:{alternatives})$", **s.PRINTABLE, "examples": [words[0]]}


_LABEL: Schema = {"type": ["string", "null"], "maxLength": _MAX_LABEL, **s.PRINTABLE}
_DOCUMENT: Schema = {
    "anyOf": [{"type": ["object", "array"]}, {"type": "string", "pattern": r"\S"}],
    "description": "The schema: a JSON object or array, or JSON/YAML text.",
}
_PUBLISH_SCHEMA = s.obj(
    ["kind", "schema"],
    {
        "kind": _any_case(*KINDS),
        "schema": _DOCUMENT,
        "level": {"anyOf": [{"type": "null"}, {"const": ""}, _any_case(*LEVELS)]},
        "branch": s.OPT_TEXT,
        "name": _LABEL,
        "allowOverwrite": {"type": ["boolean", "null"]},
    },
    closed=True,
)
_SCHEMA_READ = {
    **s.obj(
        [],
        {
            "schema": {"anyOf": [{"type": "null"}, _DOCUMENT]},
            "kind": {"anyOf": [{"type": "null"}, _any_case(*KINDS)]},
            "fromVersion": s.OPT_TEXT,
            "fromPacticipant": s.OPT_TEXT,
            "branch": s.OPT_TEXT,
            "name": _LABEL,
        },
        closed=True,
    ),
    "description": "Either schema (the reader schema) or fromVersion (the writer version it was built against).",
    "oneOf": [
        {"required": ["schema"], "properties": {"schema": {"not": {"type": "null"}}}},
        {"required": ["fromVersion"], "properties": {"fromVersion": {"type": "string", "minLength": 1}}},
    ],
}
_PRUNE = s.obj(
    [],
    {
        "keepLatest": {"type": "integer", "minimum": 1, "default": _KEEP_LATEST},
        "olderThanSeconds": {"type": "number", "minimum": -_MAX_AGE, "maximum": _MAX_AGE, "default": _OLDER_THAN},
        "dryRun": {"type": ["boolean", "null"]},
    },
    closed=True,
)
#: ``{name}`` or ``{label}`` (every pacticipant with that label), not both.
_PARTY: Schema = {
    "type": ["object", "null"],
    "oneOf": [
        {"type": "null"},
        s.obj(["name"], {"name": s.NAME}, closed=True),
        s.obj(["label"], {"label": s.NAME}, closed=True),
    ],
}
_WEBHOOK_REQUEST = s.obj(
    ["url"],
    {
        "method": {"anyOf": [{"type": "null"}, {"const": ""}, _any_case("POST", "PUT", "PATCH")]},
        "url": {**s.NAME, "pattern": "^[hH][tT][tT][pP][sS]?://[^/?#]", "description": "An http(s) URL."},
        "headers": {"type": ["object", "null"], "additionalProperties": {"type": "string"}},
        "body": {"description": "Any JSON value, or a string holding JSON; none sends the event's facts."},
        "username": s.OPT_TEXT,
        "password": s.OPT_TEXT,
        "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 120, "default": 5},
    },
    closed=True,
)
_EVENTS = {"type": "array", "minItems": 1, "items": s.obj(["name"], {"name": {"enum": list(EVENTS)}})}


def _webhook_body(*, parties_in_path: bool) -> Schema:
    party = {"description": "Ignored: the path names it."} if parties_in_path else _PARTY
    return s.obj(
        ["events", "request"],
        {
            "description": s.OPT_TEXT,
            "enabled": {"type": ["boolean", "null"]},
            "consumer": party,
            "provider": party,
            "events": _EVENTS,
            "request": _WEBHOOK_REQUEST,
            "uuid": {"description": "Ignored: the server or the path names the webhook."},
        },
        closed=True,
    )


def extension_schemas() -> dict[str, Schema]:
    """The answer schemas of these routes, for ``components.schemas``."""
    str_, opt = {"type": "string"}, {"type": ["string", "null"]}
    attempt = s.obj(
        ["deliveryId", "event", "attempt", "success", "statusCode", "error", "response", "startedAt", "finishedAt"],
        {
            "deliveryId": str_,
            "event": str_,
            "attempt": {"type": "integer"},
            "success": {"type": "boolean"},
            "statusCode": {"type": ["integer", "null"]},
            "error": opt,
            "response": opt,
            "startedAt": str_,
            "finishedAt": str_,
        },
    )
    webhook = a.hal_document(
        ["uuid", "description", "enabled", "events", "request"],
        {
            "uuid": str_,
            "description": opt,
            "enabled": {"type": "boolean"},
            "events": s.array(s.obj(["name"], {"name": str_})),
            "request": s.obj(
                ["method", "url", "headers", "timeout"],
                {"method": str_, "url": str_, "headers": {"type": "object"}, "timeout": {"type": "number"}},
            ),
            "consumer": {"anyOf": [s.obj(["name"], {"name": str_}), s.obj(["label"], {"label": str_})]},
            "provider": {"anyOf": [s.obj(["name"], {"name": str_}), s.obj(["label"], {"label": str_})]},
            "_links": a.links("self", "pb:execute", "pb:webhooks"),
        },
    )
    return {
        "SchemaPublication": a.hal_document(
            ["pacticipant", "version", "subject", "kind", "contentHash", "outcome"],
            {
                "pacticipant": str_,
                "version": str_,
                "subject": str_,
                "kind": {"enum": list(KINDS)},
                "contentHash": str_,
                "outcome": {"enum": ["created", "unchanged", "overwritten"]},
            },
        ),
        "StoredSchema": a.hal_document(
            ["pacticipant", "version", "subject", "kind", "schema"],
            {"pacticipant": str_, "version": str_, "subject": str_, "kind": {"enum": list(KINDS)}, "schema": {}},
        ),
        "PruneReport": s.obj(
            ["versions", "publications", "verifications", "pactContents", "dryRun"],
            {
                "versions": s.array({"type": "array", "items": str_, "minItems": 2, "maxItems": 2}),
                "publications": {"type": "integer"},
                "verifications": {"type": "integer"},
                "pactContents": {"type": "integer"},
                "dryRun": {"type": "boolean"},
            },
        ),
        "PactContent": a.hal_document(
            ["contentHash", "consumer", "provider"],
            {"contentHash": str_, "consumer": str_, "provider": str_, "_links": a.links("self", "pb:pact-version")},
        ),
        "Webhook": webhook,
        "Webhooks": a.hal_document(
            ["_embedded"],
            {
                "_embedded": s.obj(["webhooks"], {"webhooks": s.array(s.ref("Webhook"))}),
                "_links": a.links("self", arrays=("pb:webhooks",)),
            },
        ),
        "WebhookExecution": a.hal_document(["logs"], {**attempt["properties"], "logs": str_}),
        "WebhookDeliveries": s.obj(["deliveries"], {"deliveries": s.array(attempt)}),
    }


def _schema_slot(kind: str) -> dict[str, Schema]:
    answer = ("SchemaPublication", "The publication")
    if kind == "schemas":
        body = s.json_request(_PUBLISH_SCHEMA, "The schema and its kind")
        summary, operation_id = "Publish a schema for a pacticipant version (extension)", "publishSchema"
    else:
        body = s.json_request(_SCHEMA_READ, "The reader schema, or the writer version")
        summary, operation_id = "Record the schema a version reads a subject with (extension)", "recordSchemaRead"
    put = s.operation(summary, operation_id, {"201": answer, "200": answer}, (404, 409, 413), body=body, write=True)
    if kind != "schemas":
        return {"put": put}
    get = s.operation(
        "A version's published schema (extension)", "getSchema", {"200": ("StoredSchema", "The schema")}, (404,)
    )
    return {"get": get, "put": put}


def _webhooks(pair: bool) -> dict[str, Schema]:
    suffix = "ForPair" if pair else ""
    listing = ("Webhooks", "The webhooks" + (" of the pair" if pair else ""))
    return {
        "get": s.operation("Webhooks", f"listWebhooks{suffix}", {"200": listing}, ()),
        "post": s.operation(
            "Create a webhook",
            f"createWebhook{suffix}",
            {"201": ("Webhook", "The webhook")},
            (404, 409, 413),
            body=s.json_request(_webhook_body(parties_in_path=pair), "The webhook"),
            write=True,
        ),
    }


def _extension_operations() -> dict[str, dict[str, Schema]]:
    hook = ("Webhook", "The webhook")
    return {
        _VERSION + "/schemas/{subject}": _schema_slot("schemas"),
        _VERSION + "/schema-reads/{subject}": _schema_slot("schema-reads"),
        "/polycontract/prune": {
            "post": s.operation(
                "Delete old versions and what only they use (extension; admin)",
                "prune",
                {"200": ("PruneReport", "What was (or, with dryRun, would be) deleted")},
                (409, 413),
                body=s.json_request(_PRUNE, "keepLatest, olderThanSeconds, dryRun", required=False),
                write=True,
            )
        },
        "/polycontract/pact-versions/{sha}": {
            "get": s.operation(
                "The consumer and provider of a pact content (extension)",
                "getPactContent",
                {"200": ("PactContent", "The pact content's pair")},
                (404,),
            )
        },
        "/webhooks": _webhooks(False),
        "/webhooks/provider/{provider}/consumer/{consumer}": _webhooks(True),
        "/webhooks/{uuid}": {
            "get": s.operation("A webhook", "getWebhook", {"200": hook}, (404,)),
            "put": s.operation(
                "Create or replace a webhook with this id",
                "putWebhook",
                {"201": hook, "200": hook},
                (404, 409, 413),
                query=[{"name": "uuid", "in": "path", "required": True, **_NEW_WEBHOOK_ID}],
                body=s.json_request(_webhook_body(parties_in_path=False), "The webhook"),
                write=True,
            ),
            "delete": s.operation("Delete a webhook", "deleteWebhook", {"204": (None, "Deleted")}, (404,), write=True),
        },
        "/webhooks/{uuid}/execute": {
            "post": s.operation(
                "Send a webhook once now",
                "executeWebhook",
                {"200": ("WebhookExecution", "The attempt, whatever the receiver answered")},
                (404,),
                write=True,
            )
        },
        "/polycontract/webhooks/{uuid}/deliveries": {
            "get": s.operation(
                "A webhook's delivery log (extension)",
                "webhookDeliveries",
                {"200": ("WebhookDeliveries", "Every attempt, oldest first")},
                (404,),
            )
        },
    }


def extension_paths() -> dict[str, dict[str, Any]]:
    """The path items of the extension and webhook routes, with their path parameters."""
    out: dict[str, dict[str, Any]] = {}
    for path, operations in _extension_operations().items():
        special = {"subject": _SUBJECT} if "{subject}" in path else {}
        if path.startswith(("/webhooks/{uuid}", "/polycontract/webhooks/")):
            special["uuid"] = _WEBHOOK_ID
        item: dict[str, Any] = dict(operations)
        if "{" in path:
            item["parameters"] = s.path_parameters(path, special)
        out[path] = item
    return out
