"""What a can-i-deploy question to an environment reads, held in memory: one consistent snapshot of the database.

`build` reads, in a few whole-table statements, every fact `polycontract.broker._store.estate_query` reads for
one question: environments, what is deployed or released in each, versions, current publications and the latest
verification per (pact content, provider version), with the test results of failed ones. `EstateSnapshot.question`
then answers `environment_question` from memory: the same publications, live versions and versions, and of the
verifications of each content by each provider version only the one `polycontract.matrix.decide` takes as latest,
with the failures `polycontract.broker._store.reads.attach_failures` would attach to it; so the decision is the
same. At 200,000 verifications and 60,000 publications a snapshot holds about 85 MB of Python objects. The
snapshot is labelled by the data's revision token (`polycontract.broker._store.revision`) read before and after
the reads; it is kept only when both are the same, so every read saw that one state.
`polycontract.broker._store.estate_index` decides when it may be used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import DateTime
from sqlalchemy.engine import Connection

from polycontract.broker._store.estate_query import EnvironmentQuestion
from polycontract.broker._values.test_results import failures_from_stored, load
from polycontract.matrix import Estate, LiveVersion, Publication, Verification

__all__ = ["EstateSnapshot", "build"]

#: (id, success, pending, branch, created_at as stored, test results as stored or None, whether failures attach)
_Result = tuple[int, bool, bool, str | None, Any, str | None, bool]
#: (publication id, consumer version id, provider id, content hash, created_at as stored)
_Pub = tuple[int, int, int, str, Any]

_TIMESTAMP = DateTime(timezone=True)
_NOTHING_LIVE: tuple[tuple[LiveVersion, ...], frozenset[tuple[str, str]], frozenset[int]] = (
    (),
    frozenset(),
    frozenset(),
)


@dataclass(frozen=True, kw_only=True)
class EstateSnapshot:
    """The facts of every can-i-deploy question to an environment, as of revision ``token``."""

    token: str
    has_schemas: bool
    environments: dict[str, int]
    #: environment id -> each live slot's (version id, `LiveVersion` with ``target`` the environment's name), in
    #: the order `environment_question` gives them (deployments, then releases, each by id)
    live: dict[int, list[tuple[int, LiveVersion]]]
    #: (pacticipant name, version number) -> (version id, pacticipant id)
    version_ids: dict[tuple[str, str], tuple[int, int]]
    #: version id -> (pacticipant name, version number)
    version_names: dict[int, tuple[str, str]]
    pacticipant_names: dict[int, str]
    #: consumer version id -> its current publications, by id
    own_pubs: dict[int, list[_Pub]]
    #: (provider id, consumer version id) -> the current publications between them, by id
    pubs_between: dict[tuple[int, int], list[_Pub]]
    #: content hash -> provider version id -> the latest result (as `decide` picks it)
    results: dict[str, dict[int, _Result]]
    to_datetime: Callable[[Any], Any] | None
    #: environment id -> (its live versions, their (name, number) pairs, their version ids), made once
    live_sets: dict[int, tuple[tuple[LiveVersion, ...], frozenset[tuple[str, str]], frozenset[int]]] = field(
        default_factory=dict
    )
    #: (provider id, environment id) -> the current publications of that provider's live consumers, by id; filled
    #: as questions come (the snapshot never changes, so neither does an entry)
    theirs: dict[tuple[int, int], list[_Pub]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for env_id, pairs in self.live.items():
            lives = tuple(lv for _, lv in pairs)
            names = frozenset((lv.pacticipant, lv.version) for lv in lives)
            self.live_sets[env_id] = (lives, names, frozenset(vid for vid, _ in pairs))

    def question(self, pacticipant: str, version: str, environment: str) -> EnvironmentQuestion | None:
        """`environment_question` answered from the snapshot (None where it gives up: see there)."""
        env_id = self.environments.get(environment)
        if env_id is None or self.has_schemas:
            return None
        pairs = self.live.get(env_id, [])
        lives, versions, live_ids = self.live_sets.get(env_id, _NOTHING_LIVE)
        me = self.version_ids.get((pacticipant, version))
        if me is None:
            estate = Estate(publications=(), verifications=(), live=lives, versions=versions)
            return EnvironmentQuestion(live=list(pairs), estate=estate)
        my_vid, my_pid = me
        own = self.own_pubs.get(my_vid, [])
        theirs = self.theirs.get((my_pid, env_id))
        if theirs is None:
            theirs = sorted(
                (pub for vid in live_ids for pub in self.pubs_between.get((my_pid, vid), ())), key=lambda pub: pub[0]
            )
            self.theirs[(my_pid, env_id)] = theirs
        found: dict[int, Verification] = {}
        for pubs, wanted in ((own, live_ids), (theirs, {my_vid})):
            for _, _, _, content, _ in pubs:
                by_version = self.results.get(content)
                if by_version is None:
                    continue
                if len(wanted) < len(by_version):
                    hits = [(vid, by_version[vid]) for vid in wanted if vid in by_version]
                else:
                    hits = [(vid, r) for vid, r in by_version.items() if vid in wanted]
                for vid, result in hits:
                    if result[0] not in found:
                        found[result[0]] = self._verification(content, vid, result)
        estate = Estate(
            publications=tuple(self._publication(pub) for pub in [*own, *theirs]),
            verifications=tuple(found[i] for i in sorted(found)),
            live=lives,
            versions=versions | {(pacticipant, version)},
        )
        return EnvironmentQuestion(live=list(pairs), estate=estate)

    def published_at(self, consumer: str, consumer_version: str, content_hash: str) -> datetime | None:
        """When ``consumer`` ``consumer_version`` published ``content_hash`` (a current publication), if it did."""
        me = self.version_ids.get((consumer, consumer_version))
        for _, _, _, content, created in self.own_pubs.get(me[0], ()) if me is not None else ():
            if content == content_hash:
                when: datetime | None = self._datetime(created)
                return when
        return None

    def _publication(self, pub: _Pub) -> Publication:
        _, consumer_vid, provider_id, content, _ = pub
        consumer, number = self.version_names[consumer_vid]
        return Publication(
            consumer=consumer,
            consumer_version=number,
            provider=self.pacticipant_names[provider_id],
            content_hash=content,
        )

    def _verification(self, content: str, provider_vid: int, result: _Result) -> Verification:
        row_id, success, pending, branch, created, stored, attach = result
        provider, number = self.version_names[provider_vid]
        verification = Verification(
            provider=provider,
            provider_version=number,
            content_hash=content,
            success=success,
            verified_at=self._datetime(created),
            pending=pending,
            branch=branch,
            id=row_id,
        )
        if attach and not success:
            return replace(verification, failures=failures_from_stored(load(stored)))
        return verification

    def _datetime(self, stored: Any) -> Any:
        return stored if stored is None or self.to_datetime is None else self.to_datetime(stored)


def build(conn: Connection, token: str) -> EstateSnapshot:
    """Read the snapshot through ``conn`` (the caller checks that ``token`` held throughout)."""
    sql = conn.exec_driver_sql
    to_datetime = _TIMESTAMP.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
    names = {pid: name for pid, name in sql("SELECT id, name FROM pc_pacticipants")}
    version_ids: dict[tuple[str, str], tuple[int, int]] = {}
    version_names: dict[int, tuple[str, str]] = {}
    for vid, pid, number in _rows(conn, "SELECT id, pacticipant_id, number FROM pc_versions"):
        version_ids[(names[pid], number)] = (vid, pid)
        version_names[vid] = (names[pid], number)
    environments = {name: env_id for env_id, name in sql("SELECT id, name FROM pc_environments")}
    env_names = {env_id: name for name, env_id in environments.items()}
    live: dict[int, list[tuple[int, LiveVersion]]] = {}
    slots = sql(
        "SELECT 0, id, environment_id, version_id, application_instance FROM pc_deployments WHERE currently_deployed"
        " UNION ALL SELECT 1, id, environment_id, version_id, '' FROM pc_releases WHERE currently_supported"
    ).fetchall()
    for kind_order, _, env_id, vid, instance in sorted(slots, key=lambda slot: (slot[0], slot[1])):
        name, number = version_names[vid]
        kind: Literal["deployed", "released"] = "deployed" if kind_order == 0 else "released"
        live_version = LiveVersion(
            pacticipant=name, version=number, target=env_names[env_id], kind=kind, application_instance=instance or None
        )
        live.setdefault(env_id, []).append((vid, live_version))
    own_pubs: dict[int, list[_Pub]] = {}
    pubs_between: dict[tuple[int, int], list[_Pub]] = {}
    contents: dict[str, str] = {}
    rows = _rows(
        conn,
        "SELECT id, consumer_version_id, provider_id, content_hash, created_at FROM pc_publications"
        " WHERE is_current ORDER BY id",
    )
    for pub_id, consumer_vid, provider_id, content, created in rows:
        pub = (pub_id, consumer_vid, provider_id, contents.setdefault(content, content), created)
        own_pubs.setdefault(consumer_vid, []).append(pub)
        pubs_between.setdefault((provider_id, consumer_vid), []).append(pub)
    has_schemas = sql("SELECT 1 FROM pc_schema_subjects LIMIT 1").first() is not None
    return EstateSnapshot(
        token=token,
        has_schemas=has_schemas,
        environments=environments,
        live=live,
        version_ids=version_ids,
        version_names=version_names,
        pacticipant_names=names,
        own_pubs=own_pubs,
        pubs_between=pubs_between,
        results=_latest_results(conn, contents, to_datetime),
        to_datetime=to_datetime,
    )


def _rows(conn: Connection, statement: str) -> Iterator[Any]:
    """The rows of ``statement`` as the driver's plain tuples, fetched many at a time (no row objects: a build
    reads every verification)."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(statement)
        while batch := cursor.fetchmany(10_000):
            yield from batch
    finally:
        cursor.close()


def _later_or_same(created: Any, known: Any, to_datetime: Callable[[Any], Any] | None) -> bool:
    """Whether a result stored at ``created`` replaces one stored at ``known``, as `decide` compares them."""
    if created is None or known is None:
        return True
    if to_datetime is not None:
        created, known = to_datetime(created), to_datetime(known)
    return bool(created >= known)


def _latest_results(
    conn: Connection, contents: dict[str, str], to_datetime: Callable[[Any], Any] | None
) -> dict[str, dict[int, _Result]]:
    """Per content and provider version, the result `decide` takes as latest (the latest ``created_at``, the
    highest id on ties), marked to carry its failures only when it is also the highest id, as `attach_failures`
    does. Test results are read for failed results only."""
    rows = _rows(
        conn,
        "SELECT id, content_hash, provider_version_id, success, pending, branch, created_at,"
        " CASE WHEN success THEN NULL ELSE test_results END FROM pc_verifications WHERE kind = 'example' ORDER BY id",
    )
    latest: dict[str, dict[int, _Result]] = {}
    branches: dict[str, str] = {}
    for row_id, content, vid, success, pending, branch, created, stored in rows:
        by_version = latest.setdefault(contents.setdefault(content, content), {})
        known = by_version.get(vid)
        if known is not None and not _later_or_same(created, known[4], to_datetime):
            if known[6]:
                by_version[vid] = (*known[:6], False)  # a later id lost to an earlier time: no failures attach
            continue
        branch = None if branch is None else branches.setdefault(branch, branch)
        by_version[vid] = (row_id, bool(success), bool(pending), branch, created, stored, True)
    return latest
