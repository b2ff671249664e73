"""Rendered answers the HTTP server reuses while the data they were computed from is unchanged.

can-i-deploy is asked again and again with the same question (every pipeline run, every ``--retry-while-unknown``
poll) while the data changes far less often. An answer is kept with the data's revision token read before it was
computed (`polycontract.broker._store.revision`: every write transaction replaces the token as it commits) and
is stored only when the token read after computing is the same, so no write landed in between and every read the
answer made saw that one state of the data. It is reused only while the database still holds that token: one
indexed one-row read instead of the question's queries. Correct across workers and servers sharing the
database, since the token lives there. Fail closed: no token (unreadable, or the row missing) means compute.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import nullcontext
from typing import TYPE_CHECKING

from polycontract.broker._store.estate_index import known_revision
from polycontract.broker._store.session import counting_uses

if TYPE_CHECKING:
    from polycontract.broker._store.session import Store

__all__ = ["AnswerCache"]


class AnswerCache:
    """At most ``entries`` rendered answers (least recently used dropped first), each under ``max_body`` bytes.

    >>> cache = AnswerCache(entries=2)
    >>> cache.put(("q",), "token-1", b"{}")
    >>> cache.get(("q",), "token-1"), cache.get(("q",), "token-2")
    (b'{}', None)
    """

    def __init__(self, *, entries: int = 2048, max_body: int = 1 << 20) -> None:
        self._entries = entries
        self._max_body = max_body
        self._kept: OrderedDict[Hashable, tuple[str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, token: str) -> bytes | None:
        """The answer kept for ``key`` if it was computed under ``token``."""
        with self._lock:
            found = self._kept.get(key)
            if found is None or found[0] != token:
                return None
            self._kept.move_to_end(key)
            return found[1]

    def put(self, key: Hashable, token: str, body: bytes) -> None:
        """Keep ``body`` as the answer for ``key`` under ``token`` (a body larger than ``max_body`` is not kept)."""
        if len(body) > self._max_body:
            return
        with self._lock:
            self._kept[key] = (token, body)
            self._kept.move_to_end(key)
            while len(self._kept) > self._entries:
                self._kept.popitem(last=False)

    def kept(self, store: Store, key: Hashable) -> bytes | None:
        """The answer kept for ``key`` if the data is still at the revision it was computed under."""
        token = store.revision_token()
        return None if token is None else self.get(key, token)

    def answer(self, store: Store, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        """The answer for ``key``: reused when the data is still at the revision it was computed under, else
        ``compute()`` (kept when no write landed while it ran; an in-memory estate snapshot at the revision read
        before it is used without reading the revision again, `known_revision`, and an answer computed from it
        alone, reading no data, is kept without reading the revision after)."""
        token = store.revision_token()
        if token is not None:
            kept = self.get(key, token)
            if kept is not None:
                return kept
        with known_revision(token) if token is not None else nullcontext(), counting_uses() as uses:
            body = compute()
        # read no data: computed from the estate snapshot at ``token``, so consistent with it without a check
        if token is not None and (uses[0] == 0 or store.revision_token() == token):
            self.put(key, token, body)
        return body
