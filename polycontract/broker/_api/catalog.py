"""Pacticipant, version, branch, tag and environment resources the Pact CLI reads and deletes.

The Pact Broker's routes (pact_broker ``lib/pact_broker/api.rb``) served here besides those of
`_api.pacticipants` and `_api.environments`:

======  ==========================================================  ===========================================
Verb    Path                                                        Answer
======  ==========================================================  ===========================================
POST    ``/pacticipants``                                           ``{name, mainBranch?}`` in; 201 (409: exists)
DELETE  ``/pacticipants/{p}``                                       204: the pacticipant, its versions and pacts
GET     ``/pacticipants/{p}/versions``                              ``_embedded.versions[]``, newest first
DELETE  ``/pacticipants/{p}/versions/{v}``                          204: the version and what hangs off it
DELETE  ``/pacticipants/{p}/versions/{v}/tags/{tag}``               204
GET     ``/pacticipants/{p}/latest-version/{tag}``                  the newest version with that tag
GET     ``/pacticipants/{p}/branches``                              ``_embedded.branches[]``
GET     ``/pacticipants/{p}/branches/{b}``                          ``{name, createdAt}``
DELETE  ``/pacticipants/{p}/branches/{b}``                          204: its versions leave the branch
GET     ``/pacticipants/{p}/branches/{b}/versions/{v}``             the branch version
DELETE  ``/environments/{uuid}``                                    204: with its deployment/release records
GET     ``/pacts/latest``                                           ``pacts[]``: each integration's newest pact
======  ==========================================================  ===========================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from polycontract.broker._api import catalog_queries as catalog
from polycontract.broker._api import environments as envs
from polycontract.broker._api import pacticipants as deploy
from polycontract.broker._api import queries as reads
from polycontract.broker._api.common import (
    HttpError,
    base_url,
    broker_of,
    hal,
    json_body,
    link,
    optional_str,
    reject_unknown,
    required_str,
    seg,
)
from polycontract.broker._api.pacts import pact_url
from polycontract.broker._embedded.broker import Broker

__all__ = ["catalog_routes"]

_P = "/pacticipants/{pacticipant}"
_NEW_PACTICIPANT_FIELDS = frozenset({"name", "mainBranch", "displayName", "repositoryUrl"})
_T = TypeVar("_T")


def _no_content() -> Response:
    return Response(status_code=204)


def _params(request: Request, *names: str) -> list[str]:
    return [request.path_params[n] for n in names]


async def _of_pacticipant(request: Request, read: Callable[[Broker, str], _T | None]) -> tuple[str, _T, str]:
    """The path's pacticipant, what ``read`` finds of it and the base URL; 404 when the pacticipant is unknown."""
    (name,) = _params(request, "pacticipant")
    found = await run_in_threadpool(read, broker_of(request), name)
    if found is None:
        raise HttpError(404, f"no pacticipant named {name}")
    return name, found, base_url(request)


async def create_pacticipant(request: Request) -> Response:
    """``POST /pacticipants``: create a pacticipant (the Pact CLI's ``create-or-update-pacticipant``)."""
    body = await json_body(request)
    reject_unknown(body, _NEW_PACTICIPANT_FIELDS)
    name = required_str(body, "name")
    main_branch = optional_str(body, "mainBranch")
    display = optional_str(body, "displayName")
    repository = optional_str(body, "repositoryUrl")
    broker = broker_of(request)
    if await run_in_threadpool(reads.pacticipant, broker, name) is not None:
        raise HttpError(409, f"a pacticipant named {name} already exists; PATCH /pacticipants/{name} to change it")
    await run_in_threadpool(
        lambda: broker.create_pacticipant(
            name, main_branch=main_branch, repository_url=repository, display_name=display
        )
    )
    info = await run_in_threadpool(reads.pacticipant, broker, name)
    assert info is not None
    return hal(deploy.pacticipant_json(base_url(request), info), 201)


async def delete_pacticipant(request: Request) -> Response:
    """``DELETE /pacticipants/{pacticipant}``."""
    (name,) = _params(request, "pacticipant")
    if not await run_in_threadpool(catalog.delete_pacticipant, broker_of(request), name):
        raise HttpError(404, f"no pacticipant named {name}")
    return _no_content()


async def list_versions(request: Request) -> Response:
    """``GET /pacticipants/{pacticipant}/versions``: every version, newest first (the ``pb:versions`` link)."""
    name, numbers, base = await _of_pacticipant(request, catalog.version_numbers)
    path = f"/pacticipants/{seg(name)}/versions"
    return hal(
        {
            "_embedded": {
                "versions": [{"number": n, "_links": {"self": link(base, f"{path}/{seg(n)}", name=n)}} for n in numbers]
            },
            "_links": {"self": link(base, path), "pb:pacticipant": link(base, f"/pacticipants/{seg(name)}")},
        }
    )


async def delete_version(request: Request) -> Response:
    """``DELETE /pacticipants/{pacticipant}/versions/{version}``."""
    name, number = _params(request, "pacticipant", "version")
    if not await run_in_threadpool(catalog.delete_version, broker_of(request), name, number):
        raise HttpError(404, f"no version {number} of pacticipant {name}")
    return _no_content()


async def delete_tag(request: Request) -> Response:
    """``DELETE /pacticipants/{pacticipant}/versions/{version}/tags/{tag}``."""
    name, number, tag = _params(request, "pacticipant", "version", "tag")
    if not await run_in_threadpool(catalog.delete_tag, broker_of(request), name, number, tag):
        raise HttpError(404, f"version {number} of pacticipant {name} has no tag {tag}")
    return _no_content()


async def latest_tagged_version(request: Request) -> Response:
    """``GET /pacticipants/{pacticipant}/latest-version/{tag}``: the newest version with that tag."""
    name, tag = _params(request, "pacticipant", "tag")
    broker = broker_of(request)
    found = await run_in_threadpool(lambda: catalog.selector_versions(broker, name, tag=tag, latest=True))
    if not found:
        raise HttpError(404, f"no version of pacticipant {name} has tag {tag}")
    return await deploy.version_response(request, name, found[0])


def _branch_json(base: str, info: catalog.BranchInfo) -> dict[str, Any]:
    path = f"/pacticipants/{seg(info.pacticipant)}/branches/{seg(info.name)}"
    return {
        "name": info.name,
        "createdAt": info.created_at.isoformat(),
        "_links": {
            "self": link(base, path, name=info.name, title="Branch"),
            "pb:latest-version": link(base, path + "/latest-version", title="Latest version for branch"),
            "pb:pacticipant": link(base, f"/pacticipants/{seg(info.pacticipant)}", name=info.pacticipant),
        },
    }


async def list_branches(request: Request) -> Response:
    """``GET /pacticipants/{pacticipant}/branches``."""
    name, found, base = await _of_pacticipant(request, catalog.branches)
    return hal(
        {
            "_embedded": {"branches": [_branch_json(base, b) for b in found]},
            "_links": {"self": link(base, f"/pacticipants/{seg(name)}/branches")},
        }
    )


async def _branch(request: Request) -> catalog.BranchInfo:
    name, branch = _params(request, "pacticipant", "branch")
    found = await run_in_threadpool(catalog.branch, broker_of(request), name, branch)
    if found is None:
        raise HttpError(404, f"pacticipant {name} has no branch {branch}")
    return found


async def get_branch(request: Request) -> Response:
    """``GET /pacticipants/{pacticipant}/branches/{branch}``."""
    return hal(_branch_json(base_url(request), await _branch(request)))


async def delete_branch(request: Request) -> Response:
    """``DELETE /pacticipants/{pacticipant}/branches/{branch}``: versions stay, the branch is gone.

    As the Pact Broker's branch deletion: pacts stay stored but no branch selector or WIP pact sees them.
    """
    name, branch = _params(request, "pacticipant", "branch")
    if not await run_in_threadpool(catalog.delete_branch, broker_of(request), name, branch):
        raise HttpError(404, f"pacticipant {name} has no branch {branch}")
    return _no_content()


async def get_branch_version(request: Request) -> Response:
    """``GET /pacticipants/{pacticipant}/branches/{branch}/versions/{version}``."""
    info = await _branch(request)
    (number,) = _params(request, "version")
    if number not in info.versions:
        raise HttpError(404, f"version {number} of pacticipant {info.pacticipant} is not on branch {info.name}")
    base = base_url(request)
    branch_path = f"/pacticipants/{seg(info.pacticipant)}/branches/{seg(info.name)}"
    return hal(
        {
            "name": info.name,
            "_links": {
                "self": link(base, f"{branch_path}/versions/{seg(number)}"),
                "pb:branch": link(base, branch_path, name=info.name),
                "pb:version": link(base, f"/pacticipants/{seg(info.pacticipant)}/versions/{seg(number)}", name=number),
            },
        }
    )


async def delete_environment(request: Request) -> Response:
    """``DELETE /environments/{uuid}``."""
    env = await envs.environment_of(request, request.path_params["uuid"])
    if not await run_in_threadpool(catalog.delete_environment, broker_of(request), env.name):
        raise HttpError(404, f"no environment {request.path_params['uuid']}")
    return _no_content()


async def latest_pact_versions(request: Request) -> Response:
    """``GET /pacts/latest``: each integration's newest pact (the Pact CLI's ``list-latest-pact-versions``)."""
    found = await run_in_threadpool(catalog.latest_pacts, broker_of(request))
    base = base_url(request)
    pacts = []
    for p in found:
        consumer, provider = seg(p.consumer), seg(p.provider)
        pacts.append(
            {
                "createdAt": p.created_at.isoformat(),
                "_embedded": {
                    "consumer": {
                        "name": p.consumer,
                        "_embedded": {"version": {"number": p.consumer_version}},
                        "_links": {"self": link(base, f"/pacticipants/{consumer}")},
                    },
                    "provider": {"name": p.provider, "_links": {"self": link(base, f"/pacticipants/{provider}")}},
                },
                "_links": {
                    "self": [
                        link(base, f"/pacts/provider/{provider}/consumer/{consumer}/latest"),
                        link(base, f"/pacts/provider/{provider}/consumer/{consumer}/version/{seg(p.consumer_version)}"),
                    ],
                    "pb:pact-version": {"href": pact_url(base, p.provider, p.consumer, p.content_hash)},
                },
            }
        )
    return hal({"pacts": pacts, "_links": {"self": link(base, "/pacts/latest")}})


def catalog_routes() -> list[Route]:
    """The routes of this module, for `polycontract.broker._api.app`."""
    return [
        Route("/pacts/latest", latest_pact_versions, methods=["GET"]),
        Route("/pacticipants", create_pacticipant, methods=["POST"]),
        Route(_P, delete_pacticipant, methods=["DELETE"]),
        Route(_P + "/versions", list_versions, methods=["GET"]),
        Route(_P + "/versions/{version}", delete_version, methods=["DELETE"]),
        Route(_P + "/versions/{version}/tags/{tag}", delete_tag, methods=["DELETE"]),
        Route(_P + "/latest-version/{tag}", latest_tagged_version, methods=["GET"]),
        Route(_P + "/branches", list_branches, methods=["GET"]),
        Route(_P + "/branches/{branch}", get_branch, methods=["GET"]),
        Route(_P + "/branches/{branch}", delete_branch, methods=["DELETE"]),
        Route(_P + "/branches/{branch}/versions/{version}", get_branch_version, methods=["GET"]),
        Route("/environments/{uuid}", delete_environment, methods=["DELETE"]),
    ]
