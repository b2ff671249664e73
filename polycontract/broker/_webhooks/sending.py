"""Sending one webhook request, guarded: allowed targets only, one deadline for the whole attempt, a capped reply.

`send` checks the URL against the `WebhookPolicy` (`polycontract.broker._webhooks.targets`), resolves its host
once, checks every address and connects only to those checked addresses (the TLS name stays the URL's host), so a
DNS answer that changes between the check and the connection cannot reach another address. Redirects are not
followed: a webhook's target is the URL an admin configured, and a redirect could point anywhere (the Pact
Broker does not follow them either: pact_broker ``lib/pact_broker/domain/webhook_request.rb`` sends one
``Net::HTTP`` request). The attempt has one deadline, from resolving to the last byte read, so a target that
trickles its answer is cut when it runs out; at most ``response_limit`` bytes of the reply are read.
`TargetSlots` keeps one slow target from holding every worker.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from polycontract.broker._webhooks.targets import Address, TargetRefused, WebhookPolicy, check_target, resolve

if TYPE_CHECKING:
    import ssl

    import httpcore

__all__ = ["EXCERPT", "RESPONSE_LIMIT", "SendResult", "TargetSlots", "send"]

#: Bytes of a reply read at most; the rest is never read (the connection is closed).
RESPONSE_LIMIT = 64 * 1024
#: Characters of the reply kept in the delivery log.
EXCERPT = 500

_lock = threading.Lock()
_shared: dict[str, Any] = {}


@dataclass(frozen=True, kw_only=True)
class SendResult:
    """One attempt: the reply's status and excerpt, or what went wrong; ``busy`` when it was not sent at all
    because its target already had its share of sends in flight (try again later, it is not an attempt)."""

    status: int | None = None
    error: str | None = None
    excerpt: str | None = None
    busy: bool = False

    @property
    def ok(self) -> bool:
        """Whether the target answered 2xx."""
        return self.error is None and not self.busy


class TargetSlots:
    """At most ``per_target`` sends at a time to one target (scheme, host and port), so a slow target holds at
    most that many of the workers and the others keep serving healthy webhooks."""

    def __init__(self, per_target: int = 1) -> None:
        self.per_target = per_target
        self._lock = threading.Lock()
        self._busy: dict[tuple[str, str, int], int] = {}

    @staticmethod
    def _key(url: str) -> tuple[str, str, int]:
        try:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            return scheme, (parts.hostname or "").rstrip("."), parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            return "", url, 0

    @contextmanager
    def hold(self, url: str) -> Iterator[bool]:
        """Hold a slot of ``url``'s target for the ``with`` block; yields False (holding none) when all are taken."""
        key = self._key(url)
        with self._lock:
            taken = self._busy.get(key, 0) < self.per_target
            if taken:
                self._busy[key] = self._busy.get(key, 0) + 1
        try:
            yield taken
        finally:
            if taken:
                with self._lock:
                    self._busy[key] -= 1
                    if not self._busy[key]:
                        del self._busy[key]


def _shared_value(name: str, make: Callable[[], Any]) -> Any:
    with _lock:
        if name not in _shared:
            _shared[name] = make()
        return _shared[name]


def _ssl_context() -> ssl.SSLContext:
    import httpx

    context: ssl.SSLContext = _shared_value("ssl", httpx.create_ssl_context)
    return context


def _resolving(resolver: Callable[[str, int], Sequence[Address]], end: float) -> Callable[[str, int], list[Address]]:
    """``resolver`` bounded by the deadline (a hung DNS lookup cannot hold the attempt past it)."""

    def within(host: str, port: int) -> list[Address]:
        pool: ThreadPoolExecutor = _shared_value(
            "dns", lambda: ThreadPoolExecutor(8, thread_name_prefix="polycontract-webhook-dns")
        )
        try:
            return list(pool.submit(resolver, host, port).result(timeout=max(0.0, end - time.monotonic())))
        except FutureTimeout:
            raise TimeoutError(f"resolving {host!r} took too long") from None

    return within


def _guarded_backend(addresses: Sequence[Address], end: float) -> httpcore.NetworkBackend:
    """An httpcore network backend that connects to ``addresses`` only (when given) and stops at ``end``."""
    import httpcore

    def remaining(timeout: float | None, kind: type[Exception]) -> float:
        left = end - time.monotonic()
        if left <= 0:
            raise kind("the attempt's deadline passed")
        return left if timeout is None else min(timeout, left)

    class Stream(httpcore.NetworkStream):
        def __init__(self, inner: httpcore.NetworkStream) -> None:
            self._inner = inner

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self._inner.read(max_bytes, remaining(timeout, httpcore.ReadTimeout))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self._inner.write(buffer, remaining(timeout, httpcore.WriteTimeout))

        def close(self) -> None:
            self._inner.close()

        def start_tls(
            self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
        ) -> httpcore.NetworkStream:
            tls = self._inner.start_tls(ssl_context, server_hostname, remaining(timeout, httpcore.ConnectTimeout))
            return Stream(tls)

        def get_extra_info(self, info: str) -> Any:
            return self._inner.get_extra_info(info)

    class Backend(httpcore.NetworkBackend):
        def __init__(self) -> None:
            self._inner = httpcore.SyncBackend()

        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> httpcore.NetworkStream:
            failure: Exception | None = None
            for target in [str(a) for a in addresses] or [host]:
                try:
                    wait = remaining(timeout, httpcore.ConnectTimeout)
                    return Stream(self._inner.connect_tcp(target, port, wait, local_address, socket_options))
                except httpcore.ConnectError as exc:
                    failure = exc
            raise failure or httpcore.ConnectError(f"could not connect to {host}")

        def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
            raise httpcore.ConnectError("webhooks use TCP")

        def sleep(self, seconds: float) -> None:
            time.sleep(seconds)

    return Backend()


def _request_parts(url: str, headers: Mapping[str, str], body: bytes) -> tuple[Any, list[tuple[str, str]]]:
    """The httpcore URL (credentials taken out into a Basic header, as httpx does) and the headers to send."""
    import httpcore
    import httpx

    parsed = httpx.URL(url)
    sent = {k.lower(): (k, v) for k, v in headers.items()}
    if parsed.username and "authorization" not in sent:
        pair = f"{parsed.username}:{parsed.password}".encode()
        sent["authorization"] = ("Authorization", "Basic " + base64.b64encode(pair).decode("ascii"))
    sent["host"] = ("Host", parsed.copy_with(username=None, password=None).netloc.decode("ascii"))
    sent.setdefault("user-agent", ("User-Agent", "polycontract-broker-webhook"))
    sent["content-length"] = ("Content-Length", str(len(body)))
    target = httpcore.URL(scheme=parsed.raw_scheme, host=parsed.raw_host, port=parsed.port, target=parsed.raw_path)
    return target, list(sent.values())


def _read_reply(response: Any, limit: int) -> bytes:
    kept = bytearray()
    for chunk in response.iter_stream():
        kept += chunk[: limit - len(kept)]
        if len(kept) >= limit:
            break  # the rest is not read: closing the response closes the connection
    return bytes(kept)


def send(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    deadline: float,
    policy: WebhookPolicy,
    response_limit: int = RESPONSE_LIMIT,
    slots: TargetSlots | None = None,
    resolver: Callable[[str, int], Sequence[Address]] = resolve,
) -> SendResult:
    """Send one request to an allowed target within ``deadline`` seconds (everything included); never raises
    for what the target or the network does: the result says what happened."""
    import httpcore
    import httpx

    if slots is not None:
        with slots.hold(url) as held:
            if not held:
                return SendResult(busy=True)
            return send(
                method=method,
                url=url,
                headers=headers,
                body=body,
                deadline=deadline,
                policy=policy,
                response_limit=response_limit,
                resolver=resolver,
            )
    end = time.monotonic() + deadline
    late = f"timed out after {deadline:g} s"
    try:
        addresses = check_target(url, policy, _resolving(resolver, end))
        target, sent_headers = _request_parts(url, headers, body)
        timeouts = {"connect": deadline, "read": deadline, "write": deadline, "pool": deadline}
        with (
            httpcore.ConnectionPool(
                ssl_context=_ssl_context(), network_backend=_guarded_backend(addresses, end), max_connections=1
            ) as pool,
            pool.stream(method, target, headers=sent_headers, content=body, extensions={"timeout": timeouts}) as reply,
        ):
            status, data = reply.status, _read_reply(reply, response_limit)
    except TargetRefused as exc:
        return SendResult(error=f"refused: {exc}")
    except (httpcore.TimeoutException, TimeoutError):
        return SendResult(error=late)
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol, httpx.InvalidURL) as exc:
        return SendResult(error=(late if time.monotonic() >= end else f"{type(exc).__name__}: {exc}")[:EXCERPT])
    except (OSError, ValueError) as exc:  # TLS failures among them
        return SendResult(error=(late if time.monotonic() >= end else f"{type(exc).__name__}: {exc}")[:EXCERPT])
    excerpt = data.decode("utf-8", "replace")[:EXCERPT]
    if 300 <= status < 400:
        return SendResult(status=status, error=f"HTTP {status}: redirects are not followed", excerpt=excerpt)
    return SendResult(status=status, error=None if 200 <= status < 300 else f"HTTP {status}", excerpt=excerpt)
