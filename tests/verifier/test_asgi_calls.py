"""An in-process ASGI app is called on a private event loop: what the app sees and what the verifier gets back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from polycontract.verifier._asgi import AppError, AppTimeout, AsgiCaller
from polycontract.verifier._http import Outgoing, Transport

Scope = dict[str, Any]


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def _caller(app: Any, loop: asyncio.AbstractEventLoop, timeout: float = 5.0) -> AsgiCaller:
    return AsgiCaller(app, url="https://provider.test:8443", loop=loop, timeout=timeout)


def test_the_app_gets_the_scope_and_the_request_body_and_its_streamed_body_is_joined(
    loop: asyncio.AbstractEventLoop,
) -> None:
    seen: list[Any] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        seen.append({k: scope[k] for k in ("method", "scheme", "path", "raw_path", "query_string", "server")})
        seen.append(await receive())
        await send({"type": "http.response.start", "status": 201, "headers": [(b"x-a", b"1")]})
        await send({"type": "http.response.body", "body": b"ab", "more_body": True})
        await send({"type": "http.response.body", "body": b"cd"})

    answer = _caller(app, loop)("POST", "/a%20b?x=1", [(b"content-type", b"text/plain")], b"hello")

    assert answer == (201, [(b"x-a", b"1")], b"abcd")
    assert seen == [
        {
            "method": "POST",
            "scheme": "https",
            "path": "/a b",
            "raw_path": b"/a%20b",
            "query_string": b"x=1",
            "server": ("provider.test", 8443),
        },
        {"type": "http.request", "body": b"hello", "more_body": False},
    ]


def test_an_app_waiting_for_the_disconnect_gets_it_once_the_response_is_complete(
    loop: asyncio.AbstractEventLoop,
) -> None:
    messages: list[Any] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await receive()

        async def listen() -> None:
            messages.append(await receive())

        listener = asyncio.get_running_loop().create_task(listen())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(0)
        assert not messages  # the response is not complete yet
        await send({"type": "http.response.body", "body": b"done"})
        await listener

    assert _caller(app, loop)("GET", "/", [], b"") == (200, [], b"done")
    assert messages == [{"type": "http.disconnect"}]


def test_a_task_the_app_starts_and_does_not_await_gets_to_run_before_the_call_returns(
    loop: asyncio.AbstractEventLoop,
) -> None:
    ran: list[str] = []

    async def background() -> None:
        ran.append("background")

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        app.task = asyncio.get_running_loop().create_task(background())  # type: ignore[attr-defined]
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    _caller(app, loop)("GET", "/", [], b"")

    assert ran == ["background"]


def test_an_app_that_raises_or_answers_nothing_is_an_app_error(loop: asyncio.AbstractEventLoop) -> None:
    async def raising(scope: Scope, receive: Any, send: Any) -> None:
        raise LookupError("no route")

    async def silent(scope: Scope, receive: Any, send: Any) -> None:
        return None

    with pytest.raises(AppError, match="the app raised LookupError: no route") as raised:
        _caller(raising, loop)("GET", "/", [], b"")
    assert isinstance(raised.value.__cause__, LookupError)
    with pytest.raises(AppError, match="without starting a response"):
        _caller(silent, loop)("GET", "/", [], b"")


def test_an_app_that_does_not_answer_in_time_is_cancelled_and_the_loop_serves_the_next_call(
    loop: asyncio.AbstractEventLoop,
) -> None:
    cancelled: list[bool] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["path"] == "/slow":
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                cancelled.append(True)
                raise
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    caller = _caller(app, loop, timeout=0.05)
    with pytest.raises(AppTimeout, match=r"within 0\.05 s"):
        caller("GET", "/slow", [], b"")

    assert cancelled == [True]
    assert caller("GET", "/fast", [], b"") == (200, [], b"ok")


def test_an_app_that_cancels_itself_is_not_a_timeout(loop: asyncio.AbstractEventLoop) -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        _caller(app, loop)("GET", "/", [], b"")


def test_the_transport_reports_a_slow_app_as_a_read_timeout() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await asyncio.sleep(10)

    transport = Transport(base_url=None, app=app, timeout=0.05)
    try:
        with pytest.raises(httpx.ReadTimeout, match=r"did not answer within 0\.05 s"):
            transport.send(Outgoing("GET", "/", [], b""))
    finally:
        transport.close()
