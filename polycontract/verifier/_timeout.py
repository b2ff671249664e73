"""Time limits for user code that may hang: state handlers, message producers, in-process WSGI apps.

Python cannot stop a thread from outside. On the main thread of a POSIX process `Alarm` runs the call
in place under a ``SIGALRM`` timer that raises inside it (a few microseconds a call); elsewhere
`Worker` runs it in one daemon thread and abandons that thread if the call does not finish.

>>> Alarm().call(lambda: 42, 1.0) if Alarm().usable() else (True, 42)
(True, 42)
"""

from __future__ import annotations

import queue
import signal
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Alarm", "Worker"]


class Worker:
    """One daemon thread that runs calls handed to it; abandoned (and replaced) when a call hangs."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Job] | None] = queue.SimpleQueue()
        thread = threading.Thread(target=self._run, name="polycontract-state-handlers", daemon=True)
        thread.start()

    def _run(self) -> None:
        while (item := self._jobs.get()) is not None:
            call, job = item
            try:
                job.value = call()
            except BaseException as exc:
                job.error = exc
            job.done.set()

    def call(self, call: Callable[[], Any], timeout: float) -> tuple[bool, Any]:
        """(finished, value); raises what ``call`` raised."""
        job = Job()
        self._jobs.put((call, job))
        if not job.done.wait(timeout):
            return False, None
        if job.error is not None:
            raise job.error
        return True, job.value

    def stop(self) -> None:
        self._jobs.put(None)


class _AlarmTimeout(BaseException):
    """Raised inside a state handler when its time is up (a BaseException, so ``except Exception`` misses it)."""


def _raise_timeout(signum: int, frame: object) -> None:
    raise _AlarmTimeout


class Alarm:
    """SIGALRM as a timeout for calls on the main thread; the handler stays installed until `release`."""

    def __init__(self) -> None:
        self._previous: Any = None
        self._installed = False
        self._ours = False  # whether `usable` just saw our handler installed

    def usable(self) -> bool:
        """True on POSIX, on the main thread, when no one else's alarm handler or timer is in place."""
        if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
            return False
        current = signal.getsignal(signal.SIGALRM)
        self._ours = current is _raise_timeout
        if not self._ours and current not in (signal.SIG_DFL, None):
            return False
        return signal.getitimer(signal.ITIMER_REAL)[0] == 0

    def call(self, call: Callable[[], Any], timeout: float) -> tuple[bool, Any]:
        """(finished, value) of ``call`` run here, interrupted after ``timeout`` seconds; check `usable` first."""
        if not self._ours:
            self._previous = signal.signal(signal.SIGALRM, _raise_timeout)
            self._installed = self._ours = True
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                return True, call()
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _AlarmTimeout:
            return False, None

    def release(self) -> None:
        """Put back the SIGALRM handler that was there before."""
        if self._installed and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGALRM, self._previous if self._previous is not None else signal.SIG_DFL)
            self._installed = self._ours = False


class Job:
    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None
