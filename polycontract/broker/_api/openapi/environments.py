"""The OpenAPI description of the environment, deployment and release routes (merged by `_api.openapi.document`)."""

from __future__ import annotations

from typing import Any

from polycontract.broker._api.openapi import schemas as s

__all__ = ["environment_operations"]

Schema = dict[str, Any]

_P = "/pacticipants/{pacticipant}"
_ENV = "/environments/{uuid}"
#: A body the route does not read (the Pact Broker's clients send ``{}``).
_IGNORED: Schema = {"type": "object"}


def environment_operations() -> dict[str, dict[str, Schema]]:
    """Operations by path and method."""
    read = (404,)
    return {
        _P + "/versions/{version}/deployed-versions/environment/{uuid}": {
            "post": s.operation(
                "Record a deployment",
                "recordDeployment",
                {"201": ("DeployedVersion", "The deployment")},
                (404, 409, 413),
                body=s.json_request(s.DEPLOYMENT, "The application instance (a POST is typed as JSON: CSRF-safe)"),
                write=True,
            )
        },
        _P + "/versions/{version}/released-versions/environment/{uuid}": {
            "post": s.operation(
                "Record a release",
                "recordRelease",
                {"201": ("ReleasedVersion", "The release")},
                (404, 409, 413),
                body=s.json_request(_IGNORED, "Ignored, as the Pact Broker ignores it (a POST is typed as JSON)"),
                write=True,
            )
        },
        "/environments": {
            "get": s.operation(
                "Every environment",
                "listEnvironments",
                {"200": ("Environments", "The environments")},
                (),
                query=[s.query("name", "Only the environment of this name.")],
            ),
            "post": s.operation(
                "Create an environment",
                "createEnvironment",
                {"201": ("Environment", "The new environment")},
                (409, 413),
                body=s.json_request(s.ENVIRONMENT_NEW, "The environment"),
                write=True,
            ),
        },
        _ENV: {
            "get": s.operation("An environment", "getEnvironment", {"200": ("Environment", "The environment")}, read),
            "put": s.operation(
                "Update an environment",
                "updateEnvironment",
                {"200": ("Environment", "The environment")},
                (404, 409, 413),
                body=s.json_request(s.ENVIRONMENT_UPDATE, "The environment's new settings", required=False),
                write=True,
            ),
        },
        _ENV + "/deployed-versions/currently-deployed": {
            "get": s.operation(
                "What is deployed in an environment",
                "currentlyDeployed",
                {"200": ("CurrentlyDeployed", "The current deployments")},
                read,
                query=[
                    s.query("pacticipant", "Only this pacticipant's deployments."),
                    s.query("applicationInstance", "Only this application instance (empty: none)."),
                ],
            )
        },
        _ENV + "/released-versions/currently-supported": {
            "get": s.operation(
                "What is released and supported in an environment",
                "currentlySupported",
                {"200": ("CurrentlySupported", "The supported releases")},
                read,
                query=[
                    s.query("pacticipant", "Only this pacticipant's releases."),
                    s.query("version", "Only this version's releases."),
                ],
            )
        },
        "/deployed-versions/{id}": {"patch": _end("DeployedVersion", "currentlyDeployed", "patchDeployedVersion")},
        "/released-versions/{id}": {"patch": _end("ReleasedVersion", "currentlySupported", "patchReleasedVersion")},
    }


def _end(schema: str, flag: str, operation_id: str) -> Schema:
    body = {"type": "object", "additionalProperties": False, "properties": {flag: {"const": False}}}
    return s.operation(
        f"Set {flag} to false",
        operation_id,
        {"200": (schema, "The updated record")},
        (404, 409, 413),
        body=s.json_request(body, f"{{{flag}: false}}", required=False),
        write=True,
    )
