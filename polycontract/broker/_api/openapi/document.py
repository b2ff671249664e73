"""The OpenAPI 3.1 description of the broker's HTTP API, served at ``GET /openapi.json``.

`document` builds it once from plain data: every route of `polycontract.broker._api.app` with its
path and query parameters, the JSON request bodies the handlers accept (``additionalProperties:
false`` where a handler refuses unknown members), the main members of the HAL answers (HAL documents
stay open to more members), the RFC 9457 problems of every refusal and the bearer/basic security
schemes. Request schemas are in `_api.openapi.schemas`, answers in `_api.openapi.answers`, the
extension and webhook routes in `_api.openapi.extensions`, environments and deployments in
`_api.openapi.environments`. A test checks that the description and
the app's routes name the same operations, and schemathesis fuzzes the app against it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from polycontract.broker._api.openapi import answers as a
from polycontract.broker._api.openapi import schemas as s
from polycontract.broker._api.openapi.catalog import catalog_operations, catalog_schemas, merged
from polycontract.broker._api.openapi.environments import environment_operations
from polycontract.broker._api.openapi.extensions import extension_paths, extension_schemas
from polycontract.broker._api.openapi.labels import label_operations, label_schemas
from polycontract.broker._api.openapi.provider_pacts import provider_pact_operations, provider_pact_schemas

__all__ = ["document", "openapi"]

Schema = dict[str, Any]

_P = "/pacticipants/{pacticipant}"
_PACT = "/pacts/provider/{provider}/consumer/{consumer}"
_SHA = _PACT + "/pact-version/{sha}"


def _matrix_query() -> list[Schema]:
    return [
        s.query(
            "q[][pacticipant]",
            "The pacticipant to ask about (exactly one selector).",
            s.QUERY_NAME,
            required=True,
            example="web",
        ),
        s.query("q[][version]", "Its version; required with environment or mainBranch=true.", example="1.0.0"),
        s.query("q[][branch]", "Its branch, to list rows of the branch's versions."),
        s.query("environment", "Ask can-i-deploy to this environment.", example="production"),
        s.query("mainBranch", "true asks whether the version can merge into the main branch (can-i-merge)."),
        s.query("tag", "With latest=true: can-i-deploy against the latest version of each counterpart with this tag."),
        s.query("latest", "true with tag (the Pact CLI's --to TAG)."),
        s.query("ignore[][pacticipant]", "A pacticipant to ignore in the decision."),
        s.query("ignore[][version]", "The ignored pacticipant's version (follows its ignore[][pacticipant])."),
        s.query("latestby", "Sent by the Pact CLI (cvpv, cvp); ignored."),
        s.query("limit", "The most rows to list (extension).", s.LIMIT),
    ]


def _paths() -> dict[str, dict[str, Schema]]:
    read = (404,)
    pact = ("PactDocument", "The pact, with _links to publish verification results")
    version = {"200": ("Version", "The version with its branch, tags, deployments and releases")}
    wip = "Pacts to verify for the provider (selectors, pending and WIP pacts)"
    return {
        "/": {"get": s.operation("The index of relations", "index", {"200": ("Index", "HAL _links")}, ())},
        "/health": {"get": s.operation("Liveness", "health", {"200": ("Status", "The process runs")}, (), public=True)},
        "/ready": {
            "get": s.operation(
                "Readiness",
                "ready",
                {"200": ("Status", "The database answers"), "503": ("Status", "The database does not answer")},
                (),
            )
        },
        "/openapi.json": {
            "get": s.operation(
                "This description",
                "openapi",
                {"200": ("OpenApiDocument", "OpenAPI 3.1")},
                (),
                public=True,
                media_type="application/json",
            )
        },
        "/contracts/publish": {
            "post": s.operation(
                "Publish a consumer version's pacts with its branch and tags",
                "publishContracts",
                {"200": ("PublishResult", "What was published")},
                (404, 409, 413),
                body=s.json_request(s.PUBLISH, "Base64-encoded pacts of one consumer version"),
                write=True,
            )
        },
        _PACT + "/version/{version}": {
            "get": s.operation(
                "A consumer version's pact",
                "getPactByVersion",
                {"200": pact},
                read,
                query=[s.query("revision", "An earlier publication of this pact (extension).", s.REVISION)],
            ),
            "put": s.operation(
                "Publish a pact (the Pact Broker's older per-pact route)",
                "putPact",
                {"201": pact, "200": pact},
                (404, 409, 413),
                body=s.json_request(s.PACT, "A pact between the URL's consumer and provider"),
                write=True,
            ),
        },
        _PACT + "/latest": {
            "get": s.operation("The newest consumer version's pact", "getLatestPact", {"200": pact}, read)
        },
        _SHA: {"get": s.operation("A pact by content", "getPactByHash", {"200": pact}, read)},
        _SHA + "/metadata/{metadata}": {
            "get": s.operation("A pact by content", "getPactByHashMetadata", {"200": pact}, read)
        },
        _SHA + "/verification-results": _verification("publishVerificationResult"),
        _SHA + "/verification-results/{id}": {
            "get": s.operation(
                "One verification result, with the test results (mismatches) its verifier sent",
                "getVerificationResult",
                {"200": ("VerificationResult", "The recorded result")},
                (404,),
            )
        },
        _SHA + "/verification-results/latest": {
            "get": s.operation(
                "The newest verification result of this pact content (pb:latest-verification-results)",
                "getLatestVerificationResult",
                {"200": ("VerificationResult", "The newest recorded result")},
                (404,),
            )
        },
        _PACT + "/version/{version}/verification-results/latest": {
            "get": s.operation(
                "The newest verification result of the pact a consumer version publishes",
                "getLatestVerificationResultForVersion",
                {"200": ("VerificationResult", "The newest recorded result")},
                (404,),
            )
        },
        _SHA + "/metadata/{metadata}/verification-results": _verification("publishVerificationResultMetadata"),
        "/pacts/provider/{provider}/latest": {
            "get": s.operation(
                "Each consumer's newest pact for the provider",
                "latestProviderPacts",
                {"200": ("LatestProviderPacts", "Links to the pacts")},
                (),
            )
        },
        "/pacts/provider/{provider}/for-verification": {
            "get": s.operation(
                "Pacts to verify, default selectors", "forVerification", {"200": ("ForVerification", wip)}, ()
            ),
            "post": s.operation(
                "Pacts to verify for consumer version selectors",
                "forVerificationWithSelectors",
                {"200": ("ForVerification", wip)},
                (404, 413),
                body=s.json_request(s.FOR_VERIFICATION, "Selectors and pending/WIP options", required=False),
            ),
        },
        "/pacticipants": {
            "get": s.operation(
                "Every pacticipant", "listPacticipants", {"200": ("Pacticipants", "The pacticipants")}, ()
            )
        },
        _P: {
            "get": s.operation("A pacticipant", "getPacticipant", {"200": ("Pacticipant", "The pacticipant")}, read),
            "put": _pacticipant_write("putPacticipant", creates=False),
            "patch": _pacticipant_write("patchPacticipant", creates=True),
        },
        _P + "/latest-version": {"get": s.operation("The newest version", "latestVersion", version, read)},
        _P + "/branches/{branch}/latest-version": {
            "get": s.operation("The newest version on a branch", "latestBranchVersion", version, read)
        },
        _P + "/versions/{version}": {
            "get": s.operation("A version", "getVersion", version, read),
            "put": s.operation(
                "Create a version",
                "putVersion",
                version,
                (409, 413),
                body=s.json_request(s.VERSION_BODY, "The version's branch and tags", required=False),
                write=True,
            ),
        },
        _P + "/branches/{branch}/versions/{version}": {
            "put": s.operation(
                "Create a version on a branch",
                "putBranchVersion",
                {"200": ("BranchVersion", "The branch version")},
                (409,),
                write=True,
            )
        },
        _P + "/versions/{version}/tags/{tag}": {
            "put": s.operation(
                "Tag a version",
                "putTag",
                {"201": ("Tag", "The tag, new"), "200": ("Tag", "The tag, which the version had already")},
                (409,),
                write=True,
            )
        },
        "/matrix": {
            "get": s.operation(
                "The matrix, or can-i-deploy / can-i-merge with environment or mainBranch",
                "matrix",
                {"200": ("Matrix", "Summary, notices and rows")},
                (404, 409),
                query=_matrix_query(),
            )
        },
        "/can-i-deploy": {
            "get": s.operation(
                "Can a pacticipant version be deployed to an environment",
                "canIDeploy",
                {"200": ("Matrix", "The decision with its rows")},
                (404, 409),
                query=[
                    s.query("pacticipant", "The pacticipant.", s.QUERY_NAME, required=True, example="web"),
                    s.query("version", "Its version.", s.QUERY_NAME, required=True, example="1.0.0"),
                    s.query(
                        "environment", "The target environment.", s.QUERY_NAME, required=True, example="production"
                    ),
                    s.query("ignore[]", "Pacticipants to ignore.", {"type": "array", "items": s.QUERY_TEXT}),
                    s.query(
                        "fuzz",
                        "What fuzz verifications do: ignore (default), count (a failed one blocks), require (a"
                        " missing one blocks too).",
                        {"enum": ["ignore", "count", "require"]},
                    ),
                ],
            )
        },
        "/polycontract/matrix": {
            "get": s.operation(
                "Matrix rows narrowed to what is live in an environment (extension)",
                "matrixRows",
                {"200": ("Matrix", "Summary and rows")},
                (404, 409),
                query=[
                    s.query("pacticipant", "The pacticipant.", s.QUERY_NAME, required=True, example="users"),
                    s.query("version", "Only this version.", s.QUERY_NAME),
                    s.query("branch", "Only versions on this branch.", s.QUERY_NAME),
                    s.query("environment", "Only counterparts live in this environment.", s.QUERY_NAME),
                    s.query("limit", "The most rows.", s.LIMIT),
                ],
            )
        },
    }


def _verification(operation_id: str) -> dict[str, Schema]:
    return {
        "post": s.operation(
            "Publish a provider version's verification result for a pact",
            operation_id,
            {"201": ("VerificationResult", "The recorded result")},
            (404, 409, 413),
            body=s.json_request(s.VERIFICATION, "The result"),
            write=True,
        )
    }


def _pacticipant_write(operation_id: str, *, creates: bool) -> Schema:
    # As the Pact Broker: PATCH creates an unknown pacticipant, PUT answers 404 for it.
    answer = ("Pacticipant", "The pacticipant")
    return s.operation(
        "Create a pacticipant or set its main branch" if creates else "Set a pacticipant's main branch and the like",
        operation_id,
        {"201": answer, "200": answer} if creates else {"200": answer},
        (409, 413) if creates else (404, 409, 413),
        body=s.json_request(s.PACTICIPANT_BODY, "The pacticipant's settings", required=False),
        write=True,
    )


def _with_path_parameters(paths: dict[str, dict[str, Schema]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, operations in paths.items():
        item: dict[str, Any] = dict(operations)
        if "{" in path:
            item["parameters"] = s.path_parameters(path)
        out[path] = item
    return out


@cache
def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document (built once; callers must not change it)."""
    from polycontract import __version__

    components = a.components()
    components["schemas"] |= extension_schemas()
    components["schemas"] |= catalog_schemas()
    components["schemas"] |= provider_pact_schemas()
    components["schemas"] |= label_schemas()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "polycontract broker",
            "version": __version__,
            "description": (
                "A Pact-Broker-compatible HAL+JSON API. Errors are RFC 9457 problems. When the server is"
                " started with tokens, every operation but /health and /openapi.json needs one (bearer, or"
                " the password of basic auth); without tokens the API is open."
            ),
        },
        "paths": _with_path_parameters(
            merged(
                _paths(),
                catalog_operations(),
                environment_operations(),
                provider_pact_operations(),
                label_operations(),
            )
        )
        | extension_paths(),
        "components": components,
        "security": [{"bearerAuth": []}, {"basicAuth": []}, {}],
    }


@cache
def _rendered() -> bytes:
    return json.dumps(document(), separators=(",", ":")).encode("utf-8")


async def openapi(request: Request) -> Response:
    """``GET /openapi.json``: this API's OpenAPI 3.1 description."""
    return Response(_rendered(), media_type="application/json")
