"""The OpenAPI description of `polycontract.broker._api.catalog`'s routes (merged by `_api.openapi.document`)."""

from __future__ import annotations

from typing import Any

from polycontract.broker._api.openapi import answers as a
from polycontract.broker._api.openapi import schemas as s

__all__ = ["catalog_operations", "catalog_schemas", "merged"]

Schema = dict[str, Any]

_P = "/pacticipants/{pacticipant}"
_STR: Schema = {"type": "string"}
_NEW_PACTICIPANT = s.obj(
    ["name"],
    {
        "name": {**s.PACTICIPANT_NAME, "description": "The pacticipant's name (no /)."},
        "mainBranch": s.OPT_TEXT,
        "displayName": s.OPT_TEXT,
        "repositoryUrl": s.OPT_TEXT,
    },
    closed=True,
)


def _delete(summary: str, operation_id: str) -> Schema:
    return s.operation(summary, operation_id, {"204": (None, "Deleted")}, (404,), write=True)


def catalog_operations() -> dict[str, dict[str, Schema]]:
    """Operations by path and method (some paths also have operations described in `_api.openapi.document`)."""
    version = {"200": ("Version", "The version with its branch, tags, deployments and releases")}
    return {
        "/pacts/latest": {
            "get": s.operation(
                "Each integration's newest pact", "latestPactVersions", {"200": ("LatestPactVersions", "Pacts")}, ()
            )
        },
        "/pacticipants": {
            "post": s.operation(
                "Create a pacticipant",
                "createPacticipant",
                {"201": ("Pacticipant", "The new pacticipant")},
                (409, 413),
                body=s.json_request(_NEW_PACTICIPANT, "The pacticipant"),
                write=True,
            )
        },
        _P: {"delete": _delete("Delete a pacticipant with its versions and pacts", "deletePacticipant")},
        _P + "/versions": {
            "get": s.operation("Every version, newest first", "listVersions", {"200": ("Versions", "Versions")}, (404,))
        },
        _P + "/versions/{version}": {"delete": _delete("Delete a version and what hangs off it", "deleteVersion")},
        _P + "/versions/{version}/tags/{tag}": {"delete": _delete("Remove a tag from a version", "deleteTag")},
        _P + "/latest-version/{tag}": {
            "get": s.operation("The newest version with a tag", "latestTaggedVersion", version, (404,))
        },
        _P + "/branches": {
            "get": s.operation("A pacticipant's branches", "listBranches", {"200": ("Branches", "Branches")}, (404,))
        },
        _P + "/branches/{branch}": {
            "get": s.operation("A branch", "getBranch", {"200": ("Branch", "The branch")}, (404,)),
            "delete": _delete("Delete a branch (its versions stay, off the branch)", "deleteBranch"),
        },
        _P + "/branches/{branch}/versions/{version}": {
            "get": s.operation(
                "A version on a branch", "getBranchVersion", {"200": ("BranchVersion", "The branch version")}, (404,)
            )
        },
        "/environments/{uuid}": {"delete": _delete("Delete an environment and its records", "deleteEnvironment")},
        "/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}": {
            "get": s.operation(
                "The pact of the newest consumer version with a tag",
                "getLatestTaggedPact",
                {"200": ("PactDocument", "The pact (X-Pact-Consumer-Version names the consumer version)")},
                (404,),
            )
        },
        "/pacts/provider/{provider}/latest/{tag}": {
            "get": s.operation(
                "Each consumer's newest pact with a tag",
                "latestTaggedProviderPacts",
                {"200": ("LatestProviderPacts", "Links to the pacts")},
                (),
            )
        },
    }


def catalog_schemas() -> dict[str, Schema]:
    """The answer schemas of these routes, for ``components.schemas``."""
    branch = a.hal_document(["name", "createdAt"], {"name": _STR, "createdAt": _STR})
    party = s.obj(["name"], {"name": _STR})
    latest_pact = s.obj(
        ["_embedded", "_links"],
        {"createdAt": _STR, "_embedded": s.obj(["consumer", "provider"], {"consumer": party, "provider": party})},
    )
    return {
        "Branch": branch,
        "Branches": a.hal_document(["_embedded"], {"_embedded": s.obj(["branches"], {"branches": s.array(branch)})}),
        "Versions": a.hal_document(
            ["_embedded"],
            {"_embedded": s.obj(["versions"], {"versions": s.array(s.obj(["number"], {"number": _STR}))})},
        ),
        "LatestPactVersions": a.hal_document(["pacts"], {"pacts": s.array(latest_pact)}),
    }


def merged(*parts: dict[str, dict[str, Schema]]) -> dict[str, dict[str, Schema]]:
    """Path items combined method by method (a path may have operations in several parts)."""
    out: dict[str, dict[str, Schema]] = {}
    for part in parts:
        for path, operations in part.items():
            out[path] = {**out.get(path, {}), **operations}
    return out
