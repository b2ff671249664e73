"""``/matrix`` with several ``q[]`` selectors: the rows between the selected versions of each pacticipant.

The Pact Broker's matrix takes one selector per pacticipant (``q[][pacticipant]=Foo&q[][version]=1.2.3&
q[][pacticipant]=Bar&q[][latest]=true&q[][tag]=prod``) and answers the rows whose consumer and provider
versions are both selected (pact_broker ``lib/pact_broker/matrix/repository.rb``, ``parse_query.rb``):
a selector with only a pacticipant selects all its versions; ``success[]=true`` keeps successful rows;
``ignore[]`` rows are shown with ``ignored: true`` and left out of the verdict. An unknown pacticipant is a
400; a version that does not exist selects nothing, and the summary says so (``deployable: false``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from polycontract.broker._api import catalog_queries as catalog
from polycontract.broker._api.common import HttpError, base_url, hal
from polycontract.broker._embedded.broker import Broker
from polycontract.broker._store.tables import pacticipants, publications, versions
from polycontract.matrix import Ignore, Row

__all__ = ["several", "with_created_at"]

RowJson = Callable[[str, Row], dict[str, Any]]
Resolve = Callable[[Broker, dict[str, str]], Any]


def _ignored(row: Row, ignores: Sequence[Ignore]) -> bool:
    for ignore in ignores:
        for name, number in ((row.consumer, row.consumer_version), (row.provider, row.provider_version)):
            if ignore.pacticipant == name and (ignore.version is None or ignore.version == number):
                return True
    return False


def _between(
    broker: Broker, chosen: list[tuple[str, list[str] | None]], ignores: Sequence[Ignore], limit: int
) -> list[Row]:
    """Rows of the first selector's versions whose counterpart is another selector's version."""
    allowed = dict(chosen)
    found: list[Row] = []
    seen: set[tuple[Any, ...]] = set()
    for name, numbers in chosen:
        for number in numbers if numbers is not None else [None]:
            for row in broker.matrix(name, version=number, limit=limit):
                mine = row.consumer == name
                counterpart, other = (
                    (row.provider, row.provider_version) if mine else (row.consumer, row.consumer_version)
                )
                if counterpart not in allowed or counterpart == name:
                    continue
                wanted = allowed[counterpart]
                if wanted is not None and other not in wanted:
                    continue
                key = (row.consumer, row.consumer_version, row.provider, row.provider_version, row.content_hash)
                if key not in seen:
                    seen.add(key)
                    found.append(row if not _ignored(row, ignores) else _as_ignored(row))
    found.sort(key=lambda r: (r.consumer, r.provider))
    return found[:limit]


def _as_ignored(row: Row) -> Row:
    from dataclasses import replace

    return replace(row, ignored=True)


async def several(
    request: Request,
    selectors: list[dict[str, str]],
    ignores: list[Ignore],
    *,
    limit: int,
    resolve: Resolve,
    row_json: RowJson,
) -> Response:
    """``GET /matrix`` with a ``q[]`` selector per pacticipant: the rows between the selected versions.

    ``resolve(broker, selector)`` gives the versions a selector names (None: all of them).
    """
    broker: Broker = request.app.state.broker
    base = base_url(request)
    chosen: list[tuple[str, list[str] | None]] = []
    missing_versions: list[str] = []
    for selector in selectors:
        name = selector["pacticipant"]
        if not name:
            raise HttpError(400, "q[][pacticipant] must be a non-empty name", parameter="q[][pacticipant]")
        known = await run_in_threadpool(catalog.version_numbers, broker, name)
        if known is None:
            raise HttpError(400, f"the pacticipant {name!r} is not known to the broker", parameter="q[][pacticipant]")
        numbers = await resolve(broker, selector)
        if numbers is not None:
            numbers = [n for n in numbers if n in known]
            if not numbers:
                missing_versions.append(f"{name} {selector.get('version', '(as selected)')}")
        chosen.append((name, numbers))
    rows = await run_in_threadpool(_between, broker, chosen, ignores, limit)
    if request.query_params.get("success[]") == "true":
        rows = [r for r in rows if r.success is True]
    answer = _answer(base, rows, missing_versions, row_json)
    return hal(await run_in_threadpool(with_created_at, broker, rows, answer))


def with_created_at(broker: Broker, rows: Sequence[Row], answer: dict[str, Any]) -> dict[str, Any]:
    """``answer`` (whose ``matrix`` lists ``rows`` in order) with each row's ``pact.createdAt``.

    The Pact Broker shows when the row's consumer version published the pact
    (pact_broker ``lib/pact_broker/api/decorators/matrix_decorator.rb``, ``pact: {createdAt}``).
    """
    created = _published_at(broker, rows)
    for row, out in zip(rows, answer.get("matrix", []), strict=False):
        when = created.get((row.consumer, row.consumer_version, row.content_hash))
        if out.get("pact") is not None and when is not None:
            out["pact"]["createdAt"] = when
    return answer


def _published_query(array: bool) -> Any:
    """Each current publication of some contents (``:hashes``) with its consumer and version; ``array``: the list
    is one PostgreSQL array parameter (one statement text whatever its length), else an expanding ``IN``."""
    hashes = bindparam("hashes", type_=ARRAY(String)) if array else bindparam("hashes", expanding=True)
    wanted = publications.c.content_hash == any_(hashes) if array else publications.c.content_hash.in_(hashes)
    return (
        select(pacticipants.c.name, versions.c.number, publications.c.content_hash, publications.c.created_at)
        .select_from(publications.join(versions, publications.c.consumer_version_id == versions.c.id))
        .join(pacticipants, versions.c.pacticipant_id == pacticipants.c.id)
        .where(wanted, publications.c.is_current)
    )


_PUBLISHED = {False: _published_query(array=False), True: _published_query(array=True)}


def _published_at(broker: Broker, rows: Sequence[Row]) -> dict[tuple[str, str, str | None], str]:
    """When each row's consumer version published the row's pact (the Pact Broker's ``pact.createdAt``)."""
    hashes = sorted({r.content_hash for r in rows if r.content_hash is not None})
    if not hashes:
        return {}
    index = broker.internals.store.estate_index
    snapshot = None if index is None else index.fresh()
    if snapshot is not None:  # the data is still at the snapshot's revision: the same answer as the query
        known: dict[tuple[str, str, str | None], str] = {}
        for row in rows:
            key = (row.consumer, row.consumer_version, row.content_hash)
            created = None if row.content_hash is None else snapshot.published_at(*key[:2], row.content_hash)
            if created is not None:
                known[key] = created.isoformat()
        return known
    with broker.internals.store.single_read() as conn:
        query = _PUBLISHED[conn.dialect.name == "postgresql"]
        found = conn.execute(query, {"hashes": hashes})
        return {(name, number, content): created.isoformat() for name, number, content, created in found}


def _answer(base: str, rows: list[Row], missing_versions: list[str], row_json: RowJson) -> dict[str, Any]:
    counted = [r for r in rows if not r.ignored]
    failed = sum(r.success is False for r in counted)
    unknown = sum(r.success is None for r in counted)
    success = len(counted) - failed - unknown
    notices: list[dict[str, str]] = []
    if missing_versions:
        reason = "no such version: " + ", ".join(missing_versions)
        deployable = False
        notices.append({"type": "error", "text": reason})
    elif not counted:
        reason, deployable = "no verified pacts between the selected versions", False
    else:
        deployable = not failed and not unknown
        reason = f"{len(counted)} rows: {success} successful, {failed} failed, {unknown} unverified"
    ignored = len(rows) - len(counted)
    notices += [{"type": "info", "text": reason}]
    if ignored:
        notices.append({"type": "info", "text": f"{ignored} rows ignored (ignore[] selectors)"})
    summary = {
        "deployable": deployable,
        "reason": reason,
        "success": success,
        "failed": failed,
        "unknown": unknown,
        "ignored": ignored,
    }
    return {"summary": summary, "notices": notices, "matrix": [row_json(base, r) for r in rows]}
