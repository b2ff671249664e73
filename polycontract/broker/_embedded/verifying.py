"""The provider-verification side of `Broker`: which pacts to verify, and recording verification results.

A collaborator of `Broker`: it works through the broker's `Store` and clock, and plans the webhooks a
result fires with the broker's public URL as it is at that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from polycontract.broker._store import lookups as _lookups
from polycontract.broker._store.tables import verifications
from polycontract.broker._store.writes import ensure_pacticipant, ensure_version
from polycontract.broker._values.checks import checked_wip_since, parse_selectors
from polycontract.broker._webhooks.planning import plan_verification
from polycontract.errors import StorageError, UsageError

if TYPE_CHECKING:
    from polycontract.broker._store.session import Store
    from polycontract.broker._values.checks import SelectorInput
    from polycontract.broker._values.records import PactForVerification, PublishedVerification

__all__ = ["ProviderVerification"]


class ProviderVerification:
    """`Broker.pacts_for_verification`, `Broker.publish_verification` and `Broker.publish_verification_results`.

    ``public_url`` gives the broker's public URL when a result is recorded (the start of a webhook's pact URL).
    """

    def __init__(self, store: Store, clock: Callable[[], datetime], public_url: Callable[[], str]) -> None:
        self._store = store
        self._clock = clock
        self._public_url = public_url

    def pacts_for_verification(
        self,
        provider: str,
        *,
        selectors: Iterable[SelectorInput] | None = None,
        provider_branch: str | None = None,
        include_pending: bool = True,
        include_wip_since: date | datetime | None = None,
    ) -> tuple[PactForVerification, ...]:
        """The pacts ``provider`` must verify (see `polycontract.broker._embedded.selection`)."""
        from polycontract.broker._embedded.selection import select_for_verification

        since = checked_wip_since(include_pending, include_wip_since)
        chosen = parse_selectors(selectors)
        with self._store.transaction(write=False) as conn:
            found = select_for_verification(
                conn,
                provider,
                chosen,
                provider_branch=provider_branch,
                include_pending=include_pending,
                wip_since=since,
            )
        return tuple(found)

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
        """Record one result, for a pact found by consumer version or by content hash; the content hash verified."""
        with self._store.transaction() as conn:
            if content_hash is None:
                if consumer is None or consumer_version is None:
                    raise UsageError("publish_verification needs consumer= and consumer_version=, or content_hash=")
                content_hash = _lookups.current_hash(conn, consumer, consumer_version, provider)
                if content_hash is None:
                    raise StorageError(f"{consumer} {consumer_version} has published no pact for {provider}")
            else:
                owner = _lookups.content_provider(conn, content_hash)
                if owner != provider:
                    known = "is not a pact content known to the broker" if owner is None else f"is a pact for {owner}"
                    raise StorageError(f"content_hash={content_hash!r} {known}, not for provider={provider!r}")
            now = self._clock()
            pid = ensure_pacticipant(conn, provider, now)
            version_id = ensure_version(conn, pid, provider_version, now, branch=branch, tag_names=())
            conn.execute(
                verifications.insert().values(
                    content_hash=content_hash,
                    provider_version_id=version_id,
                    success=success,
                    pending=pending,
                    branch=branch,
                    created_at=now,
                )
            )
            fired = (provider, provider_version, branch, content_hash, success)
            plan_verification(conn, *fired, base_url=self._public_url())
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
        """Record a whole verification run in one transaction (see `polycontract.broker._embedded.results`)."""
        from polycontract.broker._embedded.results import publish_results

        with self._store.transaction() as conn:
            recorded = publish_results(
                conn,
                self._clock(),
                provider=provider,
                provider_version=provider_version,
                branch=branch,
                results=results,
                build_url=build_url,
            )
            for r in recorded:
                if r.kind != "example":  # provider_verification_* webhooks speak of the pact's examples
                    continue
                fired = (provider, provider_version, branch, r.content_hash, r.success)
                plan_verification(conn, *fired, base_url=self._public_url())
            return recorded
