"""Verification results as the Pact Broker links them: a matrix row's result and a pact's latest result.

The Pact Broker's routes (pact_broker ``lib/pact_broker/api.rb``) and links
(``lib/pact_broker/api/pact_broker_urls.rb``):

======  ==========================================================================  ==============================
Verb    Path                                                                        Answer
======  ==========================================================================  ==============================
GET     ``/pacts/provider/{prov}/consumer/{c}/pact-version/{sha}``                  the newest result for that
        ``/verification-results/latest``                                            content (``pb:latest-
                                                                                    verification-results``)
GET     ``/pacts/provider/{prov}/consumer/{c}/version/{v}/verification-results``    the newest result for the
        ``/latest``                                                                 content ``v`` publishes
======  ==========================================================================  ==============================

A matrix row's ``verificationResult._links.self`` names the stored result it shows,
``…/pact-version/{sha}/verification-results/{id}`` (the Pact Broker's ``verification_url_from_params``), served
by `polycontract.broker._api.verification.get_verification_result`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from polycontract.broker._api.common import HttpError, base_url, broker_of, hal
from polycontract.broker._api.pacts import pact_url
from polycontract.broker._embedded.results import stored_result
from polycontract.broker._store import lookups as _lookups
from polycontract.broker._store.tables import verifications
from polycontract.matrix import Row

__all__ = ["verification_href", "verification_read_routes"]

_PACT = "/pacts/provider/{provider}/consumer/{consumer}"


def verification_href(base: str, row: Row) -> str:
    """The URL of the verification result a matrix row shows (its content's newest result when the id is unknown)."""
    assert row.content_hash is not None
    url = pact_url(base, row.provider, row.consumer, row.content_hash) + "/verification-results"
    return f"{url}/{row.verification_id if row.verification_id is not None else 'latest'}"


def _latest(request: Request, digest: str | None) -> dict[str, Any] | None:
    """The newest stored result for ``digest`` (or the content ``version`` publishes) with its links, or None."""
    provider, consumer = request.path_params["provider"], request.path_params["consumer"]
    broker = broker_of(request)
    with broker.internals.store.transaction(write=False) as conn:
        if digest is None:
            digest = _lookups.current_hash(conn, consumer, request.path_params["version"], provider)
            if digest is None:
                return None
        newest = conn.execute(
            select(func.max(verifications.c.id)).where(
                verifications.c.content_hash == digest, verifications.c.kind == "example"
            )
        ).scalar()
        found = None if newest is None else stored_result(conn, provider, consumer, digest, int(newest))
    if found is None:
        return None
    url = pact_url(base_url(request), provider, consumer, digest)
    return {
        **found,
        "_links": {"self": {"href": f"{url}/verification-results/{newest}"}, "pb:pact-version": {"href": url}},
    }


async def latest_for_pact_version(request: Request) -> Response:
    """``GET …/pact-version/{sha}/verification-results/latest``: the newest result for that pact content."""
    digest = request.path_params["sha"]
    found = await run_in_threadpool(_latest, request, digest)
    if found is None:
        provider, consumer = request.path_params["provider"], request.path_params["consumer"]
        raise HttpError(404, f"no verification result for pact version {digest} between {consumer} and {provider}")
    return hal(found)


async def latest_for_consumer_version(request: Request) -> Response:
    """``GET …/version/{v}/verification-results/latest``: the newest result for the pact ``v`` publishes."""
    found = await run_in_threadpool(_latest, request, None)
    if found is None:
        provider, consumer, number = (request.path_params[k] for k in ("provider", "consumer", "version"))
        raise HttpError(404, f"no verification result for the pact {consumer} {number} published for {provider}")
    return hal(found)


def verification_read_routes() -> list[Route]:
    """The routes above; they precede ``…/verification-results/{id}`` so ``latest`` is not taken for an id."""
    return [
        Route(_PACT + "/pact-version/{sha}/verification-results/latest", latest_for_pact_version, methods=["GET"]),
        Route(_PACT + "/version/{version}/verification-results/latest", latest_for_consumer_version, methods=["GET"]),
    ]
