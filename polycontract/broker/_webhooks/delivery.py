"""Sending webhook requests: a dispatcher owned by the `Broker` that works through the outbox, with a log.

Deliveries are rows of the outbox (`polycontract.broker._webhooks.outbox`), written by the transaction
that fired them, so a rolled-back publish never calls anybody and a committed one is never forgotten: a
stopped, killed or restarted process leaves its rows for the next dispatcher on the database (this
process after a restart, or another process sharing PostgreSQL). The dispatcher's thread claims due
rows for up to ``workers`` sending threads, each claim one attempt; a failed attempt makes the row due
again after a back-off. Every attempt (status code or error, response snippet, timestamps) is written to
``pc_webhook_deliveries`` in the transaction that settles its row, so a delivery is sent at least once
(twice only when a process dies between sending and logging). httpx is imported by the worker, so a
broker that never fires a webhook never loads it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from polycontract.broker._store.engine import WRITE
from polycontract.broker._store.tables import webhook_deliveries
from polycontract.broker._webhooks import outbox
from polycontract.broker._webhooks.events import backoff_delay
from polycontract.broker._webhooks.outbox import Claimed, PlannedDelivery
from polycontract.broker._webhooks.sending import TargetSlots, send
from polycontract.broker._webhooks.targets import WebhookPolicy

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import Connection

__all__ = ["PlannedDelivery", "WebhookDispatcher"]

_LOG = logging.getLogger("polycontract.broker.webhooks")
#: Seconds a delivery waits while another attempt to its target is in flight.
_BUSY_RETRY = 0.25
#: How often `flush` looks whether deliveries another process took over have finished.
_FLUSH_POLL = 0.2

#: What an attempt ended with: status code, error (None when it succeeded) and the response's first characters.
_Outcome = tuple[int | None, str | None, str | None]


class WebhookDispatcher:
    """Sends the outbox's due deliveries on up to ``workers`` threads, looking for due rows every ``poll``
    seconds once started (`start`, or the first `submit`); `flush` waits, `close` drains and stops."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime],
        *,
        attempts: int = 3,
        backoff: float = 1.0,
        workers: int = 4,
        poll: float = 1.0,
        policy: Callable[[], WebhookPolicy] = WebhookPolicy.permissive,
    ) -> None:
        self._engine = engine
        self._reader = engine.execution_options(**{WRITE: False})
        self._clock = clock
        self.attempts = attempts
        self.backoff = backoff
        self._workers = workers
        self._poll = poll
        self._policy = policy
        #: One attempt at a time per target, so a slow target holds one worker and the others keep sending.
        self._slots = TargetSlots(per_target=1)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._poller: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        #: Deliveries planned or claimed here and not yet seen finished (what `flush` waits for).
        self._known: set[str] = set()
        self._in_flight: set[Future[None]] = set()

    def start(self) -> None:
        """Send due deliveries from now on, those other processes left included (a no-op if started or closed)."""
        with self._lock:
            if self._stopping.is_set() or self._poller is not None:
                return
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="polycontract-webhook")
            self._poller = threading.Thread(target=self._run, name="polycontract-webhook-outbox", daemon=True)
            self._poller.start()

    def submit(self, deliveries: Iterable[str]) -> None:
        """Send the outbox rows ``deliveries`` (just committed) soon; starts the dispatcher if needed."""
        found = list(deliveries)
        if not found:
            return
        with self._lock:
            if self._stopping.is_set():
                return  # closing: they wait in the outbox for the next dispatcher
            self._known.update(found)
        self.start()
        self._wake.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                pause = self._dispatch_due()
            except DBAPIError as exc:  # the database is away: try again later, the rows wait
                _LOG.warning("webhook outbox unavailable: %s", type(exc.orig).__name__)
                pause = self._poll
            except Exception:  # keep dispatching: the rows wait, and their claims run out
                _LOG.exception("webhook dispatcher failed to claim deliveries")
                pause = self._poll
            self._wake.wait(pause)

    def _dispatch_due(self) -> float:
        """Claim what the free threads can send now; the seconds until it is worth looking again."""
        with self._lock:
            free = self._workers - len(self._in_flight)
        if free <= 0:
            return self._poll  # a finishing attempt wakes the loop
        claimed = outbox.claim(self._reader, self._engine, free)
        for held in claimed:
            with self._lock:
                if self._stopping.is_set() or self._pool is None:
                    return 0.0  # closing: the claims run out and another dispatcher takes the rows
                self._known.add(held.delivery)
                future = self._pool.submit(self._attempt, held)
                self._in_flight.add(future)
            future.add_done_callback(self._finished)
        if len(claimed) == free:
            return self._poll
        due = outbox.next_due(self._reader)
        if due is None:
            return self._poll
        return min(self._poll, max(0.01, (due - outbox.now()).total_seconds()))

    def _finished(self, future: Future[None]) -> None:
        with self._lock:
            self._in_flight.discard(future)
            self._changed.notify_all()
        self._wake.set()
        if not future.cancelled() and future.exception() is not None:
            _LOG.error("webhook delivery failed unexpectedly", exc_info=future.exception())

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every delivery planned or claimed here finished (all attempts, whichever process sent
        them); False if ``timeout`` ran out, or the dispatcher closed, first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                known = set(self._known)
            if not known:
                return True
            left = outbox.pending(self._reader, known)
            with self._lock:
                self._known -= known - left
            if not left:
                return True
            remaining = _FLUSH_POLL if deadline is None else deadline - time.monotonic()
            if remaining <= 0 or self._stopping.is_set():
                return False
            with self._changed:
                self._changed.wait(min(remaining, _FLUSH_POLL))

    def close(self, timeout: float = 10.0, *, drain_queue: bool = True) -> None:
        """Stop sending: first let queued deliveries finish (``drain_queue``) or only the attempts in flight,
        for up to ``timeout`` seconds in all. What is left stays in the outbox for the next dispatcher."""
        deadline = time.monotonic() + timeout
        if drain_queue and not self._stopping.is_set():
            self.flush(timeout)
        with self._lock:
            self._stopping.set()
            poller, self._poller = self._poller, None
            pool, self._pool = self._pool, None
            in_flight = set(self._in_flight)
        self._wake.set()
        if poller is not None:
            poller.join(max(0.0, deadline - time.monotonic()))
        drained = not wait(in_flight, timeout=max(0.0, deadline - time.monotonic())).not_done
        if pool is not None:
            pool.shutdown(wait=drained, cancel_futures=True)

    def send_once(self, delivery: PlannedDelivery) -> str:
        """Send ``delivery`` now on the calling thread, one attempt, logged; returns the delivery id."""
        group = str(uuid.uuid4())
        started = self._clock()
        self._log(delivery, group, 1, started, self._send(delivery))
        return group

    def _attempt(self, held: Claimed) -> None:
        """One attempt of a claimed row, logged and settled in one transaction."""
        started = self._clock()
        with self._slots.hold(held.request.url) as free:
            if not free:  # its target is busy with another attempt: the row waits a moment, not counted as one
                with self._engine.begin() as conn:
                    outbox.release(conn, held, retry_in=_BUSY_RETRY)
                return
            outcome = self._send(held.request)
        last = outcome[1] is None or held.attempt >= self.attempts
        retry_in = backoff_delay(held.attempt, self.backoff)
        self._log(
            held.request,
            held.delivery,
            held.attempt,
            started,
            outcome,
            lambda conn: outbox.settle(conn, held, last=last, retry_in=retry_in),
        )
        if last:
            with self._lock:
                self._known.discard(held.delivery)

    def _send(self, delivery: PlannedDelivery) -> _Outcome:
        """One guarded attempt (`polycontract.broker._webhooks.sending.send`): allowed targets only, the webhook's
        timeout as the whole attempt's deadline, the reply read up to a cap."""
        result = send(
            method=delivery.method,
            url=delivery.url,
            headers=delivery.headers,
            body=delivery.body.encode(),
            deadline=delivery.timeout,
            policy=self._policy(),
        )
        return result.status, result.error, result.excerpt

    def _log(
        self,
        delivery: PlannedDelivery,
        group: str,
        attempt: int,
        started: datetime,
        outcome: _Outcome,
        settle: Callable[[Connection], None] | None = None,
    ) -> None:
        status, error, snippet = outcome
        if error is not None:
            _LOG.warning("webhook %s %s attempt %d: %s", delivery.webhook_id, delivery.event, attempt, error)
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    webhook_deliveries.insert().values(
                        webhook_id=delivery.webhook_id,
                        delivery=group,
                        event=delivery.event,
                        attempt=attempt,
                        status_code=status,
                        error=error,
                        response=snippet,
                        started_at=started,
                        finished_at=self._clock(),
                    )
                )
                if settle is not None:
                    settle(conn)
        except DBAPIError as exc:  # e.g. the webhook was deleted meanwhile (its outbox rows went with it)
            _LOG.warning("could not log webhook %s delivery: %s", delivery.webhook_id, type(exc.orig).__name__)
