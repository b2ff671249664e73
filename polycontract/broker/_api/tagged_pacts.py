"""The latest pacts by consumer version tag, as the Pact Broker serves them.

======  ============================================================  ==========================================
Verb    Path                                                          Answer
======  ============================================================  ==========================================
GET     ``/pacts/provider/{prov}/consumer/{c}/latest/{tag}``          the pact of the newest consumer version
                                                                      with that tag (``X-Pact-Consumer-Version``)
GET     ``/pacts/provider/{prov}/latest/{tag}``                       ``_links.pb:pacts[]``: each consumer's
                                                                      newest pact with that tag
======  ============================================================  ==========================================

The Pact Broker routes both (pact_broker ``lib/pact_broker/api.rb``) to ``LatestPact`` (which names the
consumer version in the ``X-Pact-Consumer-Version`` header, ``lib/pact_broker/api/resources/latest_pact.rb``)
and ``LatestProviderPacts`` (``provider_pacts_decorator.rb``); "newest" is the newest consumer version that
carries the tag and has a pact for the provider.
"""

from __future__ import annotations

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from polycontract.broker._api import pacts
from polycontract.broker._api.common import HttpError, base_url, broker_of, hal, seg
from polycontract.broker._embedded.broker import Broker
from polycontract.broker._store.tables import pacticipants, publications, tags, versions

__all__ = ["CONSUMER_VERSION_HEADER", "tagged_pact_routes", "tagged_pacts"]

#: The header naming the consumer version of a "latest" pact (pact_broker ``lib/pact_broker/constants.rb``).
CONSUMER_VERSION_HEADER = "X-Pact-Consumer-Version"

_consumer = pacticipants.alias("tagged_consumer")
_provider = pacticipants.alias("tagged_provider")


def tagged_pacts(broker: Broker, provider: str, tag: str, consumer: str | None = None) -> list[tuple[str, str, str]]:
    """``(consumer, consumer version, content hash)`` of each consumer's newest pact for ``provider`` tagged ``tag``."""
    cv = versions.alias("tagged_cv")
    query = (
        select(_consumer.c.name, cv.c.number, publications.c.content_hash)
        .select_from(publications)
        .join(cv, cv.c.id == publications.c.consumer_version_id)
        .join(tags, tags.c.version_id == cv.c.id)
        .join(_consumer, _consumer.c.id == cv.c.pacticipant_id)
        .join(_provider, _provider.c.id == publications.c.provider_id)
        .where(_provider.c.name == provider, tags.c.name == tag, publications.c.is_current)
        .order_by(cv.c.created_at, cv.c.id)
    )
    if consumer is not None:
        query = query.where(_consumer.c.name == consumer)
    with broker.internals.store.transaction(write=False) as conn:
        found = conn.execute(query).all()
    latest = {row[0]: (str(row[0]), str(row[1]), str(row[2])) for row in found}
    return [latest[name] for name in sorted(latest)]


async def latest_tagged_pact(request: Request) -> Response:
    """``GET /pacts/provider/{provider}/consumer/{consumer}/latest/{tag}``: the newest tagged version's pact."""
    provider, consumer, tag = (request.path_params[k] for k in ("provider", "consumer", "tag"))
    found = await run_in_threadpool(tagged_pacts, broker_of(request), provider, tag, consumer)
    if not found:
        raise HttpError(404, f"no pact between {consumer} (any version tagged {tag}) and {provider}")
    number = found[0][1]
    response = await pacts.pact_response(request, number)
    response.headers[CONSUMER_VERSION_HEADER] = number
    return response


async def latest_tagged_provider_pacts(request: Request) -> Response:
    """``GET /pacts/provider/{provider}/latest/{tag}``: each consumer's newest pact tagged ``tag``."""
    provider, tag = request.path_params["provider"], request.path_params["tag"]
    found = await run_in_threadpool(tagged_pacts, broker_of(request), provider, tag)
    base = base_url(request)
    listed = [
        {
            "href": pacts.pact_url(base, provider, consumer, digest),
            "title": f"Pact between {consumer} ({number}) and {provider}",
            "name": consumer,
        }
        for consumer, number, digest in found
    ]
    provider_href = f"{base}/pacticipants/{seg(provider)}"
    return hal(
        {
            "_links": {
                "self": {
                    "href": f"{base}/pacts/provider/{seg(provider)}/latest/{seg(tag)}",
                    "title": f"Latest pact versions for the provider {provider} with consumer version tag {tag}",
                },
                "pb:provider": {"href": provider_href, "name": provider},
                "provider": {"href": provider_href, "name": provider, "title": provider},
                "pb:pacts": listed,
                "pacts": listed,
            }
        }
    )


def tagged_pact_routes() -> list[Route]:
    """The routes of this module, for `polycontract.broker._api.app`."""
    return [
        Route("/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}", latest_tagged_pact, methods=["GET"]),
        Route("/pacts/provider/{provider}/latest/{tag}", latest_tagged_provider_pacts, methods=["GET"]),
    ]
