"""Time limits for user code that may hang: state handlers, message producers, in-process WSGI apps.

Python cannot stop a thread from outside, and an exception raised into running code (a signal
handler's) can be swallowed by that code: by a bare ``except:``, or by a finaliser or garbage-collector
callback, where Python ignores exceptions. A limit built that way can be lost. `Watchdog` cannot lose
one: it runs the call in a worker thread and the caller waits for it with a deadline; a call that
misses the deadline is abandoned (its thread left to finish on its own) and the next call gets a
fresh worker. The caller is back on time whatever the call does.

`Alarm` (``SIGALRM`` on the main thread, re-armed until the call returns) is kept for in-process WSGI
apps, which must run in the caller's thread; it is the weaker of the two.

>>> watchdog = Watchdog()
>>> watchdog.call(lambda: 42, 1.0)
(True, 42)
>>> watchdog.close()
"""

from __future__ import annotations

import contextvars
import math
import os
import queue
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["Alarm", "Watchdog"]


class _Job:
    __slots__ = ("call", "done", "error", "value")

    def __init__(self, call: Callable[[], Any]) -> None:
        self.call = call
        self.done = threading.Lock()
        self.done.acquire()  # released by the worker when the call has ended
        self.value: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.value = self.call()
        except BaseException as exc:  # handed to the caller, which re-raises it
            self.error = exc
        self.done.release()


class _Steps:
    """Calls run one after the other in one hand-off, each with its own deadline; see `Watchdog.steps`."""

    __slots__ = ("calls", "cancelled", "current", "done", "error", "lock", "values")

    def __init__(self, calls: Sequence[Callable[[], Any]]) -> None:
        self.calls = calls
        self.done = threading.Lock()
        self.done.acquire()  # released by the worker when the last call it runs has ended
        self.lock = threading.Lock()  # guards current, values, error and cancelled between the two threads
        self.current = (0, time.monotonic())  # the running call and when it started (the first: when put)
        self.values: list[Any] = []
        self.error: BaseException | None = None
        self.cancelled = False  # set by the caller when a call ran out of time: the later ones are not started

    def run(self) -> None:
        try:
            for i, call in enumerate(self.calls):
                if i:
                    with self.lock:
                        if self.cancelled:
                            return
                        self.current = (i, time.monotonic())
                try:
                    value = call()
                except BaseException as exc:  # handed to the caller
                    with self.lock:
                        self.error = exc
                    return
                with self.lock:
                    self.values.append(value)
        finally:
            self.done.release()

    def overdue(self, timeout: float) -> tuple[bool, float]:
        """Whether the running call is past its deadline (then the later calls are cancelled), else how long to wait."""
        now = time.monotonic()
        with self.lock:
            i, started = self.current
            if len(self.values) > i or self.error is not None:
                return False, timeout  # it ended: the next one starts from now or later
            if now < started + timeout:
                return False, started + timeout - now
            self.cancelled = True
            return True, 0.0


#: Whether workers signal through pipes (POSIX, where ``select.poll`` waits on one with a time limit).
_PIPES = hasattr(select, "poll") and hasattr(os, "pipe")
#: ``poll`` takes milliseconds as a C int.
_MAX_POLL_MS = 2**31 - 1


class _Worker:
    """One daemon thread running the jobs put to it, in order, until it gets ``None``.

    Where there is ``select.poll`` (POSIX), each job is announced and its end signalled by a byte through a pipe:
    a pipe's write and read let go of the GIL around the system call, so the woken thread does not wake only
    to wait for the GIL the other one still holds (as it does when woken by a queue or a lock). A round trip
    then takes about half the time and CPU. Elsewhere the caller waits on the job's lock.
    """

    def __init__(self, name: str) -> None:
        self.jobs: queue.SimpleQueue[_Job | _Steps | None] = queue.SimpleQueue()
        self._pipes: tuple[int, int, int, int] | None = None  # announce (read, write), ended (read, write)
        self._poller: select.poll | None = None
        if _PIPES:
            announce, ended = os.pipe(), os.pipe()
            self._pipes = (*announce, *ended)
            self._poller = select.poll()
            self._poller.register(ended[0], select.POLLIN)
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def put(self, job: _Job | _Steps | None) -> None:
        """Hand ``job`` to the thread (``None``: end once the jobs before it are done)."""
        self.jobs.put(job)
        if self._pipes is not None:
            os.write(self._pipes[1], b"\0")

    def wait(self, job: _Job | _Steps, timeout: float) -> bool:
        """Whether ``job``, the last one put, has ended within ``timeout`` seconds."""
        if self._poller is None or self._pipes is None:
            return job.done.acquire(timeout=timeout)
        if not self._poller.poll(min(max(math.ceil(timeout * 1000), 0), _MAX_POLL_MS)):
            return False
        os.read(self._pipes[2], 1)
        return True

    def _run(self) -> None:
        pipes = self._pipes
        while True:
            if pipes is not None:
                os.read(pipes[0], 1)
            job = self.jobs.get()
            if job is None:
                break
            job.run()  # never raises: what the call raised is kept for the caller
            if pipes is not None:
                os.write(pipes[3], b"\0")
            del job  # an abandoned job's value is nobody's: do not keep it alive while idle
        for fd in pipes or ():  # the caller stops using a worker when it puts None: its pipes can go
            os.close(fd)


class Watchdog:
    """Runs calls in a worker thread and waits for each at most ``timeout`` seconds.

    All calls share one thread (so a thread-bound resource made by one call works in the next) until
    a call hangs; that thread is then abandoned and the next call starts a new one. Calls see the
    caller's context variables.
    """

    def __init__(self, name: str = "polycontract-watchdog") -> None:
        self._name = name
        self._worker: _Worker | None = None

    def call(
        self, call: Callable[[], Any], timeout: float, *, settle: Callable[[], float] | None = None
    ) -> tuple[bool, Any]:
        """(finished, value) of ``call()``; re-raises what it raised. ``(False, None)`` when time ran out.

        ``settle``, asked when time has run out, says how long to wait for the call to wind down (an
        event loop cancelling its task) so that its thread, and what that thread holds, can be reused.
        """
        if self._worker is None:
            self._worker = _Worker(self._name)
        job = _Job(_in_context(call))
        worker = self._worker
        worker.put(job)
        if not worker.wait(job, timeout):
            grace = settle() if settle is not None else 0.0
            if grace <= 0 or not worker.wait(job, grace):
                worker.put(None)  # it ends when (if ever) the hung call returns
                self._worker = None
            return False, None
        if job.error is not None:
            error, job.error = job.error, None
            raise error
        return True, job.value

    def steps(
        self, calls: Sequence[Callable[[], Any]], timeout: float, *, settle: Callable[[], float] | None = None
    ) -> tuple[list[Any], BaseException | None, bool]:
        """Run ``calls`` one after the other in the worker, handed over once, each given ``timeout`` seconds.

        Returns (values, error, timed_out): the values of the calls that finished, in order; then, for
        the call after them (``calls[len(values)]``), what it raised, or ``timed_out`` when it did not end
        in time. The calls after one that raised or ran out of time are not run. ``settle`` is as for `call`.
        """
        if self._worker is None:
            self._worker = _Worker(self._name)
        job = _Steps([_in_context(call) for call in calls])
        worker = self._worker
        worker.put(job)
        wait = timeout
        while not worker.wait(job, wait):
            overdue, wait = job.overdue(timeout)
            if overdue:
                grace = settle() if settle is not None else 0.0
                if grace <= 0 or not worker.wait(job, grace):
                    worker.put(None)  # it ends when (if ever) the hung call returns
                    self._worker = None
                with job.lock:
                    return job.values[: job.current[0]], None, True
        return job.values, job.error, False

    def close(self) -> None:
        """Let the worker thread end; a later `call` starts a new one."""
        if self._worker is not None:
            self._worker.put(None)
            self._worker = None


def _in_context(call: Callable[[], Any]) -> Callable[[], Any]:
    context = contextvars.copy_context()
    return lambda: context.run(call)


#: The handler as stored, without `signal.getsignal`'s conversion to an enum (3 µs, every WSGI request):
#: CPython's ``_signal`` module, which `signal` wraps.
_getsignal: Callable[[int], Any] = getattr(sys.modules.get("_signal"), "getsignal", signal.getsignal)


class _AlarmTimeout(BaseException):
    """Raised inside a WSGI app when its time is up (a BaseException, so ``except Exception`` misses it)."""


def _raise_timeout(signum: int, frame: object) -> None:
    raise _AlarmTimeout


#: After the first alarm, how often it fires again until the call returns (a swallowed alarm is retried).
_REARM = 0.05


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
        current = _getsignal(signal.SIGALRM)
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
            signal.setitimer(signal.ITIMER_REAL, timeout, _REARM)
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
