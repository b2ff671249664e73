"""Answer schemas of the broker API's OpenAPI description (`_api.openapi.document`): HAL documents and problems.

Each schema states the members a handler always sends and their types; HAL documents stay open
(``_links`` and ``_embedded`` may gain relations, a pact keeps its own members). Timestamps are ISO
8601 text. Refusals are RFC 9457 problems (`polycontract.broker._api.common.error_response`).
"""

from __future__ import annotations

from typing import Any, get_args

from polycontract.broker._api.common import HAL_JSON, PROBLEM_JSON
from polycontract.broker._api.openapi.schemas import array, obj, ref
from polycontract.matrix import Status

__all__ = ["components", "hal_document", "links"]

Schema = dict[str, Any]

_STR: Schema = {"type": "string"}
_OPT_STR: Schema = {"type": ["string", "null"]}
_BOOL: Schema = {"type": "boolean"}
_OPT_BOOL: Schema = {"type": ["boolean", "null"]}
_INT: Schema = {"type": "integer"}
_LINK = ref("Link")


def links(*required: str, arrays: tuple[str, ...] = ()) -> Schema:
    """HAL ``_links`` with these relations required (``arrays``: lists of links); more relations allowed."""
    properties = {name: _LINK for name in required} | {name: array(_LINK) for name in arrays}
    return {**obj([*required, *arrays], properties), "additionalProperties": ref("LinkOrLinks")}


def hal_document(required: list[str], properties: dict[str, Schema]) -> Schema:
    """A HAL document: ``required`` members plus ``_links`` (``self`` unless ``properties`` says otherwise)."""
    return obj([*required, "_links"], {**properties, "_links": properties.get("_links", links("self"))})


def _embedded(key: str, item: Schema) -> Schema:
    return hal_document(["_embedded"], {"_embedded": obj([key], {key: array(item)})})


def _live(flag: str, extra: dict[str, Schema]) -> Schema:
    embedded = obj(
        ["pacticipant", "version", "environment"],
        {
            "pacticipant": obj(["name"], {"name": _STR}),
            "version": obj(["number"], {"number": _STR}),
            "environment": obj(["uuid", "name"], {"uuid": _STR, "name": _STR}),
        },
    )
    properties = {"uuid": _STR, "createdAt": _STR, flag: _BOOL, "_embedded": embedded, **extra}
    properties["_links"] = links("self", "pb:environment")
    return hal_document(["uuid", "createdAt", flag, *extra, "_embedded"], properties)


_NOTICE = obj(["type", "text"], {"type": _STR, "text": _STR})
#: One interaction of a verification result, in the Pact Broker's ``testResults`` shape (stored bounded).
_TEST_RESULT = obj(
    ["interactionId", "interactionDescription", "success", "mismatches"],
    {
        "interactionId": _OPT_STR,
        "interactionDescription": _OPT_STR,
        "success": _BOOL,
        "mismatches": array(
            obj(
                ["attribute", "identifier", "description"],
                {"attribute": _OPT_STR, "identifier": _OPT_STR, "description": _STR, "expected": {}, "actual": {}},
            )
        ),
        "mismatchesOmitted": _INT,
        "exceptions": array(obj(["message"], {"message": _STR})),
    },
)
#: Why a failed verification failed: who broke whom, the failed interactions, and the explanation lines.
_REPORT = {
    "anyOf": [
        {"type": "null"},
        obj(
            ["consumer", "provider", "contentHash", "detailsRecorded", "testResults", "lines"],
            {
                "consumer": obj(["name", "version"], {"name": _STR, "version": _STR}),
                "provider": obj(["name", "version"], {"name": _STR, "version": _STR}),
                "contentHash": _STR,
                "detailsRecorded": _BOOL,
                "testResults": {"anyOf": [{"type": "null"}, array(_TEST_RESULT)]},
                "lines": array(_STR),
            },
        ),
    ]
}
_PARTY_ROW = obj(
    ["name", "version"],
    {"name": _STR, "version": {"anyOf": [{"type": "null"}, obj(["number"], {"number": _STR})]}},
)
_ROW = obj(
    ["consumer", "provider", "pact", "verificationResult", "ignored"],
    {
        "consumer": _PARTY_ROW,
        "provider": _PARTY_ROW,
        "pact": {"anyOf": [{"type": "null"}, obj(["contentHash"], {"contentHash": _STR})]},
        "verificationResult": {
            "anyOf": [
                {"type": "null"},
                obj(
                    ["success", "verifiedAt", "pending"],
                    {
                        "success": _BOOL,
                        "verifiedAt": _OPT_STR,
                        "pending": _BOOL,
                        "testResults": {"anyOf": [{"type": "null"}, array(_TEST_RESULT)]},
                    },
                ),
            ]
        },
        "ignored": _BOOL,
        "polycontract": obj(["kind"], {"kind": {"enum": ["fuzz"]}}),  # only on fuzz rows (/can-i-deploy?fuzz=)
    },
)
_REASON = obj(
    ["status", "message", "nextAction", "counterpart", "counterpartVersion"],
    {
        "status": {"enum": list(get_args(Status))},
        "message": _STR,
        "nextAction": _OPT_STR,
        "counterpart": _OPT_STR,
        "counterpartVersion": _OPT_STR,
        "report": _REPORT,
    },
)
_COUNTS = {"success": _INT, "failed": _INT, "unknown": _INT, "ignored": _INT}
_SUMMARY = obj(
    ["deployable", "reason", "success", "failed", "unknown"],
    {"deployable": _OPT_BOOL, "reason": _STR, **_COUNTS},
)
_PROBLEM = obj(
    ["type", "title", "status", "detail", "error"],
    {
        "type": _STR,
        "title": _STR,
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": _STR,
        "error": obj(["message"], {"message": _STR}),
        "errors": {
            "anyOf": [
                {
                    "type": "array",
                    "minItems": 1,
                    "items": obj(["detail"], {"detail": _STR, "pointer": _STR, "parameter": _STR}),
                },
                {"type": "array", "minItems": 1, "items": _STR},
                {"type": "object", "additionalProperties": {"type": "array", "items": _STR}},
            ],
            "description": "One entry per bad field: a JSON pointer into the body or a query/path parameter. "
            "/matrix and the webhook writes answer a client that does not ask for application/problem+json "
            "in the Pact Broker's shape: a list of messages (/matrix), messages by dotted field (webhooks).",
        },
    },
)
_PACTICIPANT = hal_document(
    ["name", "displayName", "mainBranch", "createdAt"],
    {"name": _STR, "displayName": _STR, "mainBranch": _OPT_STR, "repositoryUrl": _OPT_STR, "createdAt": _STR},
)
_ENVIRONMENT = hal_document(
    ["uuid", "name", "displayName", "production"],
    {
        "uuid": {"type": "string", "format": "uuid"},
        "name": _STR,
        "displayName": _STR,
        "production": _BOOL,
        "_links": links("self", "pb:currently-deployed-deployed-versions", "pb:currently-supported-released-versions"),
    },
)
_VERSION = hal_document(
    ["number", "branch", "createdAt", "_embedded"],
    {
        "number": _STR,
        "branch": _OPT_STR,
        "buildUrl": _OPT_STR,
        "createdAt": _STR,
        "_embedded": obj(
            ["branchVersions", "tags", "deployedVersions", "releasedVersions"],
            {
                "branchVersions": array(obj(["name"], {"name": _STR})),
                "tags": array(obj(["name"], {"name": _STR})),
                "deployedVersions": array(ref("DeployedVersion")),
                "releasedVersions": array(ref("ReleasedVersion")),
            },
        ),
        "_links": links("self", "pb:pacticipant", arrays=("pb:record-deployment", "pb:record-release")),
    },
)
_FOR_VERIFICATION_PACT = obj(
    ["shortDescription", "verificationProperties", "polycontract", "_links"],
    {
        "shortDescription": _STR,
        "verificationProperties": obj(
            ["notices"],
            {"notices": array(obj(["when", "text"], {"when": _STR, "text": _STR})), "pending": _BOOL, "wip": _BOOL},
        ),
        "polycontract": obj(
            ["contentHash", "consumerVersions", "notices", "pending", "wip"],
            {
                "contentHash": _STR,
                "consumerVersions": array(_STR),
                "notices": array(_STR),
                "pending": _BOOL,
                "wip": _BOOL,
            },
        ),
        "_links": links("self"),
    },
)


def _answers() -> dict[str, Schema]:
    named = {"name": _STR, "_links": links("self", "pb:version")}
    return {
        "Link": obj(["href"], {"href": _STR, "title": _STR, "name": _STR, "templated": _BOOL}),
        "LinkOrLinks": {"anyOf": [_LINK, array(_LINK)]},
        "Problem": _PROBLEM,
        "Index": obj(["_links"], {"_links": links("self")}),
        "Status": obj(["status"], {"status": _STR, "database": _STR}),
        "OpenApiDocument": obj(["openapi", "info", "paths"], {"openapi": _STR, "info": {"type": "object"}}),
        "PublishResult": hal_document(
            ["notices", "logs", "_embedded"],
            {
                "notices": array(_NOTICE),
                "logs": array({}),
                "_embedded": obj(
                    ["pacticipant", "version"],
                    {
                        "pacticipant": obj(["name"], {"name": _STR}),
                        "version": obj(["number", "branch"], {"number": _STR, "branch": _OPT_STR}),
                    },
                ),
                "_links": links(
                    "pb:pacticipant", "pb:pacticipant-version", arrays=("pb:pacticipant-version-tags", "pb:contracts")
                ),
            },
        ),
        "PactDocument": hal_document(
            ["consumer", "provider"],
            {
                "consumer": obj(["name"], {"name": _STR}),
                "provider": obj(["name"], {"name": _STR}),
                "_links": links(
                    "self", "pb:consumer", "pb:provider", "pb:publish-verification-results", "pb:latest-pact-version"
                ),
            },
        ),
        "VerificationResult": hal_document(
            ["success", "providerName", "providerApplicationVersion", "testResults"],
            {
                "success": _BOOL,
                "providerName": _STR,
                "providerApplicationVersion": _STR,
                "providerVersionBranch": _OPT_STR,
                "pending": _BOOL,
                "verificationDate": _STR,
                "testResults": array(_TEST_RESULT),
                "testResultsOmitted": _INT,
                "detailsRecorded": _BOOL,
                "buildUrl": _OPT_STR,
                "polycontract": obj(["kind"], {"kind": {"enum": ["example", "fuzz"]}}),
                "_links": links("pb:pact-version"),
            },
        ),
        "LatestProviderPacts": hal_document([], {"_links": links("self", "provider", arrays=("pb:pacts", "pacts"))}),
        "ForVerification": _embedded("pacts", _FOR_VERIFICATION_PACT),
        "Pacticipant": _PACTICIPANT,
        "Pacticipants": _embedded("pacticipants", ref("Pacticipant")),
        "Version": _VERSION,
        "BranchVersion": hal_document(["name"], named),
        "Tag": hal_document(["name"], named),
        "Environment": _ENVIRONMENT,
        "Environments": _embedded("environments", ref("Environment")),
        "DeployedVersion": _live("currentlyDeployed", {"applicationInstance": _OPT_STR, "target": _OPT_STR}),
        "ReleasedVersion": _live("currentlySupported", {}),
        "CurrentlyDeployed": _embedded("deployedVersions", ref("DeployedVersion")),
        "CurrentlySupported": _embedded("releasedVersions", ref("ReleasedVersion")),
        "Matrix": obj(
            ["summary", "notices", "matrix"],
            {
                "summary": _SUMMARY,
                "notices": array(_NOTICE),
                "matrix": array(_ROW),
                "polycontract": obj(
                    ["target", "reasons", "warnings"],
                    {
                        "target": _OPT_STR,
                        "reasons": array(_REASON),
                        "warnings": array(_STR),
                        "fuzz": {"enum": ["count", "require"]},  # only when /can-i-deploy?fuzz= asked
                    },
                ),
            },
        ),
    }


_PROBLEM_TITLES = {
    400: "Bad input: errors[] names each field (a JSON pointer into the body, or a parameter)",
    401: "A valid token is required (when the server has tokens)",
    403: "The token's role or pacticipants do not allow this",
    404: "No such resource",
    409: "Conflicts with what the broker holds",
    413: "The body is larger than the server reads",
    415: "The body is not typed as JSON (Content-Type application/json, application/hal+json or merge-patch+json)",
    503: "The database is unavailable",
}


def components() -> dict[str, Any]:
    """The ``components`` of the document: answer schemas, problem responses and security schemes."""
    problem = {"schema": ref("Problem")}
    responses = {
        f"Problem{code}": {
            "description": text + " (application/problem+json; a client accepting only HAL or JSON gets that type).",
            "content": {PROBLEM_JSON: problem, HAL_JSON: problem, "application/json": problem},
        }
        for code, text in _PROBLEM_TITLES.items()
    }
    return {
        "schemas": _answers(),
        "responses": responses,
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A broker token."},
            "basicAuth": {"type": "http", "scheme": "basic", "description": "Any username; the password is the token."},
        },
    }
