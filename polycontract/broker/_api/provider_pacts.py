"""A provider's pacts by consumer branch, and the provider states they ask for, as the Pact Broker serves them.

======  ==============================================================  ========================================
Verb    Path                                                            Answer
======  ==============================================================  ========================================
GET     ``/pacts/provider/{prov}/branch[/{branch}]``                    ``_links.pb:pacts[]``: every pact of a
                                                                        consumer version on that branch (no
                                                                        branch: each consumer's main branch)
GET     ``/pacts/provider/{prov}/branch[/{branch}]/latest``             the same, each consumer's newest only
GET     ``/pacts/provider/{prov}/consumer/{c}/branch[/{branch}]``       ``_embedded.pacts[]`` (newest first)
GET     ``/pacts/provider/{prov}/consumer/{c}/branch/latest``           the newest of those, as a one-item list
GET     ``/pacts/provider/{prov}/consumer/{c}/branch/{branch}/latest``  the pact (``X-Pact-Consumer-Version``)
GET     ``/pacts/provider/{prov}/provider-states``                      ``{providerStates: [{name, params,
        (``/branch/{branch}``, ``/environment/{name or uuid}``)         consumers}]}``
======  ==============================================================  ========================================

pact_broker serves these with ``ProviderPactsForConsumerBranch`` and ``LatestProviderPactsForBranch``
(``provider_pacts_decorator.rb``: ``pb:pacts`` of ``{href, title, name}``), ``PactVersionsForBranch``
(``pact_versions_decorator.rb``), ``LatestPact`` and ``ProviderStates`` (``provider_state_service.rb``: the
latest pact of each consumer's main branch, of the branch, or every pact of a version deployed or released
to the environment; ``provider_states_decorator.rb`` merges equal ``name``/``params`` and lists the
consumers, sorted by name). The path's ``environment`` segment is given to the service as the environment's
name (the Pact CLI's ``provider-states list --environment NAME`` sends the name); a uuid is also accepted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import or_, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from polycontract.broker._api import environments as envs
from polycontract.broker._api import pacts
from polycontract.broker._api.common import HttpError, base_url, broker_of, hal, link, seg
from polycontract.broker._embedded.broker import Broker
from polycontract.broker._store.tables import (
    deployments,
    environments,
    pact_contents,
    pacticipants,
    publications,
    releases,
    versions,
)

__all__ = ["BranchPact", "branch_pacts", "provider_pact_routes", "provider_states"]

_consumer = pacticipants.alias("branch_consumer")
_provider = pacticipants.alias("branch_provider")
_cv = versions.alias("branch_cv")


@dataclass(frozen=True, kw_only=True)
class BranchPact:
    """One current pact publication of a consumer version."""

    consumer: str
    number: str
    content_hash: str
    created_at: datetime


def _base_query() -> Any:
    return (
        select(_consumer.c.name, _cv.c.number, publications.c.content_hash, publications.c.created_at)
        .select_from(publications)
        .join(_cv, _cv.c.id == publications.c.consumer_version_id)
        .join(_consumer, _consumer.c.id == _cv.c.pacticipant_id)
        .join(_provider, _provider.c.id == publications.c.provider_id)
        .where(publications.c.is_current)
        .order_by(_cv.c.created_at, _cv.c.id)
    )


def _rows(broker: Broker, query: Any, provider: str, consumer: str | None, latest: bool) -> list[BranchPact] | None:
    query = query.where(_provider.c.name == provider)
    if consumer is not None:
        query = query.where(_consumer.c.name == consumer)
    with broker.internals.store.transaction(write=False) as conn:
        names = [provider] if consumer is None else [provider, consumer]
        known = conn.execute(select(pacticipants.c.name).where(pacticipants.c.name.in_(names))).scalars().all()
        if len(set(known)) < len(names):
            return None
        found = [
            BranchPact(consumer=r[0], number=r[1], content_hash=r[2], created_at=r[3]) for r in conn.execute(query)
        ]
    if latest:
        newest = {row.consumer: row for row in found}
        return [newest[name] for name in sorted(newest)]
    return sorted(found, key=lambda row: row.consumer)


def branch_pacts(
    broker: Broker, provider: str, branch: str | None, *, consumer: str | None = None, latest: bool = False
) -> list[BranchPact] | None:
    """Current pacts for ``provider`` of consumer versions on ``branch`` (None: each consumer's main branch).

    Oldest first per consumer; ``latest`` keeps each consumer's newest. None when a pacticipant is unknown.
    """
    query = _base_query()
    if branch is None:
        query = query.where(_consumer.c.main_branch.is_not(None), _cv.c.branch == _consumer.c.main_branch)
    else:
        query = query.where(_cv.c.branch == branch)
    return _rows(broker, query, provider, consumer, latest)


def _environment_pacts(broker: Broker, provider: str, environment: str) -> list[BranchPact] | None:
    """Current pacts of consumer versions currently deployed or released (and supported) in ``environment``."""
    env_id = select(environments.c.id).where(environments.c.name == environment).scalar_subquery()
    deployed = select(deployments.c.version_id).where(
        deployments.c.environment_id == env_id, deployments.c.currently_deployed
    )
    released = select(releases.c.version_id).where(releases.c.environment_id == env_id, releases.c.currently_supported)
    query = _base_query().where(or_(_cv.c.id.in_(deployed), _cv.c.id.in_(released)))
    return _rows(broker, query, provider, None, False)


def _states_of(content: str) -> list[tuple[str, Any]]:
    """``(name, params)`` of each provider state in a pact's interactions and messages, in order."""
    document = json.loads(content)
    found: list[tuple[str, Any]] = []
    for item in [*(document.get("interactions") or []), *(document.get("messages") or [])]:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("providerStates"), list):
            for state in item["providerStates"]:
                if isinstance(state, dict) and isinstance(state.get("name"), str):
                    found.append((state["name"], state.get("params")))
        elif isinstance(item.get("providerState"), str):
            found.append((item["providerState"], None))
    return found


def provider_states(broker: Broker, chosen: list[BranchPact]) -> list[dict[str, Any]]:
    """The Pact Broker's ``providerStates``: each distinct name and params, with the consumers asking, by name."""
    merged: dict[str, dict[str, Any]] = {}
    with broker.internals.store.transaction(write=False) as conn:
        for row in chosen:
            content = conn.execute(
                select(pact_contents.c.content).where(pact_contents.c.content_hash == row.content_hash)
            ).scalar_one()
            for name, params in _states_of(content):
                key = json.dumps([name, params], sort_keys=True)
                entry = merged.setdefault(key, {"name": name, "params": params, "consumers": []})
                if row.consumer not in entry["consumers"]:
                    entry["consumers"].append(row.consumer)
    return sorted(merged.values(), key=lambda entry: str(entry["name"]))


def _self_href(request: Request, base: str) -> str:
    raw = request.scope.get("raw_path")
    return base + (raw.decode("latin-1") if isinstance(raw, bytes) else quote(request.url.path))


def _version_url(base: str, provider: str, row: BranchPact) -> str:
    return f"{base}/pacts/provider/{seg(provider)}/consumer/{seg(row.consumer)}/version/{seg(row.number)}"


async def _provider_pacts(request: Request, latest: bool) -> Response:
    provider, branch = request.path_params["provider"], request.path_params.get("branch")
    found = await run_in_threadpool(branch_pacts, broker_of(request), provider, branch, latest=latest)
    if found is None:
        raise HttpError(404, f"no pacticipant named {provider}")
    base = base_url(request)
    listed = [
        {
            "href": _version_url(base, provider, row),
            "title": f"Pact between {row.consumer} ({row.number}) and {provider}",
            "name": row.consumer,
        }
        for row in found
    ]
    suffix = f" with consumer version branch '{branch}'" if branch is not None else " for main branch"
    provider_href = f"{base}/pacticipants/{seg(provider)}"
    return hal(
        {
            "_links": {
                "self": {
                    "href": _self_href(request, base),
                    "title": f"{'Latest' if latest else 'All'} pact versions for the provider {provider}{suffix}",
                },
                "pb:provider": {"href": provider_href, "name": provider},
                "provider": {"href": provider_href, "name": provider, "title": provider},
                "pb:pacts": listed,
                "pacts": listed,
            }
        }
    )


async def provider_pacts(request: Request) -> Response:
    """``GET /pacts/provider/{provider}/branch[/{branch}]``: every pact of a version on the branch."""
    return await _provider_pacts(request, latest=False)


async def latest_provider_pacts(request: Request) -> Response:
    """``GET /pacts/provider/{provider}/branch[/{branch}]/latest``: each consumer's newest pact on the branch."""
    return await _provider_pacts(request, latest=True)


async def _pact_versions(request: Request, latest: bool) -> Response:
    provider, consumer = request.path_params["provider"], request.path_params["consumer"]
    branch = request.path_params.get("branch")
    found = await run_in_threadpool(
        branch_pacts, broker_of(request), provider, branch, consumer=consumer, latest=latest
    )
    if found is None:
        raise HttpError(404, f"no pacticipants named {consumer} and {provider}")
    base = base_url(request)
    newest_first = sorted(found, key=lambda row: row.created_at, reverse=True)
    embedded = [
        {
            "createdAt": row.created_at.isoformat(),
            "_embedded": {
                "consumerVersion": {
                    "number": row.number,
                    "_links": {
                        "self": link(
                            base,
                            f"/pacticipants/{seg(consumer)}/versions/{seg(row.number)}",
                            title="Version",
                            name=row.number,
                        )
                    },
                }
            },
            "_links": {
                "self": {
                    "href": _version_url(base, provider, row),
                    "title": f"Pact between {consumer} ({row.number}) and {provider}",
                }
            },
        }
        for row in newest_first
    ]
    return hal(
        {
            "_embedded": {"pacts": embedded},
            "_links": {
                "self": {
                    "href": _self_href(request, base),
                    "title": f"All versions of the pact between {consumer} and {provider}",
                },
                "consumer": link(base, f"/pacticipants/{seg(consumer)}", title="Consumer", name=consumer),
                "provider": link(base, f"/pacticipants/{seg(provider)}", title="Provider", name=provider),
                "pact-versions": [
                    {
                        "href": _version_url(base, provider, row),
                        "title": "Pact",
                        "name": f"Version {row.number} - {row.created_at:%d/%m/%Y}",
                    }
                    for row in newest_first
                ],
            },
        }
    )


async def pact_versions(request: Request) -> Response:
    """``GET /pacts/provider/{provider}/consumer/{consumer}/branch[/{branch}]``: the pact's versions on it."""
    return await _pact_versions(request, latest=False)


async def latest_main_branch_pact_versions(request: Request) -> Response:
    """``GET /pacts/provider/{provider}/consumer/{consumer}/branch/latest``: the newest on the main branch."""
    return await _pact_versions(request, latest=True)


async def latest_branch_pact(request: Request) -> Response:
    """``GET /pacts/provider/{provider}/consumer/{consumer}/branch/{branch}/latest``: that version's pact."""
    provider, consumer, branch = (request.path_params[k] for k in ("provider", "consumer", "branch"))
    found = await run_in_threadpool(branch_pacts, broker_of(request), provider, branch, consumer=consumer, latest=True)
    if not found:
        raise HttpError(404, f"no pact between {consumer} (any version on branch {branch}) and {provider}")
    response = await pacts.pact_response(request, found[0].number)
    response.headers["X-Pact-Consumer-Version"] = found[0].number
    return response


async def provider_states_resource(request: Request) -> Response:
    """``GET /pacts/provider/{provider}/provider-states[/branch/{branch} | /environment/{uuid}]``."""
    broker, provider = broker_of(request), request.path_params["provider"]
    chosen: list[BranchPact] | None
    if "uuid" in request.path_params:
        env = await envs.environment_of(request, request.path_params["uuid"])
        chosen = await run_in_threadpool(_environment_pacts, broker, provider, env.name)
    else:
        chosen = await run_in_threadpool(branch_pacts, broker, provider, request.path_params.get("branch"), latest=True)
    if chosen is None:
        raise HttpError(404, f"no pacticipant named {provider}")
    return hal({"providerStates": await run_in_threadpool(provider_states, broker, chosen)})


def provider_pact_routes() -> list[Route]:
    """The routes of this module, for `polycontract.broker._api.app` (literal ``latest`` before ``{branch}``)."""
    prov, pact = "/pacts/provider/{provider}", "/pacts/provider/{provider}/consumer/{consumer}"
    states = prov + "/provider-states"
    return [
        Route(prov + "/branch", provider_pacts, methods=["GET"]),
        Route(prov + "/branch/latest", latest_provider_pacts, methods=["GET"]),
        Route(prov + "/branch/{branch}", provider_pacts, methods=["GET"]),
        Route(prov + "/branch/{branch}/latest", latest_provider_pacts, methods=["GET"]),
        Route(pact + "/branch", pact_versions, methods=["GET"]),
        Route(pact + "/branch/latest", latest_main_branch_pact_versions, methods=["GET"]),
        Route(pact + "/branch/{branch}", pact_versions, methods=["GET"]),
        Route(pact + "/branch/{branch}/latest", latest_branch_pact, methods=["GET"]),
        Route(states, provider_states_resource, methods=["GET"]),
        Route(states + "/branch/{branch}", provider_states_resource, methods=["GET"]),
        Route(states + "/environment/{uuid}", provider_states_resource, methods=["GET"]),
    ]
