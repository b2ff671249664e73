"""Helpers for the HTTP client tests: a real broker server on 127.0.0.1 and a twin that compares brokers.

`Served` runs an ASGI app under uvicorn on port 0 in a thread; `serving` does so for ``create_app(broker)``
and yields its URL.
`Twin` sends every call to an embedded broker and to an `HttpBroker` (whose server has its own
database), asserts both answer the same (or raise the same error type), and returns the HTTP answer.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from polycontract.broker import Broker, Decision, HttpBroker, PactForVerification, Row
from polycontract.broker._api.auth import AuthConfig
from polycontract.errors import PolycontractError

__all__ = ["Served", "Twin", "normalise", "serving", "ticking_clock"]


def ticking_clock() -> Callable[[], datetime]:
    """A clock that advances one second per call, so "latest" is never a tie (the broker conftest uses it too)."""
    counter = itertools.count()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return lambda: start + timedelta(seconds=next(counter))


class Served:
    """An ASGI ``app`` served by uvicorn in a thread on 127.0.0.1 port 0; ``port`` and ``url`` say where."""

    def __init__(self, app: Any, *, name: str = "broker-server") -> None:
        import uvicorn

        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=name, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the broker server did not start")
            time.sleep(0.01)
        self.port = int(self.server.servers[0].sockets[0].getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop serving."""
        self.server.should_exit = True
        self.thread.join(timeout=20)


@contextmanager
def serving(broker: Broker, *, auth: AuthConfig | None = None) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a uvicorn server running the broker app over ``broker`` (with ``auth``)."""
    from polycontract.broker._api.app import create_app

    served = Served(create_app(broker, auth=auth))
    try:
        yield served.url
    finally:
        served.stop()


def normalise(value: Any) -> Any:
    """What must be equal between brokers: timestamps and URLs (server-specific) left out."""
    if isinstance(value, Decision):
        return dataclasses.replace(value, rows=normalise(value.rows))
    if isinstance(value, Row):
        return dataclasses.replace(value, verified_at=None)
    if isinstance(value, PactForVerification):
        return dataclasses.replace(value, url=None)
    if isinstance(value, tuple | list):
        return tuple(normalise(v) for v in value)
    return value


class Twin:
    """Every call on both brokers, compared; the HTTP broker's answer is returned."""

    def __init__(self, embedded: Broker, http: HttpBroker) -> None:
        self.embedded = embedded
        self.http = http
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        mine, theirs = getattr(self.embedded, name), getattr(self.http, name)
        if not callable(theirs):
            return theirs
        return self._compare(name, mine, theirs)

    def _compare(self, name: str, mine: Callable[..., Any], theirs: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            expected: Any = None
            refused: PolycontractError | None = None
            try:
                expected = mine(*args, **kwargs)
            except PolycontractError as exc:
                refused = exc
            try:
                got = theirs(*args, **kwargs)
            except PolycontractError as exc:
                assert refused is not None, f"{name}: only the HTTP broker raised {exc!r}"
                assert isinstance(exc, type(refused)), f"{name}: embedded raised {refused!r}, HTTP {exc!r}"
                raise
            assert refused is None, f"{name}: only the embedded broker raised {refused!r}"
            assert normalise(got) == normalise(expected), f"{name}{args}: HTTP {got!r} != embedded {expected!r}"
            return got

        return call
