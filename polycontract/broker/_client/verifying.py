"""The provider-verification side of `HttpBroker`: pacts for verification and publishing results.

A part of the client that uses only its ``_http`` transport. Pacts for
verification come from ``POST /pacts/provider/{p}/for-verification`` and each pact's content from its
``self`` link; results go to ``…/pact-version/{hash}/verification-results`` (the Pact Broker's
routes, with the interactions' mismatches as ``testResults``), one request per result after every
content was checked to exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from polycontract.broker._client.codec import (
    as_mapping,
    embedded,
    hash_from_href,
    href,
    present,
    verification_reasons,
)
from polycontract.broker._client.paths import pact_path, seg
from polycontract.broker._values.checks import (
    checked_wip_since,
    parse_result,
    parse_selectors,
    parse_test_results,
    verification_kind,
    wip_flag,
)
from polycontract.errors import PactFormatError, StorageError, UsageError

if TYPE_CHECKING:
    from polycontract.broker._client.transport import Transport
    from polycontract.broker._values.checks import SelectorInput
    from polycontract.broker._values.records import PactForVerification, PublishedVerification

__all__ = ["HttpVerifying"]


class HttpVerifying:
    """`pacts_for_verification`, `publish_verification` and `publish_verification_results` over HTTP."""

    _http: Transport
    #: content hash -> consumer, for every pact this client published or listed (pact URLs name the consumer).
    _consumers: dict[str, str]

    def _consumer_of(self, provider: str, content_hash: str) -> str | None:
        """The consumer of content ``content_hash``: remembered, else ``GET /polycontract/pact-versions/{hash}``."""
        if content_hash in self._consumers:
            return self._consumers[content_hash]
        found = self._http.request("GET", f"/polycontract/pact-versions/{seg(content_hash)}", missing_ok=True)
        if isinstance(found, Mapping) and found.get("provider") == provider and isinstance(found.get("consumer"), str):
            self._consumers[content_hash] = str(found["consumer"])
            return self._consumers[content_hash]
        return None

    def pacts_for_verification(
        self,
        provider: str,
        *,
        selectors: Iterable[SelectorInput] | None = None,
        provider_branch: str | None = None,
        include_pending: bool = True,
        include_wip_since: date | datetime | None = None,
    ) -> tuple[PactForVerification, ...]:
        """The pacts ``provider`` must verify (see `Broker.pacts_for_verification`), each with its content."""
        since = checked_wip_since(include_pending, include_wip_since)
        body: dict[str, Any] = {
            "consumerVersionSelectors": [s.to_json() for s in parse_selectors(selectors)],
            "includePendingStatus": include_pending,
        }
        if provider_branch is not None:
            body["providerVersionBranch"] = provider_branch
        if since is not None:
            body["includeWipPactsSince"] = since.isoformat()
        path = f"/pacts/provider/{seg(provider)}/for-verification"
        answer = self._http.request("POST", path, json_body=body, idempotent=True)
        return tuple(self._sourced(provider, entry, include_pending) for entry in embedded(answer, "pacts"))

    def _sourced(self, provider: str, entry: Mapping[str, Any], include_pending: bool) -> PactForVerification:
        from polycontract.broker._values.records import PactForVerification
        from polycontract.codec import load_pact

        url = href(entry, "self")
        found = hash_from_href(url)
        if url is None or found is None:
            raise StorageError(f"the broker listed a pact for verification without a pact-version link: {entry!r}")
        _, consumer, digest = found
        self._consumers[digest] = consumer
        versions, notices = verification_reasons(entry, consumer)
        properties = entry.get("verificationProperties")
        properties = properties if isinstance(properties, Mapping) else {}
        extension = entry.get("polycontract")
        if isinstance(extension, Mapping) and "pending" in extension:
            properties = extension  # the exact flags, when the server sends polycontract's extension
        wip = bool(properties.get("wip", False))
        short = digest[:8]
        origin = f"broker pact {consumer} -> {provider} {short} ({consumer} {', '.join(versions)})"
        pact = None
        error = None
        try:
            document = as_mapping(self._http.request("GET", self._http.absolute(url)), "a pact")
            pact = load_pact({k: v for k, v in document.items() if k != "_links"}, name=origin)
        except (PactFormatError, StorageError) as exc:
            error = f"the broker cannot read pact content {short}: {exc}"
        return PactForVerification(
            consumer=consumer,
            provider=provider,
            content_hash=digest,
            consumer_versions=versions,
            notices=notices,
            pending=wip or (include_pending and bool(properties.get("pending", False))),
            wip=wip,
            pact=pact,
            error=error,
            origin=origin,
            url=url,
        )

    def _post_result(
        self,
        provider: str,
        consumer: str,
        digest: str,
        version: str,
        success: bool,
        branch: str | None,
        pending: bool,
        test_results: list[dict[str, Any]] | None = None,
        build_url: str | None = None,
        wip: bool = False,
        kind: str = "example",
    ) -> None:
        body = {
            "success": success,
            "providerApplicationVersion": version,
            **present(
                buildUrl=build_url, providerVersionBranch=branch, pending=pending or None, testResults=test_results
            ),
        }
        if kind != "example":  # polycontract's extension member; Pact verifiers never send it
            body["polycontract"] = {"kind": kind}
        path = pact_path(provider, consumer, digest)
        if wip:  # the Pact Broker records a result as WIP when it is published to the WIP pact's URL (metadata w=true)
            from polycontract.broker._values.pact_metadata import wip_metadata

            path += f"/metadata/{wip_metadata()}"
        self._http.request("POST", path + "/verification-results", json_body=body)

    def publish_verification(
        self,
        *,
        provider: str,
        provider_version: str,
        consumer: str | None = None,
        consumer_version: str | None = None,
        success: bool,
        branch: str | None = None,
        content_hash: str | None = None,
        pending: bool = False,
    ) -> str:
        """Record one verification result; returns the content hash verified.

        Over HTTP the pact's URL names its consumer, so ``content_hash=`` also needs ``consumer=``.
        """
        if content_hash is None:
            if consumer is None or consumer_version is None:
                raise UsageError("publish_verification needs consumer= and consumer_version=, or content_hash=")
            path = f"/pacts/provider/{seg(provider)}/consumer/{seg(consumer)}/version/{seg(consumer_version)}"
            document = self._http.request("GET", path, missing_ok=True)
            found = hash_from_href(href(document, "self")) if isinstance(document, Mapping) else None
            if found is None:
                raise StorageError(f"{consumer} {consumer_version} has published no pact for {provider}")
            content_hash = found[2]
        elif consumer is None:
            consumer = self._consumer_of(provider, content_hash)
            if consumer is None:
                raise StorageError(
                    f"content_hash={content_hash!r} is not a pact content known to the broker for provider={provider!r}"
                )
        self._post_result(provider, consumer, content_hash, provider_version, success, branch, pending)
        return content_hash

    def publish_verification_results(
        self,
        *,
        provider: str,
        provider_version: str,
        results: Iterable[Mapping[str, Any]],
        branch: str | None = None,
        build_url: str | None = None,
    ) -> tuple[PublishedVerification, ...]:
        """Record a verification run: every content is checked first, then one result is posted per pact.

        Each result's ``consumer`` (as ``VerificationResult.verifications()`` gives it) names the pact's
        URL; without it the consumer is looked up by content.
        """
        from polycontract.broker._values.records import PublishedVerification

        #: per item, in order: (content hash, success, pending, consumer, test results, wip, kind); an item's own
        #: details, so an example and a fuzz result of the same content keep theirs
        parsed: list[tuple[str, bool, bool, str, list[dict[str, Any]] | None, bool, str]] = []
        unknown_set: set[str] = set()
        for item in [*results]:
            digest, success, pending = parse_result(item)
            kind, wip = verification_kind(item), wip_flag(item)
            stored = parse_test_results(item)  # checked and bounded before anything is sent
            consumer = item.get("consumer")
            if not isinstance(consumer, str) or not consumer:
                consumer = self._consumer_of(provider, digest)
            if consumer is None:
                unknown_set.add(digest[:8])
                continue
            sent = None if stored is None else stored["testResults"]
            parsed.append((digest, success, pending, consumer, sent, wip, kind))
        if not parsed and not unknown_set:
            return ()
        unknown = sorted(
            unknown_set
            | {
                digest[:8]
                for digest, consumer in {(p[0], p[3]) for p in parsed}
                if self._http.request("GET", pact_path(provider, consumer, digest), missing_ok=True) is None
            }
        )
        if unknown:
            raise StorageError(
                f"the broker holds no pact for {provider} with content {', '.join(unknown)}; only pacts published"
                " to the broker (e.g. verified from a BrokerSource) can have results published"
            )
        for digest, success, pending, consumer, sent, wip, kind in parsed:
            self._post_result(
                provider, consumer, digest, provider_version, success, branch, pending, sent, build_url, wip, kind
            )
        return tuple(
            PublishedVerification(
                provider=provider,
                provider_version=provider_version,
                consumer=consumer,
                content_hash=digest,
                success=success,
                pending=pending,
                kind=kind,
            )
            for digest, success, pending, consumer, _, _, kind in parsed
        )
