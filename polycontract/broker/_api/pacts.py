"""Pact routes of the broker's HTTP API: publishing and fetching pacts (verification: `_api.verification`).

URLs follow the Pact Broker's (see the table in `polycontract.broker._api.app`). A pact's
"pact version" is polycontract's normalised content hash, so a result published to
``…/pact-version/{hash}/verification-results`` counts for every consumer version with that content.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from polycontract.broker._api import queries as reads
from polycontract.broker._api.common import (
    HttpError,
    base_url,
    bool_field,
    broker_of,
    hal,
    json_body,
    link,
    name_list,
    optional_str,
    parse_json,
    pointer,
    reject_unknown,
    required_str,
    seg,
)
from polycontract.broker._embedded.broker import Broker
from polycontract.broker._store import lookups as _lookups
from polycontract.broker._values.records import PublishResult
from polycontract.errors import PactFormatError

#: ``POST /contracts/publish`` members: the Pact Broker's (what the Pact CLI sends) and ``allowOverwrite``.
_PUBLISH_FIELDS = frozenset(
    {"pacticipantName", "pacticipantVersionNumber", "branch", "tags", "buildUrl", "contracts", "allowOverwrite"}
)
_CONTRACT_FIELDS = frozenset({"consumerName", "providerName", "specification", "contentType", "content", "onConflict"})

__all__ = [
    "get_latest_pact",
    "get_pact_by_hash",
    "get_pact_by_version",
    "latest_provider_pacts",
    "pact_response",
    "pact_url",
    "publish_contracts",
    "put_pact",
]


def pact_url(base: str, provider: str, consumer: str, content_hash: str) -> str:
    """The URL of one pact content (what verifiers fetch and publish results under)."""
    return f"{base}/pacts/provider/{seg(provider)}/consumer/{seg(consumer)}/pact-version/{content_hash}"


def _pact_document(
    base: str, consumer: str, provider: str, content_hash: str, content: str, metadata: str | None = None
) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(content)
    url = pact_url(base, provider, consumer, content_hash)
    # pact_broker lib/pact_broker/api/pact_broker_urls.rb verification_publication_url(pact, base_url, metadata): the
    # publish link keeps the URL's metadata, so a result published for a WIP pact reaches the broker as WIP
    here = f"{url}/metadata/{seg(metadata)}" if metadata else url
    document["_links"] = {
        "self": {"href": here, "title": f"Pact between {consumer} and {provider}"},
        "pb:consumer": link(base, f"/pacticipants/{seg(consumer)}", name=consumer, title="Consumer"),
        "pb:provider": link(base, f"/pacticipants/{seg(provider)}", name=provider, title="Provider"),
        "pb:publish-verification-results": {
            "href": here + "/verification-results",
            "title": "Publish verification results",
        },
        # pact_broker lib/pact_broker/api/decorators/pact_decorator.rb: latest_verification_for_pact_url (permalink)
        "pb:latest-verification-results": {"href": url + "/verification-results/latest"},
        "pb:latest-pact-version": link(base, f"/pacts/provider/{seg(provider)}/consumer/{seg(consumer)}/latest"),
    }
    return document


def _load(content: Any, where: str, at: str) -> Any:
    """The pact in ``content`` (found at body pointer ``at``); 400 naming it when it is not a valid pact."""
    from polycontract.codec import load_pact

    try:
        return load_pact(content, name=where)
    except (PactFormatError, ValueError, TypeError) as exc:
        raise HttpError(400, str(exc) or f"{where} is not a valid pact", pointer=at) from None


def _check_names(pact: Any, consumer: str, provider: str, where: str, at: str) -> None:
    if pact.consumer != consumer or pact.provider != provider:
        raise HttpError(
            400,
            f"{where}: the pact is between {pact.consumer} and {pact.provider},"
            f" not consumer {consumer} and provider {provider}",
            pointer=at,
        )


async def publish_contracts(request: Request) -> Response:
    """``POST /contracts/publish``: publish a consumer version's pacts (base64 content), branch and tags."""
    body = await json_body(request)
    reject_unknown(body, _PUBLISH_FIELDS)
    consumer = required_str(body, "pacticipantName")
    number = required_str(body, "pacticipantVersionNumber")
    branch = optional_str(body, "branch")
    build_url = optional_str(body, "buildUrl")
    tag_list = name_list(body, "tags")
    allow = bool_field(body, "allowOverwrite")  # extension: replace different content (kept in the history)
    contracts = body.get("contracts")
    if not isinstance(contracts, list) or not contracts:
        raise HttpError(400, "contracts must be a non-empty list", pointer="/contracts")
    pacts = []
    for index, contract in enumerate(contracts):
        where, at = f"contracts[{index}]", pointer("contracts", index)
        if not isinstance(contract, dict):
            raise HttpError(400, f"{where} must be an object", pointer=at)
        reject_unknown(contract, _CONTRACT_FIELDS, at)
        if contract.get("specification", "pact") != "pact":
            raise HttpError(400, f"{where}.specification must be 'pact'", pointer=at + "/specification")
        content = contract.get("content")
        if not isinstance(content, str) or not content:
            raise HttpError(400, f"{where}.content is required: base64-encoded pact JSON", pointer=at + "/content")
        try:
            text = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise HttpError(400, f"{where}.content must be base64-encoded pact JSON", pointer=at + "/content") from None
        pact = _load(parse_json(text, f"{where}.content", at + "/content"), where, at + "/content")
        names = required_str(contract, "consumerName", at), required_str(contract, "providerName", at)
        _check_names(pact, *names, where, at + "/content")
        if pact.consumer != consumer:
            raise HttpError(
                400,
                f"{where}.consumerName {pact.consumer} is not pacticipantName {consumer}",
                pointer=at + "/consumerName",
            )
        pacts.append(pact)
    broker = broker_of(request)
    # One transaction for every contract: a conflict in any of them (409) publishes none.
    results: list[PublishResult] = await run_in_threadpool(
        lambda: broker.internals.pacts.publish_all(
            pacts, consumer_version=number, branch=branch, tags=tag_list, allow_overwrite=allow, build_url=build_url
        )
    )
    base = base_url(request)
    version_href = f"{base}/pacticipants/{seg(consumer)}/versions/{seg(number)}"
    notices = [
        {
            "type": "success",
            "text": f"Created {consumer} version {number}" + (f" with branch {branch}" if branch else ""),
        }
    ]
    for result in results:
        verb = {"created": "Pact published", "unchanged": "Pact unchanged", "overwritten": "Pact overwritten"}
        notices.append(
            {
                "type": "success",
                "text": f"{verb[result.outcome]} for {result.consumer} version"
                f" {number} and provider {result.provider}.",
            }
        )
    return hal(
        {
            "notices": notices,
            # pact_broker publish_contracts_results_decorator.rb: ``logs`` ({level, message}) say what was done
            "logs": [{"level": "warn" if n["type"] == "warning" else "info", "message": n["text"]} for n in notices],
            "_embedded": {
                "pacticipant": {"name": consumer, "_links": {"self": link(base, f"/pacticipants/{seg(consumer)}")}},
                "version": {
                    "number": number,
                    "branch": branch,
                    "_links": {"self": {"href": version_href, "name": number, "title": "Version"}},
                },
            },
            "_links": {
                "pb:pacticipant": link(base, f"/pacticipants/{seg(consumer)}", name=consumer, title="Pacticipant"),
                "pb:pacticipant-version": {"href": version_href, "name": number, "title": "Pacticipant version"},
                "pb:pacticipant-version-tags": [
                    link(
                        base, f"/pacticipants/{seg(consumer)}/versions/{seg(number)}/tags/{seg(t)}", name=t, title="Tag"
                    )
                    for t in tag_list
                ],
                "pb:contracts": [
                    {
                        "href": pact_url(base, r.provider, r.consumer, r.content_hash),
                        "name": f"Pact between {r.consumer} ({number}) and {r.provider}",
                        "title": "Pact",
                    }
                    for r in results
                ],
            },
        }
    )


async def put_pact(request: Request) -> Response:
    """``PUT /pacts/provider/{provider}/consumer/{consumer}/version/{version}``: the older per-pact publish."""
    provider, consumer = request.path_params["provider"], request.path_params["consumer"]
    number = request.path_params["version"]
    body = await json_body(request)
    body.pop("_links", None)
    pact = _load(body, "request body", "")
    _check_names(pact, consumer, provider, "request body", "")
    broker = broker_of(request)
    result = await run_in_threadpool(broker.publish_pact, pact, consumer_version=number)
    found = await run_in_threadpool(reads.pact_by_hash, broker, result.content_hash)
    assert found is not None
    status = 201 if result.outcome == "created" else 200
    return hal(_pact_document(base_url(request), consumer, provider, result.content_hash, found[2]), status)


def _pact_at(
    broker: Broker, consumer: str, provider: str, number: str | None, revision: int | None = None
) -> tuple[str, str] | None:
    if number is None:
        number = reads.latest_pact_version(broker, consumer, provider)
        if number is None:
            return None
    with broker.internals.store.transaction(write=False) as conn:
        return _lookups.publication(conn, consumer, number, provider, revision)


async def get_pact_by_version(request: Request) -> Response:
    """``GET /pacts/provider/{provider}/consumer/{consumer}/version/{version}`` (extension: ``?revision=N``)."""
    raw = request.query_params.get("revision")
    if raw is not None and (not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 2**31 - 1):
        raise HttpError(400, f"revision={raw!r} must be a positive whole number", parameter="revision")
    return await _get_pact(request, request.path_params["version"], None if raw is None else int(raw))


async def get_latest_pact(request: Request) -> Response:
    """``GET /pacts/provider/{provider}/consumer/{consumer}/latest``: the newest consumer version's pact.

    The ``X-Pact-Consumer-Version`` header names that version
    (pact_broker ``lib/pact_broker/api/resources/latest_pact.rb``).
    """
    provider, consumer = request.path_params["provider"], request.path_params["consumer"]
    number = await run_in_threadpool(reads.latest_pact_version, broker_of(request), consumer, provider)
    if number is None:
        raise HttpError(404, f"no pact between {consumer} (any version) and {provider}")
    response = await _get_pact(request, number)
    response.headers["X-Pact-Consumer-Version"] = number
    return response


async def pact_response(request: Request, number: str) -> Response:
    """The pact of the request's consumer version ``number`` and provider (404 when there is none)."""
    return await _get_pact(request, number)


async def _get_pact(request: Request, number: str | None, revision: int | None = None) -> Response:
    provider, consumer = request.path_params["provider"], request.path_params["consumer"]
    found = await run_in_threadpool(_pact_at, broker_of(request), consumer, provider, number, revision)
    if found is None:
        which = f"version {number}" if number else "any version"
        raise HttpError(404, f"no pact between {consumer} ({which}) and {provider}")
    base = base_url(request)
    document = _pact_document(base, consumer, provider, found[0], found[1])
    if number is not None:
        # pact_broker lib/pact_broker/api/decorators/pact_decorator.rb: pb:consumer-version (pact-broker-cli's
        # get-pacts --download names each file after it)
        path = f"/pacticipants/{seg(consumer)}/versions/{seg(number)}"
        document["_links"]["pb:consumer-version"] = link(base, path, title="Consumer version", name=number)
    return hal(document)


async def latest_provider_pacts(request: Request) -> Response:
    """``GET /pacts/provider/{provider}/latest``: each consumer's newest pact (``_links.pb:pacts``)."""
    provider = request.path_params["provider"]
    found = await run_in_threadpool(reads.latest_provider_pacts, broker_of(request), provider)
    base = base_url(request)
    pacts = [
        {
            "href": pact_url(base, provider, consumer, digest),
            "title": f"Pact between {consumer} ({number}) and {provider}",
            "name": consumer,
        }
        for consumer, number, digest in found
    ]
    return hal(
        {
            "_links": {
                "self": {"href": f"{base}/pacts/provider/{seg(provider)}/latest"},
                # pact_broker lib/pact_broker/api/decorators/provider_pacts_decorator.rb: pb:provider, and the
                # older provider link titled with the provider's name
                "pb:provider": {"href": f"{base}/pacticipants/{seg(provider)}", "name": provider},
                "provider": {"href": f"{base}/pacticipants/{seg(provider)}", "name": provider, "title": provider},
                "pb:pacts": pacts,
                "pacts": pacts,
            }
        }
    )


async def get_pact_by_hash(request: Request) -> Response:
    """``GET /pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}[/metadata/{m}]``."""
    provider, consumer, digest = (request.path_params[k] for k in ("provider", "consumer", "sha"))
    found = await run_in_threadpool(reads.pact_by_hash, broker_of(request), digest)
    if found is None or found[:2] != (consumer, provider):
        raise HttpError(404, f"no pact version {digest} between {consumer} and {provider}")
    metadata = request.path_params.get("metadata")
    return hal(_pact_document(base_url(request), consumer, provider, digest, found[2], metadata))
