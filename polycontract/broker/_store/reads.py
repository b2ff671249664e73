"""Read queries: what `polycontract.matrix` needs for one can-i-deploy question or one matrix view.

Each loader issues a handful of indexed queries whatever the estate's size: the live versions
of the target, the publications that touch the pacticipant version, and only the verifications
that could decide those pairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import ARRAY, Select, and_, any_, false, func, literal, or_, select, true, union_all
from sqlalchemy.engine import Connection

from polycontract.broker._store.lookups import environment_id, find_version
from polycontract.broker._store.published import CONSUMER, CONSUMER_VERSION, PROVIDER, PUBLISHED
from polycontract.broker._store.tables import (
    deployments,
    environments,
    pacticipants,
    publications,
    releases,
    verifications,
)
from polycontract.broker._store.tables import tags as tags_t
from polycontract.broker._store.tables import versions as versions_t
from polycontract.broker._values.test_results import failures_from_stored, load
from polycontract.matrix import Estate, Ignore, LiveVersion, Publication, Verification

__all__ = [
    "attach_failures",
    "known_ignores",
    "latest_with_tag",
    "live_in_environment",
    "live_on_main_branches",
    "load_estate",
    "load_matrix",
    "one_of",
]

_pv = versions_t.alias("pv")


def one_of(conn: Connection, column: Any, values: Iterable[Any]) -> Any:
    """``column IN values``; on PostgreSQL one array parameter (``= ANY(:array)``), so the statement
    text does not grow with the list and psycopg can prepare and reuse it."""
    items = sorted(set(values))
    if conn.dialect.name == "postgresql":
        return column == any_(literal(items, ARRAY(column.type)))
    return column.in_(items)


def live_in_environment(conn: Connection, name: str) -> list[tuple[int, LiveVersion]]:
    """Every version currently deployed (per instance) or released-and-supported in environment ``name``.

    Two small indexed queries (the live slots, then their version numbers) rather than one join,
    so the cost follows what is live, not how many versions exist.
    """
    in_env = environments.c.name == name
    deployed = (
        select(deployments.c.version_id, deployments.c.application_instance, literal("deployed"))
        .join(environments, environments.c.id == deployments.c.environment_id)
        .where(in_env, deployments.c.currently_deployed)
    )
    released = (
        select(releases.c.version_id, literal(""), literal("released"))
        .join(environments, environments.c.id == releases.c.environment_id)
        .where(in_env, releases.c.currently_supported)
    )
    slots = conn.execute(union_all(deployed, released)).all()
    if not slots:
        environment_id(conn, name)  # an unknown environment is an error, an empty one is not
        return []
    numbers = {
        row[0]: (row[1], row[2])
        for row in conn.execute(
            select(versions_t.c.id, pacticipants.c.name, versions_t.c.number)
            .join(pacticipants, pacticipants.c.id == versions_t.c.pacticipant_id)
            .where(one_of(conn, versions_t.c.id, {slot[0] for slot in slots}))
        )
    }
    return [
        (
            version_id,
            LiveVersion(
                pacticipant=numbers[version_id][0],
                version=numbers[version_id][1],
                target=name,
                kind=kind,
                application_instance=instance or None,
            ),
        )
        for version_id, instance, kind in slots
    ]


def live_on_main_branches(conn: Connection) -> list[tuple[int, LiveVersion]]:
    """The latest version on each pacticipant's main branch (the target of "can I merge")."""
    latest = (
        select(func.max(versions_t.c.id))
        .join(pacticipants, pacticipants.c.id == versions_t.c.pacticipant_id)
        .where(versions_t.c.branch == pacticipants.c.main_branch)
        .group_by(versions_t.c.pacticipant_id)
    )
    query = (
        select(versions_t.c.id, pacticipants.c.name, versions_t.c.number, pacticipants.c.main_branch)
        .join(pacticipants, pacticipants.c.id == versions_t.c.pacticipant_id)
        .where(versions_t.c.id.in_(latest.scalar_subquery()))
    )
    return [
        (row[0], LiveVersion(pacticipant=row[1], version=row[2], target=row[3], kind="main-branch"))
        for row in conn.execute(query)
    ]


def latest_with_tag(conn: Connection, tag: str) -> list[tuple[int, LiveVersion]]:
    """The newest version of each pacticipant with ``tag`` (the legacy "can I deploy to TAG")."""
    tagged = (
        select(func.max(versions_t.c.id))
        .join(tags_t, tags_t.c.version_id == versions_t.c.id)
        .where(tags_t.c.name == tag)
        .group_by(versions_t.c.pacticipant_id)
    )
    query = (
        select(versions_t.c.id, pacticipants.c.name, versions_t.c.number)
        .join(pacticipants, pacticipants.c.id == versions_t.c.pacticipant_id)
        .where(versions_t.c.id.in_(tagged.scalar_subquery()))
    )
    return [
        (row[0], LiveVersion(pacticipant=row[1], version=row[2], target=tag, kind="tag")) for row in conn.execute(query)
    ]


def load_estate(
    conn: Connection,
    pacticipant: str,
    version: str,
    live: Sequence[tuple[int, LiveVersion]],
    ignore: Iterable[Ignore] = (),
    *,
    fuzz: bool = False,
) -> Estate:
    """The publications, verifications and versions `matrix.decide` needs for ``pacticipant`` ``version``.

    Only example verifications are read unless ``fuzz`` (the question counts fuzz verifications too).
    """
    found = find_version(conn, pacticipant, version)
    known = {(lv.pacticipant, lv.version) for _, lv in live} | known_ignores(conn, ignore)
    if found is None:
        return Estate(live=tuple(lv for _, lv in live), versions=frozenset(known))
    pacticipant_id, version_id = found
    live_ids = [vid for vid, _ in live]
    own = conn.execute(
        _publication_query().where(publications.c.consumer_version_id == version_id, publications.c.is_current)
    ).all()
    theirs = conn.execute(
        _publication_query().where(
            publications.c.provider_id == pacticipant_id,
            publications.c.is_current,
            one_of(conn, publications.c.consumer_version_id, live_ids),
        )
    ).all()
    wanted = or_(
        and_(
            one_of(conn, verifications.c.content_hash, {r.content_hash for r in own}),
            one_of(conn, _pv.c.id, live_ids),
        )
        if own and live_ids
        else false(),
        and_(one_of(conn, verifications.c.content_hash, {r.content_hash for r in theirs}), _pv.c.id == version_id)
        if theirs
        else false(),
    )
    results = conn.execute(_verification_query(fuzz).where(wanted)).all() if own or theirs else []
    return Estate(
        publications=tuple(_publication(r) for r in [*own, *theirs]),
        verifications=attach_failures(conn, [(r.id, _verification(r)) for r in results]),
        live=tuple(lv for _, lv in live),
        versions=frozenset(known | {(pacticipant, version)}),
    )


def load_matrix(
    conn: Connection,
    pacticipant: str,
    *,
    version: str | None = None,
    branch: str | None = None,
    live: Sequence[tuple[int, LiveVersion]] | None = None,
    limit: int = 1000,
    fuzz: bool = False,
) -> tuple[list[Publication], list[Verification]]:
    """Publications and verifications of every integration of ``pacticipant`` (as consumer or provider).

    ``version``/``branch`` narrow the pacticipant's own versions; ``live`` narrows the counterparts
    to the versions live in an environment; ``fuzz`` reads fuzz verifications too (else examples only).
    """
    live_ids = None if live is None else [vid for vid, _ in live]

    def own_side(alias: Any) -> Any:
        conditions = [alias.c.number == version] if version is not None else []
        conditions += [alias.c.branch == branch] if branch is not None else []
        return and_(*conditions) if conditions else true()

    as_consumer = CONSUMER.c.name == pacticipant
    as_provider = PROVIDER.c.name == pacticipant
    counterpart_cv = true() if live_ids is None else one_of(conn, CONSUMER_VERSION.c.id, live_ids)
    pubs = conn.execute(
        _publication_query()
        .where(publications.c.is_current)
        .where(or_(and_(as_consumer, own_side(CONSUMER_VERSION)), and_(as_provider, counterpart_cv)))
        .order_by(CONSUMER_VERSION.c.id)
        .limit(limit)
    ).all()
    hashes = {r.content_hash for r in pubs}
    provider_filter = or_(
        and_(PROVIDER.c.name == pacticipant, own_side(_pv)),
        and_(PROVIDER.c.name != pacticipant, true() if live_ids is None else one_of(conn, _pv.c.id, live_ids)),
    )
    results = conn.execute(
        _verification_query(fuzz).where(one_of(conn, verifications.c.content_hash, hashes), provider_filter)
    ).all()
    return [_publication(r) for r in pubs], list(attach_failures(conn, [(r.id, _verification(r)) for r in results]))


def attach_failures(conn: Connection, found: Sequence[tuple[int, Verification]]) -> tuple[Verification, ...]:
    """``found`` (verification id, `Verification`, oldest first) with the recorded failures of each failed one.

    Only the latest result per provider version and content can decide anything, so only those are
    read: one more query, and only when such a result failed. A result stored without test results
    keeps ``failures=None`` (no details recorded).
    """
    latest: dict[tuple[str, str, str, str], int] = {}
    for row_id, v in found:
        latest[(v.provider, v.provider_version, v.content_hash, v.kind)] = row_id
    failed = {
        row_id
        for row_id, v in found
        if not v.success and latest[(v.provider, v.provider_version, v.content_hash, v.kind)] == row_id
    }
    if not failed:
        return tuple(v for _, v in found)
    stored = dict(
        conn.execute(
            select(verifications.c.id, verifications.c.test_results).where(one_of(conn, verifications.c.id, failed))
        ).all()
    )
    return tuple(
        replace(v, failures=failures_from_stored(load(stored.get(row_id)))) if row_id in failed else v
        for row_id, v in found
    )


def _publication_query() -> Select[Any]:
    return select(
        CONSUMER.c.name.label("consumer"),
        CONSUMER_VERSION.c.number.label("consumer_version"),
        PROVIDER.c.name.label("provider"),
        publications.c.content_hash,
    ).select_from(PUBLISHED)


def _verification_query(fuzz: bool = False) -> Select[Any]:
    """Verification rows with their provider and version, oldest first: example ones only unless ``fuzz``."""
    query = (
        select(
            verifications.c.id,
            PROVIDER.c.name.label("provider"),
            _pv.c.number.label("provider_version"),
            verifications.c.content_hash,
            verifications.c.success,
            verifications.c.pending,
            verifications.c.branch,
            verifications.c.created_at,
            verifications.c.kind,
        )
        .select_from(verifications)
        .join(_pv, _pv.c.id == verifications.c.provider_version_id)
        .join(PROVIDER, PROVIDER.c.id == _pv.c.pacticipant_id)
        .order_by(verifications.c.id)
    )
    return query if fuzz else query.where(verifications.c.kind == "example")


def known_ignores(conn: Connection, ignore: Iterable[Ignore]) -> set[tuple[str, str]]:
    """(name, version) pairs for the ignore targets that exist, so `decide` warns only about the others."""
    names = {i.pacticipant for i in ignore}
    if not names:
        return set()
    rows = conn.execute(
        select(pacticipants.c.name, versions_t.c.number)
        .join(versions_t, versions_t.c.pacticipant_id == pacticipants.c.id)
        .where(pacticipants.c.name.in_(names))
        .where(or_(*[_ignore_filter(i) for i in ignore]))
    ).all()
    return {(r[0], r[1]) for r in rows}


def _ignore_filter(selector: Ignore) -> Any:
    if selector.version is None:
        return pacticipants.c.name == selector.pacticipant
    return and_(pacticipants.c.name == selector.pacticipant, versions_t.c.number == selector.version)


def _publication(row: Any) -> Publication:
    return Publication(
        consumer=row.consumer,
        consumer_version=row.consumer_version,
        provider=row.provider,
        content_hash=row.content_hash,
    )


def _verification(row: Any) -> Verification:
    return Verification(
        provider=row.provider,
        provider_version=row.provider_version,
        content_hash=row.content_hash,
        success=bool(row.success),
        verified_at=row.created_at,
        pending=bool(row.pending),
        branch=row.branch,
        id=int(row.id),
        kind="fuzz" if row.kind == "fuzz" else "example",
    )
