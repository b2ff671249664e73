"""Request schemas and operation building blocks of the broker API's OpenAPI description (`_api.openapi.document`).

The schemas say exactly what the handlers accept: names are non-empty strings of at most 255
characters without control characters (`polycontract.broker._api.common.required_str`), optional
strings may be null or empty, and objects whose unknown members a handler refuses have
``additionalProperties: false``. `operation` adds the problem responses every operation can give; the
answer schemas they refer to are in `polycontract.broker._api.openapi.answers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from polycontract.broker._api.common import HAL_JSON, MAX_NAME
from polycontract.broker._values.names import UNSEEN_CLASS

__all__ = [
    "DEPLOYMENT",
    "ENVIRONMENT_NEW",
    "ENVIRONMENT_UPDATE",
    "FOR_VERIFICATION",
    "LIMIT",
    "NAME",
    "OPT_BRANCH",
    "OPT_TEXT",
    "PACT",
    "PACTICIPANT_BODY",
    "PACTICIPANT_NAME",
    "PRINTABLE",
    "PUBLISH",
    "QUERY_NAME",
    "QUERY_TEXT",
    "REVISION",
    "SEGMENT",
    "VERIFICATION",
    "VERSION_BODY",
    "array",
    "json_request",
    "obj",
    "operation",
    "path_parameters",
    "query",
    "ref",
]

Schema = dict[str, Any]

#: No control character anywhere (a ``not`` of a search, so Python's ``$`` before a final newline cannot slip one in).
PRINTABLE: Schema = {"not": {"type": "string", "pattern": r"[\x00-\x1f\x7f]"}}


def ref(name: str) -> Schema:
    """A reference to ``components.schemas[name]``."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: list[str], properties: dict[str, Schema], *, closed: bool = False) -> Schema:
    """An object schema; ``closed`` refuses members not in ``properties``."""
    schema: Schema = {"type": "object", "required": required, "properties": properties}
    if closed:
        schema["additionalProperties"] = False
    return schema


def array(items: Schema) -> Schema:
    """An array schema."""
    return {"type": "array", "items": items}


_STR: Schema = {"type": "string"}
_BOOL: Schema = {"type": "boolean"}
_OPT_BOOL: Schema = {"type": ["boolean", "null"]}
_ANY: Schema = {"description": "Accepted and not stored."}

#: Nothing a name may not hold (`polycontract.broker._values.names`: controls, zero-width and bidi characters, ...).
SEEN: Schema = {"not": {"type": "string", "pattern": f"[{UNSEEN_CLASS}]"}}
#: A version number, branch or tag in a path: it may hold ``/``, sent ``%2F``-encoded (as to the Pact Broker).
SLASHED_SEGMENT: Schema = {"type": "string", "minLength": 1, "maxLength": MAX_NAME, "pattern": r"\S", **SEEN}
#: A name in a path: no ``/``, nothing invisible, at most 255 characters.
SEGMENT: Schema = {**SLASHED_SEGMENT, "not": {"type": "string", "pattern": f"[/{UNSEEN_CLASS}]"}}
#: Query text: the server refuses control characters anywhere in the query.
QUERY_TEXT: Schema = {"type": "string", **PRINTABLE}
QUERY_NAME: Schema = {"type": "string", "minLength": 1, **SEEN}
LIMIT: Schema = {"type": "integer", "minimum": 1, "maximum": 100_000, "default": 1000}
REVISION: Schema = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
#: A required name: non-empty, not only whitespace, printable, at most 255 characters.
NAME: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_NAME,
    "pattern": r"\S",
    **SEEN,
}
#: An optional string: null or empty means absent.
OPT_TEXT: Schema = {"type": ["string", "null"], "maxLength": MAX_NAME, **PRINTABLE}
#: An optional branch: null or empty means absent; otherwise checked as every name is (`SEEN`).
OPT_BRANCH: Schema = {"type": ["string", "null"], "maxLength": MAX_NAME, **SEEN}
#: A pacticipant's name in a body: as in a path, no ``/`` (`SEGMENT`).
PACTICIPANT_NAME: Schema = SEGMENT
_TEST_RESULT = obj(
    ["success"],
    {
        "success": _BOOL,
        "interactionId": {"description": "Stored as text."},
        "interactionDescription": {"description": "Stored as text."},
        "mismatches": {"type": ["array", "null"], "items": {"type": "object"}},
        "exceptions": {"type": ["array", "null"]},
    },
)
_NAMES: Schema = {
    "type": ["array", "null"],
    "items": {"anyOf": [NAME, obj(["name"], {"name": NAME})]},
    "description": "Names, or objects with a name.",
}

_CONTRACT = obj(
    ["consumerName", "providerName", "content"],
    {
        "consumerName": PACTICIPANT_NAME,
        "providerName": PACTICIPANT_NAME,
        "specification": {"enum": ["pact"], "default": "pact"},
        "contentType": {"description": "application/json (not checked)."},
        "content": {
            "type": "string",
            "minLength": 1,
            "contentEncoding": "base64",
            "contentMediaType": "application/json",
            "description": "The pact JSON, base64-encoded; its consumer and provider match the names.",
        },
        "onConflict": _ANY,
    },
    closed=True,
)
PUBLISH = obj(
    ["pacticipantName", "pacticipantVersionNumber", "contracts"],
    {
        "pacticipantName": PACTICIPANT_NAME,
        "pacticipantVersionNumber": NAME,
        "branch": OPT_BRANCH,
        "tags": _NAMES,
        "buildUrl": OPT_TEXT,
        "contracts": {"type": "array", "minItems": 1, "items": _CONTRACT},
        "allowOverwrite": _ANY,
    },
    closed=True,
)
_PARTY = obj(["name"], {"name": PACTICIPANT_NAME})
PACT = obj(
    ["consumer", "provider"],
    {
        "consumer": _PARTY,
        "provider": _PARTY,
        "interactions": {"type": "array"},
        "messages": {"type": "array"},
        "metadata": {"type": "object"},
    },
)
VERIFICATION = obj(
    ["success", "providerApplicationVersion"],
    {
        "success": _BOOL,
        "providerApplicationVersion": NAME,
        "providerVersionBranch": OPT_BRANCH,
        "branch": OPT_BRANCH,
        "pending": {**_OPT_BOOL, "description": "The verifier ran the pact as pending (extension)."},
        "testResults": {"type": ["array", "null"], "items": _TEST_RESULT},
        "verifiedBy": _ANY,
        "buildUrl": OPT_TEXT,
        "polycontract": {
            **obj(
                [],
                {"kind": {"enum": ["example", "fuzz"]}, "seed": {"type": "integer"}, "requests": {"type": "integer"}},
                closed=True,
            ),
            "description": "The kind of verification (extension): fuzz results count in can-i-deploy only when asked.",
        },
    },
    closed=True,
)
_SELECTOR = obj(
    [],
    {
        "mainBranch": _BOOL,
        "branch": _STR,
        "matchingBranch": _BOOL,
        "deployedOrReleased": _BOOL,
        "deployed": _BOOL,
        "released": _BOOL,
        "environment": _STR,
        "latest": _BOOL,
        "consumer": _STR,
    },
    closed=True,
)
FOR_VERIFICATION = obj(
    [],
    {
        "consumerVersionSelectors": {"type": ["array", "null"], "items": _SELECTOR},
        "providerVersionBranch": OPT_TEXT,
        "includePendingStatus": _OPT_BOOL,
        "includeWipPactsSince": {
            **OPT_TEXT,
            "description": "An ISO 8601 date or time; needs includePendingStatus: true.",
        },
    },
)
PACTICIPANT_BODY = obj(
    [],
    {
        "name": {"type": "string", "description": "The URL's pacticipant name."},
        "mainBranch": OPT_BRANCH,
        "displayName": OPT_TEXT,
        "repositoryUrl": OPT_TEXT,
        "repository_url": {**OPT_TEXT, "description": "The Pact Broker client's older name of repositoryUrl."},
    },
    closed=True,
)
VERSION_BODY = obj([], {"branch": OPT_BRANCH, "tags": _NAMES, "buildUrl": OPT_TEXT}, closed=True)
DEPLOYMENT = obj([], {"applicationInstance": OPT_TEXT, "target": OPT_TEXT}, closed=True)
_CONTACTS: Schema = {
    "type": ["array", "null"],
    "items": obj(
        ["name"],
        {
            "name": {"type": "string", "pattern": r"\S", "not": {"type": "string", "pattern": "\n"}},
            "details": {"type": ["object", "null"]},
        },
        closed=True,
    ),
    "description": "People to ask about the environment (the Pact Broker's contacts).",
}
ENVIRONMENT_NEW = obj(
    ["name"],
    {
        "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_NAME,
            "not": {"type": "string", "pattern": f"[\\s/{UNSEEN_CLASS}]"},
        },
        "displayName": OPT_TEXT,
        "production": _OPT_BOOL,
        "contacts": _CONTACTS,
    },
    closed=True,
)
ENVIRONMENT_UPDATE = obj(
    [],
    {
        "name": {**OPT_TEXT, "description": "The environment's name, which cannot change."},
        "displayName": OPT_TEXT,
        "production": _OPT_BOOL,
        "contacts": _CONTACTS,
    },
    closed=True,
)


# -- operations ----------------------------------------------------------------------------------

_PARAMETERS: dict[str, tuple[str, str]] = {
    "pacticipant": ("A pacticipant's name.", "web"),
    "provider": ("The provider's name.", "users"),
    "consumer": ("The consumer's name.", "web"),
    "version": ("A version number of the pacticipant (the consumer's, for pact URLs).", "1.0.0"),
    "branch": ("A branch name.", "main"),
    "tag": ("A tag name.", "stable"),
    "label": ("A pacticipant label.", "payments"),
    "sha": ("A pact content hash (the Pact Broker's pact version).", "0" * 64),
    "metadata": ("Opaque metadata the Pact Broker puts in pact URLs; ignored.", "e30"),
    "uuid": ("An environment's uuid (as listed by GET /environments) or its name.", "production"),
}


def path_parameters(path: str, special: dict[str, Schema] | None = None) -> list[Schema]:
    """The path parameters of ``path`` (``{name}`` parts), each with a description and an example.

    ``special`` gives whole parameter objects for names that mean something else on this path.
    """
    out: list[Schema] = []
    for part in path.split("{")[1:]:
        name = part.split("}")[0]
        if special and name in special:
            out.append({"name": name, "in": "path", "required": True, **special[name]})
            continue
        if name == "id":
            schema: Schema = {"type": "integer", "minimum": 1, "description": "A record id."}
            out.append({"name": name, "in": "path", "required": True, "schema": schema, "example": 1})
            continue
        description, example = _PARAMETERS[name]
        out.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": description,
                "schema": SLASHED_SEGMENT if name in ("version", "branch", "tag") else SEGMENT,
                "example": example,
            }
        )
    return out


def query(
    name: str, description: str, schema: Schema | None = None, *, required: bool = False, example: str | None = None
) -> Schema:
    """A query parameter (free printable text unless ``schema``)."""
    parameter: Schema = {"name": name, "in": "query", "description": description, "schema": schema or QUERY_TEXT}
    if required:
        parameter["required"] = True
    if example is not None:
        parameter["example"] = example
    return parameter


def json_request(schema: Schema, description: str, *, required: bool = True) -> Schema:
    """A JSON request body."""
    return {"description": description, "required": required, "content": {"application/json": {"schema": schema}}}


def operation(
    summary: str,
    operation_id: str,
    answers: Mapping[str, tuple[str | None, str]],
    errors: tuple[int, ...],
    *,
    query: list[Schema] | None = None,
    body: Schema | None = None,
    public: bool = False,
    write: bool = False,
    media_type: str = HAL_JSON,
) -> Schema:
    """One operation: ``answers`` maps statuses to (schema name, description); ``errors`` adds problem statuses.

    Every operation may answer 400 (a control character in the path or query); all but the ``public`` ones
    401 (auth on, no token) and 503 (database down); ``write`` ones also 403 (the token may not write that);
    ``write`` ones and those with a ``body`` also 415 (a body not typed as JSON).
    ``query`` lists the operation's own parameters (query ones, or a path one it narrows).
    """
    responses: dict[str, Any] = {
        code: {"description": text}
        if name is None
        else {"description": text, "content": {media_type: {"schema": ref(name)}}}
        for code, (name, text) in answers.items()
    }
    refusals = {400, *errors} | (set() if public else {401, 503}) | ({403} if write else set())
    refusals |= {415} if write or body is not None else set()  # a write not typed as JSON (`_api.bodies`)
    for code in sorted(refusals - {int(c) for c in answers}):
        responses[str(code)] = {"$ref": f"#/components/responses/Problem{code}"}
    described: Schema = {"summary": summary, "operationId": operation_id, "responses": responses}
    if query:
        described["parameters"] = query
    if body is not None:
        described["requestBody"] = body
    if public:
        described["security"] = []
    return described
