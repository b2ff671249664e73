"""Threads the mock servers of a process share: started once, reused by every server after.

A consumer suite starts one mock server per test. Starting a thread costs a system call and a wait
for the new thread to run, twice per test (the accept loop, then the connection); a thread kept from
an earlier server takes the work with one queue hand-off instead, and the starter does not wait.
Idle threads beyond `MAX_IDLE` end. Every thread is a daemon, as the servers' own were.

>>> import threading
>>> done = threading.Event()
>>> submit(done.set)
>>> done.wait(5)
True
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable

__all__ = ["MAX_IDLE", "submit"]

#: Idle threads kept for the next server; more end when their work is done.
MAX_IDLE = 8


class _Workers:
    """A pool of daemon threads taking one callable at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tasks: queue.SimpleQueue[Callable[[], object]] = queue.SimpleQueue()
        self._idle = 0

    def submit(self, task: Callable[[], object]) -> None:
        """Run ``task`` on an idle thread, or on a new one when none is idle."""
        with self._lock:
            if self._idle > 0:
                self._idle -= 1
                self._tasks.put(task)
                return
        thread = threading.Thread(target=self._work, args=(task,), name="polycontract-mock", daemon=True)
        thread.start()

    def _work(self, task: Callable[[], object]) -> None:
        while True:
            with contextlib.suppress(Exception):  # tasks report their own errors; the thread stays usable
                task()
            with self._lock:
                if self._idle >= MAX_IDLE:
                    return
                self._idle += 1
            task = self._tasks.get()


_WORKERS = _Workers()


def _after_fork() -> None:
    # The threads of the parent do not exist in a forked child: start from none.
    global _WORKERS
    _WORKERS = _Workers()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def submit(task: Callable[[], object]) -> None:
    """Run ``task`` on a thread of the process's mock servers (a daemon), without waiting for it to start."""
    _WORKERS.submit(task)
