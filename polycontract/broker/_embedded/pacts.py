"""The `Broker`'s pacts: publish them (one or several of one consumer version at once) and read one back.

A collaborator of `Broker`: it works through the broker's `Store` and clock, and plans the webhooks a
publication fires with the broker's public URL as it is at that moment (see `publish_in`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from polycontract.broker._embedded.build_urls import set_version_build_url
from polycontract.broker._embedded.publish import publish_in
from polycontract.broker._store import lookups as _lookups
from polycontract.broker._values.checks import checked_url
from polycontract.broker._values.names import checked_name, checked_pact_names
from polycontract.errors import StorageError
from polycontract.model import require_document

if TYPE_CHECKING:
    from polycontract.broker._store.session import Store
    from polycontract.broker._values.records import PublishResult
    from polycontract.model import PactDocument

__all__ = ["Pacts"]


class Pacts:
    """`Broker.publish_pact` and `Broker.pact`; `publish_all` serves the HTTP server's ``POST /contracts/publish``."""

    def __init__(self, store: Store, clock: Callable[[], datetime], public_url: Callable[[], str]) -> None:
        self._store = store
        self._clock = clock
        self._public_url = public_url

    def publish_pact(
        self,
        pact: PactDocument,
        *,
        consumer_version: str,
        branch: str | None = None,
        tags: Sequence[str] = (),
        allow_overwrite: bool = False,
        build_url: str | None = None,
    ) -> PublishResult:
        """Publish ``pact`` for ``consumer_version`` (see `publish_all`)."""
        require_document(pact, "publish_pact(pact)")
        return self.publish_all(
            [pact],
            consumer_version=consumer_version,
            branch=branch,
            tags=tags,
            allow_overwrite=allow_overwrite,
            build_url=build_url,
        )[0]

    def publish_all(
        self,
        pacts: Sequence[PactDocument],
        *,
        consumer_version: str,
        branch: str | None = None,
        tags: Sequence[str] = (),
        allow_overwrite: bool = False,
        build_url: str | None = None,
    ) -> list[PublishResult]:
        """`publish_pact` for several pacts of one consumer version in one transaction: all or none.

        (``POST /contracts/publish``: a conflict in any contract publishes none of them.)
        """
        build_url = checked_url(build_url, "build_url")
        pacts = [checked_pact_names(p) for p in pacts]
        consumer_version = checked_name(consumer_version, "consumer_version", slash=True)
        branch = None if branch is None else checked_name(branch, "branch", slash=True)
        with self._store.transaction() as conn:
            labels = tuple(checked_name(tag, "tag", slash=True) for tag in tags)
            published = [
                publish_in(
                    conn,
                    p,
                    consumer_version=consumer_version,
                    branch=branch,
                    tags=labels,
                    now=self._clock(),
                    allow_overwrite=allow_overwrite,
                    public_url=self._public_url(),
                )
                for p in pacts
            ]
            for consumer in dict.fromkeys(p.consumer for p in pacts):
                set_version_build_url(conn, consumer, consumer_version, build_url)
            return published

    def pact(self, consumer: str, consumer_version: str, provider: str, *, revision: int | None = None) -> PactDocument:
        """The pact ``consumer`` ``consumer_version`` published for ``provider`` (latest revision by default)."""
        from polycontract.codec import load_pact

        with self._store.transaction(write=False) as conn:
            found = _lookups.publication_content(conn, consumer, consumer_version, provider, revision)
        if found is None:
            raise StorageError(f"{consumer} {consumer_version} has published no pact for {provider}")
        return load_pact(found, name=f"broker pact {consumer} {consumer_version} -> {provider}")
