"""The provider-verification side of `Broker`: which pacts to verify, and recording a run's results.

A mixin so `_broker.py` stays small; it uses the broker's ``_transaction`` and ``_clock``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from polycontract.broker._values.checks import checked_wip_since, parse_selectors

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from polycontract.broker._values.checks import SelectorInput
    from polycontract.broker._values.records import PactForVerification, PublishedVerification

__all__ = ["ProviderVerification"]


class ProviderVerification:
    """`Broker.pacts_for_verification` and `Broker.publish_verification_results`."""

    _clock: Callable[[], datetime]
    _public_url: str

    #: ``Broker._transaction``: a connection in a transaction (``write=False`` for reads).
    _transaction: Callable[..., AbstractContextManager[Connection]]

    def pacts_for_verification(
        self,
        provider: str,
        *,
        selectors: Iterable[SelectorInput] | None = None,
        provider_branch: str | None = None,
        include_pending: bool = True,
        include_wip_since: date | datetime | None = None,
    ) -> tuple[PactForVerification, ...]:
        """The pacts ``provider`` must verify: one per content, naming the consumer versions it serves.

        ``selectors`` (`ConsumerVersionSelector` objects or their Pact JSON form; default: latest
        main branch + everything deployed or released) choose consumer versions. As in the Pact
        Broker, a content is pending for ``provider_branch`` until a provider version on that branch
        verified it, or one on another branch did before ``provider_branch`` was created; without a
        branch, until any provider version verified it.
        ``include_wip_since`` adds work-in-progress pacts (see `polycontract.broker._embedded.selection`).
        """
        from polycontract.broker._embedded.selection import select_for_verification

        since = checked_wip_since(include_pending, include_wip_since)
        chosen = parse_selectors(selectors)
        with self._transaction(write=False) as conn:
            found = select_for_verification(
                conn,
                provider,
                chosen,
                provider_branch=provider_branch,
                include_pending=include_pending,
                wip_since=since,
            )
        return tuple(found)

    def publish_verification_results(
        self,
        *,
        provider: str,
        provider_version: str,
        results: Iterable[Mapping[str, Any]],
        branch: str | None = None,
        build_url: str | None = None,
    ) -> tuple[PublishedVerification, ...]:
        """Record a whole verification run in one transaction (``VerificationResult.verifications()``).

        Each result is a mapping with ``content_hash``, ``success`` and optionally ``pending`` and
        ``test_results`` (one entry per interaction with its mismatches, the Pact Broker's ``testResults``;
        stored bounded, see `polycontract.broker._values.test_results`, and shown by can-i-deploy and the matrix
        for a failed result); it counts for every consumer version that published that content.
        ``build_url`` is the CI build that ran the verification (the Pact Broker's ``buildUrl``).
        """
        from polycontract.broker._embedded.results import publish_results
        from polycontract.broker._webhooks.registry import plan_verification

        with self._transaction() as conn:
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
                fired = (provider, provider_version, branch, r.content_hash, r.success)
                plan_verification(conn, *fired, base_url=self._public_url)
            return recorded
