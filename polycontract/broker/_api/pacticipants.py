"""Pacticipant and version routes of the broker's HTTP API (environments: `_api.environments`)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from polycontract.broker._api import queries as reads
from polycontract.broker._api.common import (
    HttpError,
    base_url,
    broker_of,
    environment_uuid,
    hal,
    json_body,
    link,
    name_list,
    optional_str,
    reject_unknown,
    seg,
)
from polycontract.broker._api.environments import live_json

__all__ = [
    "get_pacticipant",
    "get_version",
    "latest_branch_version",
    "latest_version",
    "list_pacticipants",
    "pacticipant_json",
    "put_branch_version",
    "put_pacticipant",
    "put_tag",
    "put_version",
    "version_response",
]


#: Pacticipant members: the Pact Broker's ``name``, ``mainBranch``, ``displayName``, ``repositoryUrl``, and
#: ``repository_url``, which the Pact Broker client's ``register_repository_url`` sends (stored as repositoryUrl).
_PACTICIPANT_FIELDS = frozenset({"name", "mainBranch", "displayName", "repositoryUrl", "repository_url"})
#: Version members: ``branch``, ``tags`` (names or ``{name}`` objects) and the Pact Broker's ``buildUrl``.
_VERSION_FIELDS = frozenset({"branch", "tags", "buildUrl"})
_DEPRECATED_LINK = "DEPRECATED - please use pb:pacticipants"


# -- pacticipants and versions ---------------------------------------------------------------


def _embedded_version(base: str, name: str, number: str) -> dict[str, Any]:
    href = f"/pacticipants/{seg(name)}/versions/{seg(number)}"
    return {"number": number, "_links": {"self": link(base, href, name=number, title="Version")}}


def pacticipant_json(base: str, info: reads.PacticipantInfo) -> dict[str, Any]:
    """A pacticipant as the Pact Broker's pacticipant resource shows it.

    As pact_broker ``lib/pact_broker/api/decorators/pacticipant_decorator.rb``: its labels and newest version
    embedded (``latestVersion``, and the deprecated ``latest-version`` the Pact Broker client still reads), the
    deprecated ``versions`` link beside ``pb:versions``, and ``pb:label``.
    """
    path = f"/pacticipants/{seg(info.name)}"
    embedded: dict[str, Any] = {
        "labels": [
            {"name": label, "_links": {"self": link(base, f"{path}/labels/{seg(label)}", name=label, title="Label")}}
            for label in info.labels
        ]
    }
    if info.latest_version is not None:
        embedded["latestVersion"] = _embedded_version(base, info.name, info.latest_version)
        embedded["latest-version"] = _embedded_version(base, info.name, info.latest_version)
    return {
        "name": info.name,
        "displayName": info.display_name or info.name,
        "mainBranch": info.main_branch,
        "repositoryUrl": info.repository_url,
        "createdAt": info.created_at.isoformat(),
        "_embedded": embedded,
        "_links": {
            "self": link(base, path, name=info.name),
            "versions": link(base, path + "/versions", title="Deprecated - use pb:versions"),
            "pb:label": link(base, path + "/labels/{label}", templated=True, title=f"Labels of {info.name}"),
            "pb:versions": link(base, path + "/versions"),
            "pb:branches": link(base, path + "/branches"),
            "pb:latest-version": link(base, path + "/latest-version"),
            "pb:branch-version": link(base, path + "/branches/{branch}/versions/{version}", templated=True),
            "pb:version-tag": link(base, path + "/versions/{version}/tags/{tag}", templated=True),
            "pb:version": link(base, path + "/versions/{version}", templated=True),
        },
    }


async def list_pacticipants(request: Request) -> Response:
    """``GET /pacticipants``."""
    broker = broker_of(request)
    names = await run_in_threadpool(reads.pacticipant_names, broker)
    base = base_url(request)
    infos = [await run_in_threadpool(reads.pacticipant, broker, n) for n in names]
    pacticipants = [pacticipant_json(base, i) for i in infos if i is not None]
    # The top-level array as well: the Pact Broker still merges it in (pact_broker
    # lib/pact_broker/api/decorators/pacticipant_collection_decorator.rb, DeprecatedPacticipantCollectionDecorator)
    # and the Pact CLI's list-pacticipants reads it; so are the pb:pacticipants and deprecated pacticipants links.
    hrefs = [(p["name"], f"{base}/pacticipants/{seg(p['name'])}") for p in pacticipants]
    return hal(
        {
            "pacticipants": pacticipants,
            "_embedded": {"pacticipants": pacticipants},
            "_links": {
                "self": link(base, "/pacticipants"),
                "pb:pacticipants": [{"href": h, "title": "Pacticipant", "name": n} for n, h in hrefs],
                "pacticipants": [{"href": h, "title": n, "name": _DEPRECATED_LINK} for n, h in hrefs],
                "pb:pacticipants-with-label": link(
                    base, "/pacticipants/label/{label}", templated=True, title="Find pacticipants by label"
                ),
            },
        }
    )


async def get_pacticipant(request: Request) -> Response:
    """``GET /pacticipants/{pacticipant}``."""
    name = request.path_params["pacticipant"]
    info = await run_in_threadpool(reads.pacticipant, broker_of(request), name)
    if info is None:
        raise HttpError(404, f"no pacticipant named {name}")
    return hal(pacticipant_json(base_url(request), info))


async def put_pacticipant(request: Request) -> Response:
    """``PUT``/``PATCH /pacticipants/{pacticipant}``: set ``mainBranch``, ``displayName`` and the like.

    As pact_broker ``lib/pact_broker/api/resources/pacticipant.rb``: ``application/json`` or (PATCH only)
    ``application/merge-patch+json``; a PATCH of an unknown pacticipant creates it (201), a PUT answers 404
    (``put_can_create?`` is false) after the body is checked.
    """
    name = request.path_params["pacticipant"]
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/merge-patch+json" and request.method != "PATCH":
        raise HttpError(415, "application/merge-patch+json is accepted for PATCH only; send application/json")
    body = await json_body(request)
    reject_unknown(body, _PACTICIPANT_FIELDS)
    if "name" in body and body["name"] != name:
        raise HttpError(400, f"name {body['name']!r} does not match the URL's pacticipant {name!r}", pointer="/name")
    display = optional_str(body, "displayName")
    repository = optional_str(body, "repositoryUrl")
    if repository is None:
        repository = optional_str(body, "repository_url")
    broker = broker_of(request)
    existed = await run_in_threadpool(reads.pacticipant, broker, name)
    if existed is None and request.method == "PUT":
        raise HttpError(404, f"no pacticipant {name}; PATCH /pacticipants/{name} or POST /pacticipants creates it")
    main_branch = optional_str(body, "mainBranch")
    await run_in_threadpool(
        lambda: broker.create_pacticipant(
            name, main_branch=main_branch, repository_url=repository, display_name=display
        )
    )
    info = await run_in_threadpool(reads.pacticipant, broker, name)
    assert info is not None
    return hal(pacticipant_json(base_url(request), info), 200 if existed else 201)


async def version_response(
    request: Request, name: str, number: str | None, status: int = 200, *, branch: str | None = None
) -> Response:
    """The version resource of ``number`` (the newest, on ``branch`` if given, when None); 404 when there is none."""
    broker = broker_of(request)
    info = await run_in_threadpool(lambda: reads.version(broker, name, number, branch=branch))
    if info is None:
        which = f"version {number}" if number else ("any version" + (f" on branch {branch}" if branch else ""))
        raise HttpError(404, f"no {which} of pacticipant {name}")
    base = base_url(request)
    path = f"/pacticipants/{seg(name)}/versions/{seg(info.number)}"
    environments = await run_in_threadpool(broker.environments)
    deployed = await run_in_threadpool(
        lambda: reads.deployed_versions(broker, None, pacticipant=name, version=info.number)
    )
    released = await run_in_threadpool(
        lambda: reads.released_versions(broker, None, pacticipant=name, version=info.number)
    )
    branches = [{"name": info.branch, "latest": None}] if info.branch else []
    return hal(
        {
            "number": info.number,
            "branch": info.branch,
            "buildUrl": info.build_url,
            "createdAt": info.created_at.isoformat(),
            "_embedded": {
                "branchVersions": branches,
                "tags": [{"name": t} for t in info.tags],
                "deployedVersions": [live_json(base, r, "deployed") for r in deployed],
                "releasedVersions": [live_json(base, r, "released") for r in released],
            },
            "_links": {
                "self": link(base, path, name=info.number, title="Version"),
                "pb:pacticipant": link(base, f"/pacticipants/{seg(name)}", name=name, title="Pacticipant"),
                "pb:record-deployment": [
                    link(
                        base,
                        f"{path}/deployed-versions/environment/{environment_uuid(e.name)}",
                        name=e.name,
                        title=f"Record deployment to {e.name}",
                    )
                    for e in environments
                ],
                "pb:record-release": [
                    link(
                        base,
                        f"{path}/released-versions/environment/{environment_uuid(e.name)}",
                        name=e.name,
                        title=f"Record release to {e.name}",
                    )
                    for e in environments
                ],
            },
        },
        status,
    )


async def get_version(request: Request) -> Response:
    """``GET /pacticipants/{pacticipant}/versions/{version}``: branch, tags and record-deployment links."""
    return await version_response(request, request.path_params["pacticipant"], request.path_params["version"])


async def latest_version(request: Request) -> Response:
    """``GET /pacticipants/{pacticipant}/latest-version``: the newest version."""
    return await version_response(request, request.path_params["pacticipant"], None)


async def latest_branch_version(request: Request) -> Response:
    """``GET /pacticipants/{pacticipant}/branches/{branch}/latest-version``: the newest version on a branch."""
    name, branch = request.path_params["pacticipant"], request.path_params["branch"]
    return await version_response(request, name, None, branch=branch)


async def put_version(request: Request) -> Response:
    """``PUT /pacticipants/{pacticipant}/versions/{version}``: create it (``branch``, ``tags`` optional)."""
    name, number = request.path_params["pacticipant"], request.path_params["version"]
    body = await json_body(request)
    reject_unknown(body, _VERSION_FIELDS)
    branch = optional_str(body, "branch")
    build_url = optional_str(body, "buildUrl")
    tag_list = name_list(body, "tags")
    broker = broker_of(request)
    await run_in_threadpool(
        lambda: broker.create_version(name, number, branch=branch, tags=tag_list, build_url=build_url)
    )
    return await version_response(request, name, number)


async def put_branch_version(request: Request) -> Response:
    """``PUT /pacticipants/{pacticipant}/branches/{branch}/versions/{version}``: version on a branch."""
    name, number, branch = (request.path_params[k] for k in ("pacticipant", "version", "branch"))
    broker = broker_of(request)
    await run_in_threadpool(lambda: broker.create_version(name, number, branch=branch))
    base = base_url(request)
    return hal(
        {
            "name": branch,
            "_links": {
                "self": link(base, f"/pacticipants/{seg(name)}/branches/{seg(branch)}/versions/{seg(number)}"),
                "pb:version": link(base, f"/pacticipants/{seg(name)}/versions/{seg(number)}", name=number),
            },
        }
    )


async def put_tag(request: Request) -> Response:
    """``PUT /pacticipants/{pacticipant}/versions/{version}/tags/{tag}``."""
    name, number, tag = (request.path_params[k] for k in ("pacticipant", "version", "tag"))
    broker = broker_of(request)
    before = await run_in_threadpool(reads.version, broker, name, number)
    await run_in_threadpool(lambda: broker.create_version(name, number, tags=[tag]))
    base = base_url(request)
    path = f"/pacticipants/{seg(name)}/versions/{seg(number)}"
    # pact_broker lib/pact_broker/api/resources/tag.rb: 201 when the tag is new, 200 when the version had it
    status = 200 if before is not None and tag in before.tags else 201
    return hal(
        {"name": tag, "_links": {"self": link(base, f"{path}/tags/{seg(tag)}"), "pb:version": link(base, path)}},
        status,
    )
