"""Which pact contents are no longer pending for the provider branch being verified.

The rule is the Pact Broker's (``PactVersion#pending_for_provider_branch?`` and
``SquashPactsForVerification``): for provider branch B a content stays pending until a provider
version on B verified it successfully, or a provider version on *another* branch verified it
successfully before B's first version was created (a new branch inherits what was verified when it
was cut, not what other branches verify later). Without a branch, any successful verification by
the provider ends pending. Pending counts every successful result (``PactVersion`` in pact_broker
``lib/pact_broker/pacts/pact_version.rb`` has no WIP condition); whether a pact is still WIP counts
only the results not published from a WIP pact (``non_wip_only``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from polycontract.broker._store.reads import one_of
from polycontract.broker._store.tables import verifications
from polycontract.broker._store.tables import versions as versions_t

__all__ = ["not_pending"]

_pv = versions_t.alias("pv")


def not_pending(
    conn: Connection, provider_id: int, hashes: set[str], provider_branch: str | None, *, non_wip_only: bool = False
) -> set[str]:
    """The contents among ``hashes`` that are not pending for ``provider_branch`` (any branch when None).

    ``non_wip_only`` counts only results that were not published from a WIP pact: what decides whether a
    pact is still work in progress (pact_broker ``successfully_verified_by_provider_branch_when_not_wip``).
    """
    if not hashes:
        return set()
    query = (
        select(
            verifications.c.content_hash,
            _pv.c.branch,
            verifications.c.branch.label("result_branch"),
            verifications.c.created_at,
        )
        .join(_pv, _pv.c.id == verifications.c.provider_version_id)
        .where(
            verifications.c.success,
            verifications.c.kind == "example",  # a fuzz pass does not take a pact out of pending
            _pv.c.pacticipant_id == provider_id,
            one_of(conn, verifications.c.content_hash, hashes),
        )
    )
    if non_wip_only:
        query = query.where(~verifications.c.wip)
    found = conn.execute(query).all()
    if provider_branch is None:
        return {r.content_hash for r in found}
    cut = _branch_created(conn, provider_id, provider_branch)
    out: set[str] = set()
    for row in found:
        branches = {b for b in (row.branch, row.result_branch) if b}
        on_branch = provider_branch in branches
        before_cut = bool(branches) and (cut is None or _utc(row.created_at) < cut)
        if on_branch or before_cut:
            out.add(row.content_hash)
    return out


def _branch_created(conn: Connection, provider_id: int, branch: str) -> datetime | None:
    """When the provider's first version on ``branch`` was created (None: the branch has no version yet)."""
    first = conn.execute(
        select(func.min(versions_t.c.created_at)).where(
            versions_t.c.pacticipant_id == provider_id, versions_t.c.branch == branch
        )
    ).scalar()
    return None if first is None else _utc(first)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
