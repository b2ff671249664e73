"""Verify the consumers' pacts against orders-svc in-process, the order-placed event included.

``polycontract verify --provider-url`` reaches a provider over HTTP, but an event is not an HTTP
answer: its producer must be called in-process. So orders-svc verifies with the Python API:

    python verify_pacts.py pacts/web-ui-orders-svc.json        # files: what the tests do
    python verify_pacts.py --provider-version "$VERSION" --branch main --publish
                                                               # CI: the broker's pacts, results published

Without files, the pacts come from the broker at ``$POLYCONTRACT_BROKER``: those of the consumer
versions on their main branch and of every version deployed or released. Exit status 0 when every
pact is honoured.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from typing import Any

import orders_svc

from polycontract.verifier import Verifier


def make_verifier(*, provider_version: str | None = None, branch: str | None = None) -> Verifier:
    """A verifier for orders-svc: the WSGI app in-process, its provider states and its event producer."""
    verifier = Verifier(provider="orders-svc", app=orders_svc.app, provider_version=provider_version, branch=branch)

    @verifier.state("order 1 exists")
    def order_exists(params: dict[str, Any]) -> Iterator[None]:
        orders_svc.set_up_state("order 1 exists", params)
        yield
        orders_svc.ORDERS.clear()

    @verifier.message("an order-placed event")
    def order_placed() -> tuple[dict[str, Any], dict[str, Any]]:
        return orders_svc.order_placed_event({"id": 1, "status": "PLACED", "total": 9.5})

    return verifier


def main(argv: list[str] | None = None) -> int:
    """Verify, print the report, publish the results when asked; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pacts", nargs="*", help="pact files (default: the broker's pacts for orders-svc)")
    parser.add_argument("--provider-version")
    parser.add_argument("--branch")
    parser.add_argument("--publish", action="store_true", help="record each pact's result in the broker")
    args = parser.parse_args(argv)
    if args.publish and not args.provider_version:
        parser.error("--publish needs --provider-version")
    from polycontract.broker import connect

    broker = connect(os.environ.get("POLYCONTRACT_BROKER")) if args.publish or not args.pacts else None
    verifier = make_verifier(provider_version=args.provider_version, branch=args.branch)
    if args.pacts:
        result = verifier.verify(*args.pacts)
    else:
        from polycontract.broker import BrokerSource

        assert broker is not None
        result = verifier.verify(BrokerSource(broker, "orders-svc", provider_branch=args.branch))
    print(result.report())
    if broker is not None and args.publish:
        for outcome in result.pacts:
            broker.publish_verification(
                provider="orders-svc",
                provider_version=args.provider_version,
                content_hash=outcome.content_hash,
                success=outcome.ok,
                branch=args.branch,
                pending=outcome.pending,
            )
            print(f"published: {'verified' if outcome.ok else 'failed'} pact {outcome.content_hash[:8]}")
    if broker is not None:
        broker.close()
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
