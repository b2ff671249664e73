"""Publishing one pact inside the caller's write transaction, in as few statements as the usual case allows.

`publish_in` does what the generic get-or-create helpers of `polycontract.broker._store.writes` would do,
but reads the consumer, the provider and the consumer version in one query, creates a new version
with ``INSERT … RETURNING``, and runs statements built once (only their parameters change). Whatever
is unusual (a new pacticipant, a version whose branch changes, tags, a concurrent writer creating
the same version) goes through the generic helpers, so the rules live in one place. The consumer
row is locked before the current publication is read, in its own statement, so concurrent
publishers of one consumer version queue instead of both creating revision 1.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, and_, bindparam, select
from sqlalchemy.engine import Connection

from polycontract.broker._store.main_branch import maybe_set_main_branch
from polycontract.broker._store.tables import pact_contents, pacticipants, publications, versions
from polycontract.broker._store.writes import ensure_pacticipant, ensure_version
from polycontract.broker._values.pact_form import published_text
from polycontract.broker._values.records import PublishResult
from polycontract.broker._webhooks.planning import plan_publication
from polycontract.errors import StorageError

if TYPE_CHECKING:
    from polycontract.model import PactDocument

__all__ = ["PublishResult", "publish_in"]


#: The consumer and provider (by name), with the consumer's version ``number`` when it exists.
_KNOWN = (
    select(
        pacticipants.c.id,
        pacticipants.c.name,
        pacticipants.c.main_branch,
        versions.c.id.label("version_id"),
        versions.c.branch,
    )
    .select_from(
        pacticipants.outerjoin(
            versions,
            and_(
                versions.c.pacticipant_id == pacticipants.c.id,
                versions.c.number == bindparam("number"),
                pacticipants.c.name == bindparam("consumer"),
            ),
        )
    )
    .where(pacticipants.c.name.in_([bindparam("consumer"), bindparam("provider")]))
)
_LOCK = select(pacticipants.c.id).where(pacticipants.c.id == bindparam("id")).with_for_update(key_share=True)
_CURRENT = select(publications.c.id, publications.c.content_hash, publications.c.revision).where(
    publications.c.consumer_version_id == bindparam("version_id"),
    publications.c.provider_id == bindparam("provider_id"),
    publications.c.is_current,
)
_RETIRE = publications.update().where(publications.c.id == bindparam("current_id")).values(is_current=False)
_INSERT_PUBLICATION = publications.insert()


@functools.cache
def _insert_ignore(dialect: str, table: Table, *, returning_id: bool = False) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` into ``table`` for ``dialect`` (values passed as parameters).

    Built on first use per dialect, so a process on SQLite never imports the PostgreSQL dialect (and asyncio).
    """
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(table).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table).on_conflict_do_nothing()
    return statement.returning(table.c.id) if returning_id else statement


def publish_in(
    conn: Connection,
    pact: PactDocument,
    *,
    consumer_version: str,
    branch: str | None,
    tags: tuple[str, ...],
    allow_overwrite: bool,
    now: datetime,
    public_url: str,
) -> PublishResult:
    """Publish ``pact`` for ``consumer_version`` on ``conn`` (see `polycontract.broker.Broker.publish_pact`)."""
    from polycontract.codec import content_hash  # loaded only by commands that need pacts

    digest = content_hash(pact)
    dialect = conn.dialect.name
    found = {
        row.name: row
        for row in conn.execute(
            _KNOWN, {"consumer": pact.consumer, "provider": pact.provider, "number": consumer_version}
        )
    }
    consumer, provider = found.get(pact.consumer), found.get(pact.provider)
    consumer_id = consumer.id if consumer is not None else ensure_pacticipant(conn, pact.consumer, now)
    provider_id = provider.id if provider is not None else ensure_pacticipant(conn, pact.provider, now)
    version_id = _known_version(conn, consumer, consumer_id, consumer_version, branch, tags, now)
    if version_id is None:
        version_id = ensure_version(conn, consumer_id, consumer_version, now, branch=branch, tag_names=tags)
    if dialect == "postgresql":  # SQLite writers are serial already (BEGIN IMMEDIATE)
        conn.execute(_LOCK, {"id": consumer_id})
    current = conn.execute(_CURRENT, {"version_id": version_id, "provider_id": provider_id}).first()
    result = PublishResult(
        consumer=pact.consumer,
        consumer_version=consumer_version,
        provider=pact.provider,
        content_hash=digest,
        outcome="created" if current is None else "overwritten",
    )
    if current is not None and current.content_hash == digest:
        return replace(result, outcome="unchanged")
    if current is not None and not allow_overwrite:
        raise StorageError(
            f"{pact.consumer} {consumer_version} already published different pact content for {pact.provider}"
            f" ({current.content_hash[:8]}, now {digest[:8]}); publish under a new consumer version,"
            " or pass allow_overwrite=True (--allow-overwrite) if that version was never deployed"
        )
    content = {"consumer_id": consumer_id, "provider_id": provider_id, "created_at": now}
    conn.execute(
        _insert_ignore(dialect, pact_contents),
        {"content_hash": digest, "content": published_text(pact, digest), **content},
    )
    if current is not None:
        conn.execute(_RETIRE, {"current_id": current.id})
    conn.execute(
        _INSERT_PUBLICATION,
        {
            "consumer_version_id": version_id,
            "provider_id": provider_id,
            "content_hash": digest,
            "revision": 1 if current is None else current.revision + 1,
            "is_current": True,
            "created_at": now,
        },
    )
    previous = None if current is None else current.content_hash
    plan_publication(conn, result, branch=branch, previous_hash=previous, base_url=public_url)
    return result


def _known_version(
    conn: Connection,
    consumer: Any,
    consumer_id: int,
    number: str,
    branch: str | None,
    tags: tuple[str, ...],
    now: datetime,
) -> int | None:
    """The version's id when the usual cases settle it in at most one write, else None (use `ensure_version`).

    Usual: the version exists with that branch (or none is given) and no tags; or it is new, without tags,
    and ``INSERT … RETURNING`` creates it (then the main branch is set as `ensure_version` would).
    """
    if tags or not number.strip() or not conn.dialect.insert_returning:  # RETURNING: SQLite 3.35+
        return None
    main_branch_unset = consumer is None or consumer.main_branch is None
    if consumer is not None and consumer.version_id is not None:
        if branch is not None and (consumer.branch != branch or main_branch_unset):
            return None
        return int(consumer.version_id)
    values = {"pacticipant_id": consumer_id, "number": number, "branch": branch, "created_at": now}
    created = conn.execute(_insert_ignore(conn.dialect.name, versions, returning_id=True), values).scalar()
    if created is None:  # another writer created it meanwhile
        return None
    if main_branch_unset:
        maybe_set_main_branch(conn, consumer_id, branch)
    return int(created)
