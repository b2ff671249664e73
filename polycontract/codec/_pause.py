"""The cyclic garbage collector paused while a pact is read, and restored however the read ends.

Reading a pact allocates a tree of containers (the decoded JSON, then the model) and frees none of it until
the read is over: every collection the allocations trigger walks objects that all survive. On the
verifier's 1,000-interaction pact that is about seventy young collections, several middle ones and often
a full one of the whole process (the objects promoted out of the young generation count towards it),
a quarter to a third of the read's CPU. Nothing the reader builds holds a reference cycle, so pausing
collection loses nothing: what the read leaves behind is collected in the usual way afterwards.

The collector is process-wide, so the pause is kept safe for the rest of the process:

* it is ended in a ``finally``: an error (a malformed pact) never leaves collection off;
* reads in several threads at once share one pause, ended when the last of them finishes (a counter
  under a lock), so one thread never switches collection back on under another's read;
* collection is switched back on only if it was on when the first read began: a process that runs with
  it off (``gc.disable()``) keeps it off;
* the pause lasts one read (tens of milliseconds for thousands of interactions); explicit
  ``gc.collect()`` calls from other threads still run. The alternative of raising the young generation's
  threshold for the read does the same with more state to put back (three thresholds a user may also set).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collection_paused"]

_lock = threading.Lock()
_readers = 0
_resume = False


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause automatic garbage collection for the block (and any overlapping ones in other threads)."""
    global _readers, _resume
    with _lock:
        if _readers == 0:
            _resume = gc.isenabled()
            gc.disable()
        _readers += 1
    try:
        yield
    finally:
        with _lock:
            _readers -= 1
            if _readers == 0 and _resume:
                gc.enable()
