"""can-i-deploy to an environment in one SQL statement: the live versions, the pacts and the verifications.

`environment_question` answers what `_reads.live_in_environment` plus `_reads.load_estate` answer
together, but as one round trip: common table expressions find the environment, its live slots,
the version asked about and the current publications that link them, and one ``UNION ALL`` returns
every fact as a tagged row. One statement also reads one consistent snapshot, so it needs no
transaction (on PostgreSQL the broker runs it in autocommit: no ``BEGIN``/``COMMIT`` round trips).
Its text never changes, so it is compiled once per dialect and psycopg prepares it server-side.

It gives up (returns None) when the environment does not exist, so the caller's slower path raises
the error listing the environments, and when the broker holds any schema subject, whose checks
need more queries (`polycontract.broker._embedded.schemas`,
`polycontract.broker._embedded.message_schemas`). `tests/broker` checks that it reads exactly what
the multi-query loaders read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Boolean, DateTime, Integer, String, text
from sqlalchemy.engine import Connection

from polycontract.broker._store.reads import attach_failures
from polycontract.matrix import Estate, LiveVersion, Publication, Verification

__all__ = ["EnvironmentQuestion", "environment_question"]

#: The first row types every column (PostgreSQL resolves the union's types from it). It looks the version up
#: again rather than reading ``me``: naming ``me`` there made SQLite plan the whole statement ~5x slower.
#: Tagged rows: ``env`` (n = 1 when any schema subject exists, vid = the version's id if it exists),
#: ``live`` (n = slot id, vid, a = pacticipant, b = version, c = kind, d = instance),
#: ``pub`` (n = 1 own / 0 theirs, a = consumer, b = consumer version, c = provider, d = content hash) and
#: ``ver`` (n = verification id, a = provider, b = provider version, c = branch, d = content hash, …).
_SQL = """
WITH env AS (
    SELECT id FROM pc_environments WHERE name = :environment
), live AS (
    SELECT d.id AS slot, 0 AS kind_order, d.version_id, d.application_instance AS instance
    FROM pc_deployments d
    WHERE d.environment_id = (SELECT id FROM env) AND d.currently_deployed
    UNION ALL
    SELECT r.id, 1, r.version_id, ''
    FROM pc_releases r
    WHERE r.environment_id = (SELECT id FROM env) AND r.currently_supported
), me AS (
    SELECT v.id AS version_id, v.pacticipant_id
    FROM pc_versions v JOIN pc_pacticipants p ON p.id = v.pacticipant_id
    WHERE p.name = :pacticipant AND v.number = :version
), pubs AS (
    SELECT 1 AS own, pub.id, pub.consumer_version_id, pub.provider_id, pub.content_hash
    FROM pc_publications pub JOIN me ON pub.consumer_version_id = me.version_id
    WHERE pub.is_current
    UNION ALL
    SELECT 0, pub.id, pub.consumer_version_id, pub.provider_id, pub.content_hash
    FROM pc_publications pub JOIN me ON pub.provider_id = me.pacticipant_id
    WHERE pub.is_current AND pub.consumer_version_id IN (SELECT version_id FROM live)
)
SELECT 'env' AS tag, CASE WHEN EXISTS (SELECT 1 FROM pc_schema_subjects) THEN 1 ELSE 0 END AS n,
    (SELECT v.id FROM pc_versions v JOIN pc_pacticipants p ON p.id = v.pacticipant_id
     WHERE p.name = :pacticipant AND v.number = :version) AS vid,
    CAST(NULL AS VARCHAR(255)) AS a, CAST(NULL AS VARCHAR(255)) AS b, CAST(NULL AS VARCHAR(255)) AS c,
    CAST(NULL AS VARCHAR(255)) AS d, CAST(NULL AS BOOLEAN) AS success,
    CAST(NULL AS BOOLEAN) AS pending, CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS created_at
FROM env
UNION ALL
SELECT 'live', live.slot * 2 + live.kind_order, live.version_id, p.name, v.number,
    CASE WHEN live.kind_order = 0 THEN 'deployed' ELSE 'released' END, live.instance, NULL, NULL, NULL
FROM live
JOIN pc_versions v ON v.id = live.version_id
JOIN pc_pacticipants p ON p.id = v.pacticipant_id
UNION ALL
SELECT 'pub', pubs.own, pubs.id, c.name, cv.number, prov.name, pubs.content_hash, NULL, NULL, NULL
FROM pubs
JOIN pc_versions cv ON cv.id = pubs.consumer_version_id
JOIN pc_pacticipants c ON c.id = cv.pacticipant_id
JOIN pc_pacticipants prov ON prov.id = pubs.provider_id
UNION ALL
SELECT 'ver', vr.id, NULL, prov.name, pv.number, vr.branch, vr.content_hash, vr.success, vr.pending, vr.created_at
FROM pc_verifications vr
JOIN pc_versions pv ON pv.id = vr.provider_version_id
JOIN pc_pacticipants prov ON prov.id = pv.pacticipant_id
WHERE vr.content_hash IN (SELECT content_hash FROM pubs WHERE own = 1)
    AND vr.provider_version_id IN (SELECT version_id FROM live) AND vr.kind = 'example'
UNION ALL
SELECT 'ver', vr.id, NULL, prov.name, pv.number, vr.branch, vr.content_hash, vr.success, vr.pending, vr.created_at
FROM pc_verifications vr
JOIN pc_versions pv ON pv.id = vr.provider_version_id
JOIN pc_pacticipants prov ON prov.id = pv.pacticipant_id
WHERE vr.content_hash IN (SELECT content_hash FROM pubs WHERE own = 0)
    AND vr.provider_version_id IN (SELECT version_id FROM me) AND vr.kind = 'example'
"""

_STATEMENT_TIMESTAMP = DateTime(timezone=True)
_STATEMENT = text(_SQL).columns(
    tag=String,
    n=Integer,
    vid=Integer,
    a=String,
    b=String,
    c=String,
    d=String,
    success=Boolean,
    pending=Boolean,
    created_at=_STATEMENT_TIMESTAMP,
)


def _rows(conn: Connection, params: dict[str, str]) -> list[Any]:
    """The statement's rows as plain tuples, each column decoded as `_STATEMENT` types it.

    On SQLite the driver runs `_SQL` as written (its named parameters are SQLite's) and only the timestamps need
    decoding, done with the dialect's own converter: the same values as through `_STATEMENT`, without a
    result-processing step per row.
    """
    if conn.dialect.name != "sqlite":
        return list(conn.execute(_STATEMENT, params))
    to_datetime = _STATEMENT_TIMESTAMP.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
    rows = conn.exec_driver_sql(_SQL, params).fetchall()
    if to_datetime is None:
        return list(rows)
    return [(*row[:9], None if row[9] is None else to_datetime(row[9])) if row[0] == "ver" else row for row in rows]


@dataclass(frozen=True, kw_only=True)
class EnvironmentQuestion:
    """The facts of one can-i-deploy question to an environment: what is live there, and the estate."""

    live: list[tuple[int, LiveVersion]]
    estate: Estate


def environment_question(
    conn: Connection, pacticipant: str, version: str, environment: str, known: frozenset[tuple[str, str]] = frozenset()
) -> EnvironmentQuestion | None:
    """The live versions of ``environment`` and the `Estate` of ``pacticipant`` ``version`` there, in one query.

    ``known`` adds (name, version) pairs known to exist (the ignore targets found). None when the
    environment does not exist or the broker holds schema subjects (the caller then takes the
    multi-query path, which raises or adds the schema facts).
    """
    params = {"environment": environment, "pacticipant": pacticipant, "version": version}
    found_env = schemas = found_me = False
    live: list[tuple[int, int, LiveVersion]] = []
    own: list[tuple[int, Publication]] = []
    theirs: list[tuple[int, Publication]] = []
    results: dict[int, Verification] = {}
    for tag, n, vid, a, b, c, d, success, pending, created_at in _rows(conn, params):
        if tag == "ver":
            results[n] = Verification(
                provider=a,
                provider_version=b,
                content_hash=d,
                success=bool(success),
                verified_at=created_at,
                pending=bool(pending),
                branch=c,
                id=n,
            )
        elif tag == "pub":
            publication = Publication(consumer=a, consumer_version=b, provider=c, content_hash=d)
            (own if n else theirs).append((vid, publication))
        elif tag == "live":
            kind: Literal["deployed", "released"] = "deployed" if c == "deployed" else "released"
            live_version = LiveVersion(
                pacticipant=a, version=b, target=environment, kind=kind, application_instance=d or None
            )
            live.append((n, vid, live_version))
        else:
            found_env, schemas, found_me = True, bool(n), vid is not None
    if not found_env or schemas:
        return None
    live.sort(key=lambda item: (item[0] % 2, item[0]))  # deployments, then releases, each by id
    pairs = [(vid, lv) for _, vid, lv in live]
    versions = {(lv.pacticipant, lv.version) for _, lv in pairs} | known
    if found_me:
        versions.add((pacticipant, version))
    own.sort(key=lambda item: item[0])
    theirs.sort(key=lambda item: item[0])
    estate = Estate(
        publications=tuple(p for _, p in own + theirs) if found_me else (),
        verifications=attach_failures(conn, [(i, results[i]) for i in sorted(results)]),
        live=tuple(lv for _, lv in pairs),
        versions=frozenset(versions),
    )
    return EnvironmentQuestion(live=pairs, estate=estate)
