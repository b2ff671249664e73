"""The webhook outbox: planned deliveries as rows of ``pc_webhook_outbox``, claimed, retried and removed.

A write that fires webhooks adds their rendered requests here in its own transaction (`enqueue`), so a
delivery exists exactly when the write committed, whatever happens to the process afterwards. A dispatcher
claims due rows (`claim`: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so processes sharing a database never
take one row twice; on SQLite the claim runs under the write lock, one claimer at a time) for a lease of
twice the attempt's timeout plus a second. A claim whose lease ran out belongs to a process that died (or
stalled), and any dispatcher takes it again: a delivery is sent at least once. `settle` logs an attempt and,
in the same transaction, removes the row (the last attempt) or schedules the next one.

Times here are real UTC time, not the broker's clock: several processes compare them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, func, or_, select

from polycontract.broker._store.tables import webhook_outbox as outbox

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Engine
    from sqlalchemy.engine import Connection, Row

__all__ = ["Claimed", "PlannedDelivery", "claim", "enqueue", "next_due", "now", "pending", "release", "settle"]

#: How many delivery ids one ``IN (…)`` lists (SQLite allows a few thousand bound values per statement).
_CHUNK = 500


@dataclass(frozen=True, kw_only=True)
class PlannedDelivery:
    """One rendered request for one webhook and event, ready to send."""

    webhook_id: int
    event: str
    method: str
    url: str
    headers: dict[str, str]
    body: str
    timeout: float


@dataclass(frozen=True, kw_only=True)
class Claimed:
    """A row one dispatcher holds: send ``request`` as attempt ``attempt`` of delivery ``delivery``."""

    id: int
    delivery: str
    attempt: int
    claim: str
    request: PlannedDelivery


def now() -> datetime:
    """The outbox's time: UTC wall-clock time."""
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    """A time read back (SQLite returns it without its zone; every stored time is UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def lease(timeout: float) -> timedelta:
    """How long a claim on a delivery with attempt ``timeout`` holds: twice the timeout plus a second."""
    return timedelta(seconds=2 * timeout + 1)


def enqueue(conn: Connection, planned: Iterable[PlannedDelivery]) -> list[str]:
    """Add ``planned`` to the outbox inside the firing transaction (due now); their delivery ids."""
    at = now()
    rows: list[dict[str, Any]] = [
        {
            "webhook_id": p.webhook_id,
            "delivery": str(uuid.uuid4()),
            "event": p.event,
            "method": p.method,
            "url": p.url,
            "headers": json.dumps(p.headers),
            "body": p.body,
            "timeout_seconds": p.timeout,
            "attempts": 0,
            "due_at": at,
            "created_at": at,
        }
        for p in planned
    ]
    if rows:
        conn.execute(outbox.insert(), rows)
    return [r["delivery"] for r in rows]


def _claimable(at: datetime) -> ColumnElement[bool]:
    return and_(outbox.c.due_at <= at, or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < at))


def claim(reader: Engine, writer: Engine, limit: int) -> list[Claimed]:
    """Claim up to ``limit`` due rows (unclaimed, or their lease ran out), oldest due first.

    A read finds whether anything is due first, so an idle broker never takes SQLite's write lock to poll.
    """
    at = now()
    due = select(outbox.c.id).where(_claimable(at)).order_by(outbox.c.due_at, outbox.c.id).limit(limit)
    with reader.connect() as conn:
        if not conn.execute(due).first():
            return []
    token = str(uuid.uuid4())
    with writer.begin() as conn:
        rows = conn.execute(
            select(outbox)
            .where(_claimable(at))
            .order_by(outbox.c.due_at, outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if rows:
            conn.execute(
                outbox.update()
                .where(outbox.c.id == bindparam("row"))
                .values(claim=token, lease_until=bindparam("until")),
                [{"row": r.id, "until": at + lease(r.timeout_seconds)} for r in rows],
            )
    return [_claimed(r, token) for r in rows]


def _claimed(row: Row[Any], token: str) -> Claimed:
    request = PlannedDelivery(
        webhook_id=row.webhook_id,
        event=row.event,
        method=row.method,
        url=row.url,
        headers=json.loads(row.headers),
        body=row.body,
        timeout=row.timeout_seconds,
    )
    return Claimed(id=row.id, delivery=row.delivery, attempt=row.attempts + 1, claim=token, request=request)


def settle(conn: Connection, held: Claimed, *, last: bool, retry_in: float) -> None:
    """After an attempt (in the transaction that logs it): remove the row if it was the ``last``, else make it
    due again in ``retry_in`` seconds. A claim taken over meanwhile (its lease ran out) is left to its new holder."""
    if last:
        conn.execute(outbox.delete().where(_mine(held)))
    else:
        _hand_back(conn, held, retry_in, attempts=held.attempt)


def release(conn: Connection, held: Claimed, *, retry_in: float) -> None:
    """Hand a claimed row back without an attempt (its target was busy): due again in ``retry_in`` seconds, its
    attempts as they were."""
    _hand_back(conn, held, retry_in, attempts=held.attempt - 1)


def _mine(held: Claimed) -> ColumnElement[bool]:
    """The row ``held`` names, while its claim is still this one."""
    return and_(outbox.c.id == held.id, outbox.c.claim == held.claim)


def _hand_back(conn: Connection, held: Claimed, retry_in: float, *, attempts: int) -> None:
    again = now() + timedelta(seconds=retry_in)
    conn.execute(
        outbox.update().where(_mine(held)).values(attempts=attempts, due_at=again, claim=None, lease_until=None)
    )


def next_due(reader: Engine) -> datetime | None:
    """When the earliest unclaimed row falls due (None: none waits)."""
    with reader.connect() as conn:
        found = conn.execute(select(func.min(outbox.c.due_at)).where(outbox.c.claim.is_(None))).scalar()
    return None if found is None else _utc(found)


def pending(reader: Engine, deliveries: Collection[str]) -> set[str]:
    """Which of ``deliveries`` are still in the outbox (not finished)."""
    wanted = list(deliveries)
    found: set[str] = set()
    with reader.connect() as conn:
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            found.update(conn.execute(select(outbox.c.delivery).where(outbox.c.delivery.in_(chunk))).scalars())
    return found
