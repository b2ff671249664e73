"""A small thread pool of its own for slow calls out of the server (``POST /webhooks/{uuid}/execute``).

Starlette runs blocking work on one shared thread pool; a call that waits on another server (a webhook
target, up to its deadline) would take threads every other request needs. `BoundedPool` runs such calls on
``workers`` threads of its own, lets at most ``waiting`` more queue, and answers 503 at once beyond that.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from polycontract.broker._api.common import HttpError

__all__ = ["BoundedPool"]

T = TypeVar("T")


class BoundedPool:
    """Runs blocking calls on ``workers`` threads with room for ``waiting`` more; `HttpError` 503 when full."""

    def __init__(self, name: str, *, workers: int = 4, waiting: int = 4) -> None:
        self._name = name
        self._workers = workers
        self._room = threading.BoundedSemaphore(workers + waiting)
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix=f"polycontract-{self._name}")
            return self._pool

    async def run(self, call: Callable[[], T]) -> T:
        """``call()`` on the pool; 503 without waiting when it is full."""
        if not self._room.acquire(blocking=False):
            raise HttpError(503, f"too many {self._name} calls at once: try again shortly")

        def guarded() -> T:
            try:
                return call()
            finally:  # released when the call ends, even if the client gave up waiting for it
                self._room.release()

        try:
            future = asyncio.get_running_loop().run_in_executor(self._executor(), guarded)
        except BaseException:
            self._room.release()
            raise
        return await future
