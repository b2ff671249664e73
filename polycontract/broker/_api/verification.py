"""Verification routes of the broker's HTTP API: pacts for verification and publishing results.

``POST /pacts/provider/{provider}/for-verification`` answers with `Broker.pacts_for_verification`
(consumer version selectors, pending and WIP pacts); each pact links to its content URL, whose
``pb:publish-verification-results`` relation takes the provider version's result. A result's
``testResults`` (what the Pact verifier and polycontract's client send: each interaction with its
mismatches) are stored, bounded (`polycontract.broker._values.test_results`), and served back on the result's
resource ``…/verification-results/{id}``, as the Pact Broker does.
"""

from __future__ import annotations

from datetime import datetime
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
    optional_str,
    reject_unknown,
    required_str,
    seg,
)
from polycontract.broker._api.pacts import pact_url
from polycontract.broker._embedded.results import stored_result
from polycontract.broker._values.checks import verification_kind
from polycontract.broker._values.pact_metadata import metadata_is_wip, wip_metadata
from polycontract.broker._values.records import PactForVerification
from polycontract.broker._values.test_results import normalize
from polycontract.errors import UsageError

__all__ = ["for_verification", "get_verification_result", "publish_verification_result"]

#: Verification-result members: what Pact verifiers send (``testResults`` and ``buildUrl`` stored; ``verifiedBy``
#: accepted and not stored) plus polycontract's ``providerVersionBranch``/``branch`` and ``pending``.
_RESULT_FIELDS = frozenset(
    {
        "success",
        "providerApplicationVersion",
        "providerVersionBranch",
        "branch",
        "pending",
        "testResults",
        "verifiedBy",
        "buildUrl",
        "polycontract",
    }
)

#: Members of the ``polycontract`` extension object of a result: ``kind`` is stored; ``seed`` and ``requests``
#: (how the fuzz run was made) are accepted and not stored.
_EXTENSION_FIELDS = frozenset({"kind", "seed", "requests"})


def _kind(body: dict[str, Any]) -> str:
    """The result's kind from the ``polycontract`` extension: ``example`` (absent: what every Pact verifier sends)
    or ``fuzz``. Pact tools that do not know the member never send it, and the Pact Broker ignores it."""
    extension = body.get("polycontract")
    if extension is None:
        return "example"
    if not isinstance(extension, dict):
        raise HttpError(400, 'polycontract must be an object such as {"kind": "fuzz"}', pointer="/polycontract")
    unknown = sorted(set(extension) - _EXTENSION_FIELDS)
    if unknown:
        raise HttpError(400, f"unknown member {unknown[0]!r}", pointer=f"/polycontract/{unknown[0]}")
    try:
        return verification_kind(extension)
    except UsageError:
        raise HttpError(400, 'kind must be "example" or "fuzz"', pointer="/polycontract/kind") from None


#: The largest record id (a 32-bit integer column); larger ids name nothing.
_MAX_ID = 2**31 - 1


def _wip_since(body: dict[str, Any]) -> datetime | None:
    raw = optional_str(body, "includeWipPactsSince")
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise HttpError(
            400, f"includeWipPactsSince={raw!r} must be an ISO 8601 date or time", pointer="/includeWipPactsSince"
        ) from None


def _verification_entry(base: str, found: PactForVerification, pending_asked: bool) -> dict[str, Any]:
    versions = ", ".join(found.consumer_versions)
    url = pact_url(base, found.provider, found.consumer, found.content_hash)
    notices = [
        {"when": "before_verification", "text": f"The pact at {url} is being verified because it matches {n}"}
        for n in found.notices
    ]
    # pact_broker verifiable_pact_decorator.rb links a WIP pact to pact_version_url_with_metadata ({"w" => true}):
    # the result published from that URL is recorded as WIP
    href = f"{url}/metadata/{wip_metadata()}" if found.wip else url
    properties: dict[str, Any] = {"notices": notices}
    if pending_asked:
        properties["pending"] = found.pending
        state = "pending" if found.pending else "not pending"
        notices.append({"when": "before_verification", "text": f"This pact is {state}."})
    if found.wip:
        properties["wip"] = True
    return {
        "shortDescription": f"{found.consumer} {versions}",
        "polycontract": {
            "contentHash": found.content_hash,
            "consumerVersions": list(found.consumer_versions),
            "notices": list(found.notices),
            "pending": found.pending,
            "wip": found.wip,
        },
        "verificationProperties": properties,
        "_links": {
            "self": {
                "href": href,
                "name": f"Pact between {found.consumer} ({versions}) and {found.provider}",
            }
        },
    }


async def for_verification(request: Request) -> Response:
    """``POST /pacts/provider/{provider}/for-verification``: selectors, pending and WIP pacts."""
    provider = request.path_params["provider"]
    body = await json_body(request) if request.method == "POST" else {}
    selectors = body.get("consumerVersionSelectors")
    if selectors is not None and not (isinstance(selectors, list) and all(isinstance(s, dict) for s in selectors)):
        raise HttpError(400, "consumerVersionSelectors must be a list of objects", pointer="/consumerVersionSelectors")
    branch = optional_str(body, "providerVersionBranch")
    include_pending = bool_field(body, "includePendingStatus")
    since = _wip_since(body)
    if since is not None and not include_pending:
        raise HttpError(
            400,
            "includeWipPactsSince needs includePendingStatus: true (WIP pacts are always pending)",
            pointer="/includePendingStatus",
        )
    broker = broker_of(request)
    found = await run_in_threadpool(
        lambda: broker.pacts_for_verification(
            provider,
            selectors=selectors,
            provider_branch=branch,
            include_pending=include_pending or since is not None,
            include_wip_since=since,
        )
    )
    base = base_url(request)
    return hal(
        {
            "_embedded": {"pacts": [_verification_entry(base, f, include_pending) for f in found]},
            "_links": {
                "self": {
                    "href": f"{base}/pacts/provider/{seg(provider)}/for-verification",
                    "title": "Pacts to be verified",
                }
            },
        }
    )


async def publish_verification_result(request: Request) -> Response:
    """``POST …/pact-version/{sha}[/metadata/{m}]/verification-results``: one provider version's result.

    Besides the Pact Broker's fields, the extension ``pending: true`` records that the pact was pending, and
    ``"polycontract": {"kind": "fuzz"}`` records a fuzz verification (see `_kind`).
    A result published to a WIP pact's URL (metadata ``w=true``) is recorded as WIP, as the Pact Broker does
    (lib/pact_broker/api/resources/verifications.rb ``wip?``; the Pact verifier sends no ``wip`` member).
    """
    provider, consumer, digest = (request.path_params[k] for k in ("provider", "consumer", "sha"))
    body = await json_body(request)
    reject_unknown(body, _RESULT_FIELDS)
    success = body.get("success")
    if not isinstance(success, bool):
        raise HttpError(400, "success is required and must be true or false", pointer="/success")
    number = required_str(body, "providerApplicationVersion")
    given, legacy = optional_str(body, "providerVersionBranch"), optional_str(body, "branch")  # both checked
    branch = given or legacy
    pending = bool_field(body, "pending")  # extension: the verifier ran the pact as pending
    build_url = optional_str(body, "buildUrl")
    wip = metadata_is_wip(request.path_params.get("metadata"))
    kind = _kind(body)
    try:
        stored = normalize(body.get("testResults"), where="testResults")
    except UsageError as exc:
        raise HttpError(400, str(exc), pointer="/testResults") from None
    broker = broker_of(request)

    def publish() -> int | None:
        found = reads.pact_by_hash(broker, digest)
        if found is None or found[:2] != (consumer, provider):
            raise HttpError(404, f"no pact version {digest} between {consumer} and {provider}")
        known = reads.version(broker, provider, number)
        on_branch = branch or (known.branch if known is not None else None)
        item: dict[str, Any] = {
            "content_hash": digest,
            "success": success,
            "pending": pending,
            "wip": wip,
            "kind": kind,
        }
        if stored is not None:
            item["test_results"] = stored["testResults"]
        recorded = broker.publish_verification_results(
            provider=provider, provider_version=number, branch=on_branch, results=[item], build_url=build_url
        )
        return recorded[0].id

    row_id = await run_in_threadpool(publish)
    base = base_url(request)
    answer = {
        "success": success,
        "providerName": provider,
        "providerApplicationVersion": number,
        "testResults": [] if stored is None else stored["testResults"],
        "buildUrl": build_url,
        "polycontract": {"kind": kind},
        "_links": {"pb:pact-version": {"href": pact_url(base, provider, consumer, digest)}},
    }
    if row_id is not None:
        answer["_links"]["self"] = {
            "href": f"{pact_url(base, provider, consumer, digest)}/verification-results/{row_id}"
        }
    return hal(answer, 201)


async def get_verification_result(request: Request) -> Response:
    """``GET …/pact-version/{sha}/verification-results/{id}``: one recorded result with its ``testResults``."""
    provider, consumer, digest = (request.path_params[k] for k in ("provider", "consumer", "sha"))
    raw = request.path_params["id"]
    if not (raw.isascii() and raw.isdigit()) or int(raw) > _MAX_ID:
        raise HttpError(404, f"no verification result {raw!r} for pact version {digest}")
    broker = broker_of(request)

    def read() -> dict[str, Any] | None:
        with broker.internals.store.transaction(write=False) as conn:
            return stored_result(conn, provider, consumer, digest, int(raw))

    found = await run_in_threadpool(read)
    if found is None:
        raise HttpError(
            404, f"no verification result {raw} for pact version {digest} between {consumer} and {provider}"
        )
    base = base_url(request)
    url = pact_url(base, provider, consumer, digest)
    return hal(
        {
            **found,
            "_links": {
                "self": {"href": f"{url}/verification-results/{raw}"},
                "pb:pact-version": {"href": url},
            },
        }
    )
