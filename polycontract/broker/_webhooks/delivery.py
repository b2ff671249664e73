"""Sending webhook requests: a small thread pool owned by the `Broker`, with retries and a log.

Requests are planned inside the write transaction that fired them and handed over only after it
commits, so a rolled-back publish never calls anybody. Every attempt (status code or error,
response snippet, timestamps) is written to ``pc_webhook_deliveries``. httpx is imported by the
worker, so a broker that never fires a webhook never loads it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError

from polycontract.broker._store.tables import webhook_deliveries
from polycontract.broker._webhooks.events import backoff_delay

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["PlannedDelivery", "WebhookDispatcher"]

_LOG = logging.getLogger("polycontract.broker.webhooks")
_SNIPPET = 500


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


class WebhookDispatcher:
    """Sends planned deliveries on up to ``workers`` threads; `flush` waits, `close` drains and stops."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime],
        *,
        attempts: int = 3,
        backoff: float = 1.0,
        workers: int = 4,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.attempts = attempts
        self.backoff = backoff
        self._workers = workers
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self._client: Any = None
        self._pending: set[Future[None]] = set()

    def submit(self, planned: Iterable[PlannedDelivery]) -> None:
        """Queue ``planned`` for sending (a no-op once closed)."""
        with self._lock:
            if self._stopping.is_set():
                return
            for delivery in planned:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="polycontract-webhook")
                future = self._pool.submit(self._deliver, delivery)
                self._pending.add(future)
                future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued delivery finished (all attempts); False if ``timeout`` ran out."""
        with self._lock:
            pending = set(self._pending)
        return not wait(pending, timeout=timeout).not_done

    def close(self, timeout: float = 10.0) -> None:
        """Let queued deliveries finish for up to ``timeout`` seconds, then stop retrying and shut down."""
        drained = self.flush(timeout)
        with self._lock:
            self._stopping.set()
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=drained, cancel_futures=True)
        if self._client is not None:
            self._client.close()
            self._client = None

    def _http(self) -> Any:
        with self._lock:
            if self._client is None:
                import httpx

                self._client = httpx.Client(follow_redirects=False)
            return self._client

    def send_once(self, delivery: PlannedDelivery) -> str:
        """Send ``delivery`` now on the calling thread, one attempt, logged; returns the delivery id."""
        group = str(uuid.uuid4())
        self._send(delivery, group, 1)
        return group

    def _deliver(self, delivery: PlannedDelivery) -> None:
        group = str(uuid.uuid4())
        for attempt in range(1, self.attempts + 1):
            if self._send(delivery, group, attempt):
                return
            if attempt < self.attempts and self._stopping.wait(backoff_delay(attempt, self.backoff)):
                return  # closing: stop retrying

    def _send(self, delivery: PlannedDelivery, group: str, attempt: int) -> bool:
        import httpx

        started = self._clock()
        status: int | None = None
        error: str | None = None
        snippet: str | None = None
        try:
            response = self._http().request(
                delivery.method,
                delivery.url,
                headers=delivery.headers,
                content=delivery.body.encode(),
                timeout=httpx.Timeout(delivery.timeout),
            )
            status, snippet = response.status_code, response.text[:_SNIPPET]
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except httpx.TimeoutException:
            error = f"timed out after {delivery.timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:_SNIPPET]
        self._log(delivery, group, attempt, started, status, error, snippet)
        return error is None

    def _log(
        self,
        delivery: PlannedDelivery,
        group: str,
        attempt: int,
        started: datetime,
        status: int | None,
        error: str | None,
        snippet: str | None,
    ) -> None:
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
        except DBAPIError as exc:  # e.g. the webhook was deleted meanwhile
            _LOG.warning("could not log webhook %s delivery: %s", delivery.webhook_id, exc.orig)
