"""The SQLite store's per-thread read connections (used to read the revision token) do not outlive their threads."""

from __future__ import annotations

import threading
from pathlib import Path

from polycontract.broker import connect


def test_a_long_running_broker_holds_read_connections_for_live_threads_only(tmp_path: Path) -> None:
    # A server's worker pool retires idle threads and starts new ones: 50 short-lived threads each read the token.
    with connect(f"sqlite:///{tmp_path / 'broker.db'}") as broker:
        store = broker.internals.store  # type: ignore[attr-defined]
        tokens: list[str | None] = []
        for _ in range(50):
            thread = threading.Thread(target=lambda: tokens.append(store.revision_token()))
            thread.start()
            thread.join()
        store.revision_token()  # this (live) thread's own connection

        assert len(tokens) == 50 and None not in tokens and len(set(tokens)) == 1
        assert len(store._own_connections) <= 2  # the last ended thread's, until the next one is made, and ours
