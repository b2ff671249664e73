"""Pacts for verification: which pact contents a provider must verify, why, and which are pending.

Consumer version selectors choose consumer versions; their pacts are de-duplicated by content hash
(one entry per content, naming every consumer version it is verified for). A content is *pending*
for the provider branch being verified by the Pact Broker's rule (see `polycontract.broker._store.pending`:
until that branch verified it, or another branch did before that branch was created; without a
branch, until any provider version verified it); WIP pacts are the newest pact of each consumer branch published since a
date that no selector chose and that branch has not verified yet, always pending. As in the Pact Broker
(``PactsForVerificationRepository#find_wip``), there are WIP pacts only for a provider branch, and only
results that were not themselves published from a WIP pact take a pact out of WIP.

`PactForVerification` has the attributes of the verifier's ``SourcedPact`` and `BrokerSource` has
its ``pacts()`` method, so the verifier takes a broker source as it is without the broker importing
the verifier.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from polycontract.broker._store.lookups import find_pacticipant_id
from polycontract.broker._store.pending import not_pending
from polycontract.broker._store.reads import one_of
from polycontract.broker._store.tables import (
    deployments,
    environments,
    pact_contents,
    pacticipants,
    publications,
    releases,
    tags,
)
from polycontract.broker._store.tables import versions as versions_t
from polycontract.broker._values.checks import parse_selectors
from polycontract.broker._values.checks import utc as _utc
from polycontract.broker._values.records import PactForVerification
from polycontract.broker._values.selectors import ConsumerVersionSelector, SelectorInput
from polycontract.errors import StorageError, UsageError

if TYPE_CHECKING:
    from polycontract.broker._interface import BrokerAPI
    from polycontract.model import PactDocument

__all__ = ["BrokerSource", "PactForVerification", "SelectorInput", "parse_selectors", "select_for_verification"]

_consumer = pacticipants.alias("consumer")
_cv = versions_t.alias("cv")


@dataclass
class _Entry:
    consumer: str
    content_hash: str
    reasons: dict[int, list[str]] = field(default_factory=dict)  # consumer version id -> why
    numbers: dict[int, str] = field(default_factory=dict)
    wip: bool = False


def select_for_verification(
    conn: Connection,
    provider: str,
    selectors: Sequence[ConsumerVersionSelector],
    *,
    provider_branch: str | None,
    include_pending: bool,
    wip_since: datetime | None,
) -> list[PactForVerification]:
    """The pacts ``provider`` must verify for ``selectors`` (plus WIP pacts since ``wip_since``)."""
    provider_id = find_pacticipant_id(conn, provider)
    if provider_id is None:
        return []
    if any(s.matching_branch for s in selectors) and not provider_branch:
        raise UsageError("a matchingBranch selector needs the provider's branch (provider_branch=… / --branch)")
    for selector in selectors:
        if (
            selector.environment is not None
            and conn.execute(select(environments.c.id).where(environments.c.name == selector.environment)).first()
            is None
        ):
            raise StorageError(f"environment={selector.environment!r} in a consumer version selector does not exist")
    pubs = conn.execute(
        select(
            _consumer.c.name.label("consumer"),
            _consumer.c.main_branch,
            _cv.c.id.label("version_id"),
            _cv.c.number,
            _cv.c.branch,
            publications.c.content_hash,
            publications.c.created_at,
        )
        .select_from(publications)
        .join(_cv, _cv.c.id == publications.c.consumer_version_id)
        .join(_consumer, _consumer.c.id == _cv.c.pacticipant_id)
        .where(publications.c.provider_id == provider_id, publications.c.is_current)
        .order_by(_cv.c.id)
    ).all()
    live = _live(conn, [p.version_id for p in pubs])
    tagged = _tags(conn, [p.version_id for p in pubs]) if any(s.tag is not None for s in selectors) else {}
    entries: dict[str, _Entry] = {}
    for selector in selectors:
        for pub, why in _matches(selector, pubs, live, provider_branch, tagged):
            entry = entries.setdefault(pub.content_hash, _Entry(pub.consumer, pub.content_hash))
            entry.numbers[pub.version_id] = pub.number
            reasons = entry.reasons.setdefault(pub.version_id, [])
            if why not in reasons:
                reasons.append(why)
    hashes = {p.content_hash for p in pubs}
    verified = not_pending(conn, provider_id, hashes, provider_branch) if include_pending or wip_since else hashes
    # pact_broker lib/pact_broker/pacts/pacts_for_verification_repository.rb, find_wip: without provider tags or a
    # provider branch "Cannot calculate WIP pacts. Returning an empty list." (polycontract has no provider tags).
    if wip_since is not None and provider_branch is not None:
        # remove_non_wip_for_branch: successfully_verified_by_provider_branch_when_not_wip and
        # successfully_verified_by_provider_another_branch_before_this_branch_first_created (non-WIP results only)
        done = not_pending(conn, provider_id, hashes, provider_branch, non_wip_only=True)
        _add_wip(entries, pubs, done, wip_since)
    return _build(conn, entries, provider, verified, include_pending=include_pending)


def _live(conn: Connection, version_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """Consumer version id -> [("deployed" | "released", environment)] for what is live now."""
    out: dict[int, list[tuple[str, str]]] = {}
    if not version_ids:
        return out
    deployed = conn.execute(
        select(deployments.c.version_id, environments.c.name)
        .join(environments, environments.c.id == deployments.c.environment_id)
        .where(deployments.c.currently_deployed, one_of(conn, deployments.c.version_id, version_ids))
    )
    for version_id, env in deployed:
        if ("deployed", env) not in out.setdefault(version_id, []):
            out[version_id].append(("deployed", env))
    released = conn.execute(
        select(releases.c.version_id, environments.c.name)
        .join(environments, environments.c.id == releases.c.environment_id)
        .where(releases.c.currently_supported, one_of(conn, releases.c.version_id, version_ids))
    )
    for version_id, env in released:
        out.setdefault(version_id, []).append(("released", env))
    return out


def _tags(conn: Connection, version_ids: Sequence[int]) -> dict[int, set[str]]:
    """Consumer version id -> its tags."""
    out: dict[int, set[str]] = {}
    if version_ids:
        for version_id, name in conn.execute(
            select(tags.c.version_id, tags.c.name).where(one_of(conn, tags.c.version_id, version_ids))
        ):
            out.setdefault(version_id, set()).add(name)
    return out


def _newest(pubs: Iterable[Any]) -> dict[str, Any]:
    """Consumer -> its newest publication among ``pubs`` (ordered by version id)."""
    newest: dict[str, Any] = {}
    for pub in pubs:
        newest[pub.consumer] = pub
    return newest


def _tag_matches(
    selector: ConsumerVersionSelector, candidates: Sequence[Any], tagged: dict[int, set[str]]
) -> Iterable[tuple[Any, str]]:
    """The legacy tag kind: every version with the tag, or the newest per consumer (with a fallback tag)."""
    tag = str(selector.tag)
    with_tag = [p for p in candidates if tag in tagged.get(p.version_id, ())]
    if not selector.latest:
        for pub in with_tag:
            yield pub, f"tagged {tag}"
        return
    newest = _newest(with_tag)
    yield from ((pub, f"latest with tag {tag}") for pub in newest.values())
    if selector.fallback_tag is not None:
        fallback = [
            p for p in candidates if p.consumer not in newest and selector.fallback_tag in tagged.get(p.version_id, ())
        ]
        yield from ((pub, f"latest with fallback tag {selector.fallback_tag}") for pub in _newest(fallback).values())


def _matches(
    selector: ConsumerVersionSelector,
    pubs: Sequence[Any],
    live: dict[int, list[tuple[str, str]]],
    provider_branch: str | None,
    tagged: dict[int, set[str]],
) -> Iterable[tuple[Any, str]]:
    """(publication, why) for every publication ``selector`` chooses."""
    candidates = [p for p in pubs if selector.consumer is None or p.consumer == selector.consumer]
    if selector.tag is not None:
        yield from _tag_matches(selector, candidates, tagged)
        return
    if selector.is_live:
        for pub in candidates:
            for kind, env in live.get(pub.version_id, []):
                wanted = selector.wants_deployed if kind == "deployed" else selector.wants_released
                if wanted and (selector.environment is None or selector.environment == env):
                    yield pub, f"{kind} to {env}"
        return
    if selector.main_branch:
        on_branch = [p for p in candidates if p.main_branch and p.branch == p.main_branch]
        label = "from the main branch {branch}"
    elif selector.branch is not None or selector.matching_branch:
        name = selector.branch or provider_branch
        on_branch = [p for p in candidates if p.branch == name]
        label = "from branch {branch}" if selector.branch else "from the matching branch {branch}"
    else:  # latest alone
        on_branch, label = candidates, ""
    if selector.latest is False:
        for pub in on_branch:
            yield pub, ("on " + label.removeprefix("from ")).format(branch=pub.branch)
        return
    newest = _newest(on_branch)  # ordered by version id: the last one per consumer is the newest
    for pub in newest.values():
        yield pub, ("latest " + label.format(branch=pub.branch)).strip() if label else "latest version"
    if selector.fallback_branch is not None:
        fallback = [p for p in candidates if p.consumer not in newest and p.branch == selector.fallback_branch]
        for pub in _newest(fallback).values():
            yield pub, f"latest from fallback branch {pub.branch}"


def _add_wip(entries: dict[str, _Entry], pubs: Sequence[Any], verified: set[str], since: datetime) -> None:
    """Add the newest pact of each consumer branch published since ``since`` that nothing selected yet."""
    heads: dict[tuple[str, str], Any] = {}
    for pub in pubs:
        if pub.branch:
            heads[(pub.consumer, pub.branch)] = pub
    for pub in heads.values():
        if pub.content_hash in entries or pub.content_hash in verified or _utc(pub.created_at) < since:
            continue
        entry = _Entry(pub.consumer, pub.content_hash, wip=True)
        entry.numbers[pub.version_id] = pub.number
        entry.reasons[pub.version_id] = [f"work in progress: latest from branch {pub.branch}"]
        entries[pub.content_hash] = entry


def _build(
    conn: Connection, entries: dict[str, _Entry], provider: str, verified: set[str], *, include_pending: bool
) -> list[PactForVerification]:
    from polycontract.codec import load_pact
    from polycontract.errors import PactFormatError

    contents = dict(
        conn.execute(
            select(pact_contents.c.content_hash, pact_contents.c.content).where(
                one_of(conn, pact_contents.c.content_hash, entries)
            )
        ).all()
        if entries
        else []
    )
    out = []
    ordered = sorted(entries.values(), key=lambda e: (e.consumer, min(e.numbers)))
    for entry in ordered:
        ids = sorted(entry.numbers)
        numbers = tuple(entry.numbers[i] for i in ids)
        notices = tuple(f"{entry.numbers[i]} ({'; '.join(entry.reasons[i])})" for i in ids)
        short = entry.content_hash[:8]
        origin = f"broker pact {entry.consumer} -> {provider} {short} ({entry.consumer} {', '.join(numbers)})"
        pact: PactDocument | None = None
        error = None
        try:
            pact = load_pact(contents[entry.content_hash], name=origin)
        except (KeyError, PactFormatError) as exc:
            error = f"the broker cannot read pact content {short}: {exc}"
        out.append(
            PactForVerification(
                consumer=entry.consumer,
                provider=provider,
                content_hash=entry.content_hash,
                consumer_versions=numbers,
                notices=notices,
                pending=entry.wip or (include_pending and entry.content_hash not in verified),
                wip=entry.wip,
                pact=pact,
                error=error,
                origin=origin,
            )
        )
    return out


class BrokerSource:
    """The pacts a provider must verify, fetched from a broker each time the verifier asks.

    >>> # result = verifier.verify(BrokerSource(broker, "users", selectors=[{"mainBranch": True}]))

    Pass it to ``Verifier.verify`` (or ``pact_verification``) like a file or directory.
    """

    def __init__(
        self,
        broker: BrokerAPI,
        provider: str,
        *,
        selectors: Iterable[SelectorInput] | None = None,
        provider_branch: str | None = None,
        include_pending: bool = True,
        include_wip_since: date | datetime | None = None,
    ) -> None:
        self.broker = broker
        self.provider = provider
        self.selectors = parse_selectors(selectors)
        self.provider_branch = provider_branch
        self.include_pending = include_pending
        self.include_wip_since = include_wip_since

    def pacts(self) -> tuple[PactForVerification, ...]:
        """The pacts to verify now (see `Broker.pacts_for_verification`)."""
        return self.broker.pacts_for_verification(
            self.provider,
            selectors=self.selectors,
            provider_branch=self.provider_branch,
            include_pending=self.include_pending,
            include_wip_since=self.include_wip_since,
        )

    def __repr__(self) -> str:
        chosen = ", ".join(s.describe() for s in self.selectors)
        return f"BrokerSource({self.broker.url}, provider={self.provider!r}, selectors=[{chosen}])"
