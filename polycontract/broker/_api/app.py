"""The broker's HTTP API: a Pact-Broker-compatible ASGI app (Starlette) over a `Broker`.

``create_app(broker, auth=None)`` serves HAL+JSON (``application/hal+json``) at the Pact Broker's paths, so
the official Pact CLI, ``pact verifier --broker-url`` and polycontract's HTTP client use it
unchanged. Clients discover URLs from the index (``GET /``) relations. Synchronous broker calls run
in Starlette's thread pool. Errors are RFC 9457 problems (``application/problem+json``: ``type``,
``title``, ``status``, ``detail``, ``errors[]`` naming each bad field) that also carry the Pact Broker's
``error.message`` (see `polycontract.broker._api.common`): 400 bad input,
404 unknown resource, 409 conflicting content (a different pact for a published consumer version,
an existing environment), 413 body too large, 415 a write not typed as JSON, 503 database unavailable.

Routes (``{p}`` pacticipant, ``{v}`` version, ``{c}``/``{prov}`` consumer/provider, ``{sha}`` content hash):

======  ===========================================================================  ==============================
Verb    Path                                                                         Answer
======  ===========================================================================  ==============================
GET     ``/``                                                                        index ``_links`` (`INDEX`)
GET     ``/health``                                                                  200 while the process runs
GET     ``/ready``                                                                   200 if the DB answers, else 503
GET     ``/openapi.json``                                                            OpenAPI 3.1 description [9]
POST    ``/contracts/publish``                                                       201-style notices + links [1]
PUT     ``/pacts/provider/{prov}/consumer/{c}/version/{v}``                          pact JSON in; 201 / 200
GET     ``/pacts/provider/{prov}/consumer/{c}/version/{v}[?revision=N]``             pact + ``_links`` [2]
GET     ``/pacts/provider/{prov}/consumer/{c}/latest``                               newest version's pact [2]
GET     ``/pacts/provider/{prov}/consumer/{c}/pact-version/{sha}[/metadata/{m}]``    pact by content [2]
POST    ``/pacts/provider/{prov}/consumer/{c}/pact-version/{sha}[/metadata/{m}]``    201 [3]
        ``/verification-results``
GET     ``/pacts/provider/{prov}/consumer/{c}/pact-version/{sha}``                   one result with its ``testResults``
        ``/verification-results/{id}``
GET     ``/pacts/provider/{prov}/latest``                                            ``_links.pb:pacts[]`` per consumer
GET     ``/pacts/provider/{prov}/for-verification`` (also POST)                      ``_embedded.pacts[]`` [4]
GET     ``/pacticipants``, ``/pacticipants/{p}``                                     ``{name, mainBranch, createdAt}``
PUT     ``/pacticipants/{p}`` (also PATCH)                                           ``{mainBranch?}`` in
GET     ``/pacticipants/{p}/versions/{v}``, ``/pacticipants/{p}/latest-version``     version [5]
PUT     ``/pacticipants/{p}/versions/{v}``                                           ``{branch?, tags?}`` in; version
PUT     ``/pacticipants/{p}/branches/{branch}/versions/{v}``                         version on a branch
PUT     ``/pacticipants/{p}/versions/{v}/tags/{tag}``                                201
GET     ``/environments`` (``?name=``)                                               ``_embedded.environments[]`` [6]
POST    ``/environments``                                                            {name, displayName?, production}
GET     ``/environments/{uuid}``                                                     one environment [6]
PUT     ``/environments/{uuid}``                                                     ``{displayName?, production}``
POST    ``/pacticipants/{p}/versions/{v}/deployed-versions/environment/{uuid}``      ``{applicationInstance?}``; 201
POST    ``/pacticipants/{p}/versions/{v}/released-versions/environment/{uuid}``      201
GET     ``/environments/{uuid}/deployed-versions/currently-deployed``                ``_embedded.deployedVersions``
GET     ``/environments/{uuid}/released-versions/currently-supported``               ``_embedded.releasedVersions``
PATCH   ``/deployed-versions/{id}``                                                  ``{currentlyDeployed: false}``
PATCH   ``/released-versions/{id}``                                                  ``{currentlySupported: false}``
GET     ``/matrix`` [7]                                                              ``{summary, notices, matrix}``
GET     ``/can-i-deploy?pacticipant=&version=&environment=&ignore[]=``               same as ``/matrix``
GET     ``/pacticipants/{p}/branches/{branch}/latest-version``                       newest version on a branch [5]
GET     ``/polycontract/matrix?pacticipant=&version=&branch=&environment=&limit=``   rows (extension) [8]
======  ===========================================================================  ==============================

[1] ``{pacticipantName, pacticipantVersionNumber, branch?, tags?, contracts: [{consumerName, providerName,
    specification: "pact", contentType: "application/json", content: <base64 pact JSON>}]}``; 409 when a
    consumer version already has different content for that provider.
[2] the pact JSON plus ``_links`` ``self`` (the pact-version URL), ``pb:publish-verification-results``,
    ``pb:consumer``, ``pb:provider``.
[3] ``{success, providerApplicationVersion, providerVersionBranch?}``; the branch defaults to the provider
    version's branch (set by ``PUT …/branches/{branch}/versions/{v}``).
[4] body ``{consumerVersionSelectors?, providerVersionBranch?, includePendingStatus?, includeWipPactsSince?}``;
    each pact ``{shortDescription, verificationProperties {pending, wip?, notices[{when, text}]}, _links.self}``
    plus the extension ``polycontract {contentHash, consumerVersions[], notices[], pending, wip}``.
[5] ``{number, branch, createdAt, _embedded {tags[], branchVersions[], deployedVersions[], releasedVersions[]},
    _links {pb:record-deployment[], pb:record-release[]}}`` with one link per environment (``name`` = environment).
[6] ``{uuid, name, displayName, production, _links {pb:currently-deployed-deployed-versions,
    pb:currently-supported-released-versions}}``; the uuid is derived from the name (stable across processes).
[7] ``q[][pacticipant]=&q[][version]=&q[][branch]=&environment=&mainBranch=true&ignore[][pacticipant]=
    &ignore[][version]=`` (what ``pact broker can-i-deploy`` / ``can-i-merge`` send); ``summary {deployable
    (true/false/null), reason, success, failed, unknown, ignored}``, ``notices[{type, text}]``, ``matrix[]`` rows
    (``pact.contentHash``) and the extension ``polycontract {target, reasons[], warnings[]}``.
[8] ``Broker.matrix`` rows, counterparts narrowed to what is live in ``environment``; ``/matrix`` also takes
    ``limit``. The verification-results body also takes ``pending: true`` (extension).
Webhooks (``/webhooks…``, the Pact Broker's shape) are described in `polycontract.broker._api.webhooks`.
Deletions, branches, ``POST /pacticipants``, ``/pacticipants/{p}/versions``, ``…/latest-version/{tag}`` and
``/pacts/latest``: `polycontract.broker._api.catalog`. The latest pacts by tag
(``/pacts/provider/{prov}[/consumer/{c}]/latest/{tag}``): `polycontract.broker._api.tagged_pacts`.
Pacts by consumer branch (``/pacts/provider/{prov}[/consumer/{c}]/branch…``) and provider states
(``/pacts/provider/{prov}/provider-states…``): `polycontract.broker._api.provider_pacts`.
Latest verification results (``…/verification-results/latest``): `polycontract.broker._api.verification_reads`.
Pacticipant labels (``/pacticipants/{p}/labels/{label}``, ``/pacticipants/label/{label}``):
`polycontract.broker._api.labels`.
Schemas, schema reads, prune and pact lookup by content (``/polycontract/…``): `polycontract.broker._api.extensions`.
[9] `polycontract.broker._api.openapi.document`;
public like ``/health`` (no token needed); index relation ``service-desc``.
``?revision=N`` (publication history) and the ``polycontract`` fields are extensions for polycontract's
HTTP client; Pact clients ignore them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from anyio import CapacityLimiter
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Match, Route

from polycontract.broker._api import environments as envs
from polycontract.broker._api import extensions, matrix, pacts, verification
from polycontract.broker._api import pacticipants as deploy
from polycontract.broker._api import queries as reads
from polycontract.broker._api.access_log import AccessLog
from polycontract.broker._api.answer_cache import AnswerCache
from polycontract.broker._api.auth import AuthConfig, TokenAuth
from polycontract.broker._api.bodies import JsonWrites
from polycontract.broker._api.catalog import catalog_routes
from polycontract.broker._api.common import HttpError, base_url, error_response, hal, status_for
from polycontract.broker._api.labels import label_routes
from polycontract.broker._api.openapi import document as openapi
from polycontract.broker._api.pact_broker_errors import pact_broker_errors
from polycontract.broker._api.provider_pacts import provider_pact_routes
from polycontract.broker._api.route_names import RouteNames, restore_slashes
from polycontract.broker._api.tagged_pacts import tagged_pact_routes
from polycontract.broker._api.verification_reads import verification_read_routes
from polycontract.broker._api.webhooks import webhook_routes
from polycontract.broker._embedded.broker import Broker
from polycontract.broker._store.estate_index import EstateIndex
from polycontract.errors import PolycontractError

__all__ = ["INDEX", "create_app"]

_LOG = logging.getLogger("polycontract.broker.server")

#: On shutdown, how long webhook attempts in flight may take to finish and be logged (queued deliveries stay in
#: the outbox for the next start).
SHUTDOWN_DRAIN_SECONDS = 10.0

#: How many can-i-deploy answers one process computes at once over an SQLite file (more wait for a turn): the work
#: is Python holding the GIL plus local reads, so more threads only add switching. PostgreSQL answers wait on the
#: network too and use Starlette's shared pool.
DECIDERS = 3

_P = "/pacticipants/{pacticipant}"
_PACT = "/pacts/provider/{provider}/consumer/{consumer}"

#: Index relations (Pact Broker names) -> (path template, title); ``{…}`` parts are client-filled.
INDEX: dict[str, tuple[str, str]] = {
    "pb:publish-contracts": ("/contracts/publish", "Publish contracts"),
    "pb:publish-pact": (
        "/pacts/provider/{provider}/consumer/{consumer}/version/{consumerApplicationVersion}",
        "Publish a pact",
    ),
    "pb:latest-provider-pacts": ("/pacts/provider/{provider}/latest", "Latest pacts by provider"),
    "pb:provider-pacts-for-verification": ("/pacts/provider/{provider}/for-verification", "Pacts to be verified"),
    "beta:provider-pacts-for-verification": ("/pacts/provider/{provider}/for-verification", "Pacts to be verified"),
    "pb:pacticipants": ("/pacticipants", "Pacticipants"),
    "pb:pacticipant": ("/pacticipants/{pacticipant}", "Fetch pacticipant by name"),
    "pb:latest-version": ("/pacticipants/{pacticipant}/latest-version", "Latest pacticipant version"),
    "pb:pacticipant-version": ("/pacticipants/{pacticipant}/versions/{version}", "Get, create or delete a version"),
    "pb:pacticipant-branch-version": (
        "/pacticipants/{pacticipant}/branches/{branch}/versions/{version}",
        "Get or add/create a version for a pacticipant branch",
    ),
    "pb:pacticipant-version-tag": ("/pacticipants/{pacticipant}/versions/{version}/tags/{tag}", "Tag a version"),
    "pb:pacticipant-branch": ("/pacticipants/{pacticipant}/branches/{branch}", "Get or delete a pacticipant branch"),
    "pb:latest-tagged-version": (
        "/pacticipants/{pacticipant}/latest-version/{tag}",
        "Latest pacticipant version with the specified tag",
    ),
    "pb:latest-pact-versions": ("/pacts/latest", "Latest pact versions"),
    "pb:environments": ("/environments", "Environments"),
    "pb:environment": ("/environments/{uuid}", "Environment"),
    "pb:can-i-deploy-pacticipant-version-to-environment": (
        "/can-i-deploy?pacticipant={pacticipant}&version={version}&environment={environment}",
        "Can I deploy a pacticipant version to an environment",
    ),
    "pb:matrix": ("/matrix", "The matrix"),
    "service-desc": ("/openapi.json", "The API's OpenAPI 3.1 description"),
    "pb:webhooks": ("/webhooks", "Webhooks"),
    "pb:webhook": ("/webhooks/{uuid}", "Webhook"),
}


async def index(request: Request) -> Response:
    """``GET /``: the HAL index every Pact client starts from."""
    base = base_url(request)
    links: dict[str, object] = {"self": {"href": base, "title": "Index"}}
    for relation, (path, title) in INDEX.items():
        entry: dict[str, object] = {"href": base + path, "title": title}
        if "{" in path:
            entry["templated"] = True
        links[relation] = entry
    links["curies"] = [{"name": "pb", "href": base + "/doc/{rel}", "templated": True}]
    return hal({"_links": links})


async def health(request: Request) -> Response:
    """``GET /health``: the process is up."""
    return hal({"status": "ok"})


async def ready(request: Request) -> Response:
    """``GET /ready``: 200 when the database answers a query, 503 otherwise."""
    broker: Broker = request.app.state.broker
    try:
        await run_in_threadpool(reads.ping, broker)
    except Exception as exc:
        _LOG.warning("readiness check failed: %s", type(exc).__name__)
        return hal({"status": "unavailable", "database": "unreachable"}, 503)
    return hal({"status": "ready", "database": "ok"})


async def _client_gone(request: Request, exc: Exception) -> Response:
    """The client hung up before its request body arrived: nothing to answer, nothing to log but the access line."""
    return Response(status_code=400)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpError)
    return error_response(exc.status, exc.message, exc.errors)


async def _polycontract_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PolycontractError)
    return error_response(status_for(exc), str(exc))


async def _starlette_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = "no such resource" if exc.status_code == 404 else str(exc.detail)
    if exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
        refusal = error_response(405, message)
        refusal.headers["Allow"] = ", ".join(_allowed_methods(request))
        return refusal
    return error_response(exc.status_code, message)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path (RFC 9110 asks a 405 to list them in ``Allow``)."""
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods and route.matches(request.scope)[0] is not Match.NONE:
            methods |= route.methods
    return sorted(methods)


async def _unexpected(request: Request, exc: Exception) -> Response:
    _LOG.error("unexpected error serving %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, f"internal error: {type(exc).__name__}")


def _routes() -> list[Route]:
    sha = _PACT + "/pact-version/{sha}"
    return [  # the questions CI asks most come first: Starlette tries the routes in order
        Route("/can-i-deploy", matrix.can_i_deploy, methods=["GET"]),
        Route("/matrix", pact_broker_errors(matrix.matrix, "messages"), methods=["GET"]),
        Route("/", index, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/ready", ready, methods=["GET"]),
        Route("/contracts/publish", pacts.publish_contracts, methods=["POST"]),
        Route(_PACT + "/version/{version}", pacts.put_pact, methods=["PUT"]),
        Route(_PACT + "/version/{version}", pacts.get_pact_by_version, methods=["GET"]),
        Route(_PACT + "/latest", pacts.get_latest_pact, methods=["GET"]),
        Route(sha, pacts.get_pact_by_hash, methods=["GET"]),
        Route(sha + "/metadata/{metadata}", pacts.get_pact_by_hash, methods=["GET"]),
        Route(sha + "/verification-results", verification.publish_verification_result, methods=["POST"]),
        *verification_read_routes(),
        Route(sha + "/verification-results/{id}", verification.get_verification_result, methods=["GET"]),
        Route(
            sha + "/metadata/{metadata}/verification-results",
            verification.publish_verification_result,
            methods=["POST"],
        ),
        Route("/pacts/provider/{provider}/latest", pacts.latest_provider_pacts, methods=["GET"]),
        Route("/pacts/provider/{provider}/for-verification", verification.for_verification, methods=["GET", "POST"]),
        *label_routes(),
        Route("/pacticipants", deploy.list_pacticipants, methods=["GET"]),
        Route(_P, deploy.get_pacticipant, methods=["GET"]),
        Route(_P, deploy.put_pacticipant, methods=["PUT", "PATCH"]),
        Route(_P + "/latest-version", deploy.latest_version, methods=["GET"]),
        Route(_P + "/branches/{branch}/latest-version", deploy.latest_branch_version, methods=["GET"]),
        Route(_P + "/versions/{version}", deploy.get_version, methods=["GET"]),
        Route(_P + "/versions/{version}", deploy.put_version, methods=["PUT"]),
        Route(_P + "/branches/{branch}/versions/{version}", deploy.put_branch_version, methods=["PUT"]),
        Route(_P + "/versions/{version}/tags/{tag}", deploy.put_tag, methods=["PUT"]),
        Route(
            _P + "/versions/{version}/deployed-versions/environment/{uuid}", envs.record_deployment, methods=["POST"]
        ),
        Route(_P + "/versions/{version}/released-versions/environment/{uuid}", envs.record_release, methods=["POST"]),
        Route("/environments", envs.list_environments, methods=["GET"]),
        Route("/environments", envs.create_environment, methods=["POST"]),
        Route("/environments/{uuid}", envs.get_environment, methods=["GET"]),
        Route("/environments/{uuid}", envs.update_environment, methods=["PUT"]),
        Route("/environments/{uuid}/deployed-versions/currently-deployed", envs.currently_deployed, methods=["GET"]),
        Route("/environments/{uuid}/released-versions/currently-supported", envs.currently_supported, methods=["GET"]),
        Route("/deployed-versions/{id}", envs.patch_deployed_version, methods=["PATCH"]),
        Route("/released-versions/{id}", envs.patch_released_version, methods=["PATCH"]),
        Route("/polycontract/matrix", matrix.rows_extension, methods=["GET"]),
        Route("/openapi.json", openapi.openapi, methods=["GET"]),
        *extensions.routes(),
        *webhook_routes(),
        *catalog_routes(),
        *provider_pact_routes(),
        *tagged_pact_routes(),
    ]


def _lifespan(close_broker: bool) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """Start sending webhooks when the server starts (resuming what stopped processes left in the outbox); with
    ``close_broker``, let attempts in flight finish on shutdown (`SHUTDOWN_DRAIN_SECONDS`) and close the broker."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        broker: Broker = app.state.broker
        index = broker.internals.store.estate_index
        if index is not None:  # first questions answered from memory: build before serving
            started = time.monotonic()
            built = await run_in_threadpool(index.build_now)
            took = time.monotonic() - started
            _LOG.info("estate index %s in %.2fs", "built" if built is not None else "not built (data changed)", took)
        broker.internals.webhooks.start()
        try:
            yield
        finally:
            if close_broker:
                await run_in_threadpool(broker.internals.webhooks.close, SHUTDOWN_DRAIN_SECONDS, drain_queue=False)
                await run_in_threadpool(broker.close)

    return lifespan


def create_app(
    broker: Broker, *, auth: AuthConfig | None = None, close_broker: bool = False, index_estate: bool | None = None
) -> Starlette:
    """The ASGI app serving ``broker`` (the caller keeps ownership and closes it, unless ``close_broker``).

    With ``auth`` every request but ``GET /health`` and ``GET /openapi.json`` needs a token of a sufficient role
    (`TokenAuth`). Run with its lifespan, the app sends the webhook deliveries waiting in the database from the
    start, and with ``close_broker`` closes the broker on shutdown: attempts in flight finish and are logged,
    deliveries not yet started wait in the database for the next start (so SIGTERM loses none).

    With ``index_estate`` (default: ``close_broker``, a server owning its broker) can-i-deploy questions to an
    environment are answered from an in-memory snapshot of the database while it is unchanged (`EstateIndex`),
    built as the app starts (its lifespan) and again after writes.
    """
    middleware = [Middleware(AccessLog), Middleware(RouteNames), Middleware(JsonWrites)]
    if auth is not None:
        middleware.append(Middleware(TokenAuth, config=auth))
    app = Starlette(
        routes=_routes(),
        middleware=middleware,
        lifespan=_lifespan(close_broker),
        exception_handlers={
            ClientDisconnect: _client_gone,
            HttpError: _http_error,
            PolycontractError: _polycontract_error,
            HTTPException: _starlette_error,
            Exception: _unexpected,
        },
    )
    restore_slashes(app.routes)
    app.state.broker = broker
    if close_broker if index_estate is None else index_estate:
        store = broker.internals.store
        store.estate_index = store.estate_index or EstateIndex(store)
    app.state.answers = AnswerCache()
    app.state.deciders = CapacityLimiter(DECIDERS)
    return app
