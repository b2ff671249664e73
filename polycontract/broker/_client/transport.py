"""The HTTP client's transport: auth headers, retries with backoff, errors mapped, over one of two clients.

A broker reached directly goes through `polycontract.broker._client.lean` (the standard library only: a
command such as ``polycontract can-i-deploy`` does not import httpx); an httpx transport passed by the
caller (tests pass ``httpx.MockTransport`` or ``httpx.ASGITransport``), a proxy named by the environment,
or credentials inside the base URL go through ``httpx.Client``. Both follow redirects, send the same
requests and raise errors of the same names, so the messages below read the same.

Retry policy (`Transport.request`):

- a connection that could not be opened (refused, DNS, connect timeout) is retried for every
  call, because the request never reached the server;
- other transport failures (read timeout, dropped connection) and 5xx answers are retried only
  for idempotent calls (GET, PUT, and POSTs the server treats as idempotent by content);
- a 4xx is never retried: it becomes a polycontract error quoting the server's message
  (400/413/422 `UsageError`, 404/409 `StorageError`, anything else `BrokerError`).

Backoff is exponential with full jitter: attempt *n* waits ``uniform(0, base * 2**n)``, capped.
Tokens and passwords go only into the ``Authorization`` header; they never appear in an error
message or a log line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from polycontract.errors import BrokerError, StorageError, UsageError

if TYPE_CHECKING:
    import httpx

    from polycontract.broker._client.lean import LeanClient

__all__ = ["Transport", "proxy_configured"]

#: The logger retries are reported on (made on the first retry: most runs never import `logging`).
LOGGER = "polycontract.broker.client"
_HAL = "application/hal+json, application/json;q=0.9"
_PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy"})


class _Answer(Protocol):
    """What the transport reads of an answer: httpx's ``Response`` or the lean client's `Reply`."""

    @property
    def status_code(self) -> int: ...
    @property
    def reason_phrase(self) -> str: ...
    @property
    def content(self) -> bytes: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...


def proxy_configured() -> bool:
    """True when httpx would look for a proxy: ``HTTP_PROXY``, ``HTTPS_PROXY`` or ``ALL_PROXY`` (any case) is
    set, or, on macOS and Windows, the system settings name one. Such clients go through httpx, which honours
    them (and ``NO_PROXY``) exactly."""
    if any(value and name.lower() in _PROXY_VARIABLES for name, value in os.environ.items()):
        return True
    if sys.platform in ("darwin", "win32"):
        from urllib.request import getproxies

        return any(getproxies().get(scheme) for scheme in ("http", "https", "all"))
    return False


def _has_userinfo(url: str) -> bool:
    """True for ``http://user:password@host``: httpx sends those as basic auth, so such a client goes through it."""
    return "@" in url.partition("://")[2].split("/", 1)[0]


class Transport:
    """Requests against one broker base URL (see the module docstring for the retry policy).

    ``transport`` lets tests pass an ``httpx.MockTransport`` or ``httpx.ASGITransport``;
    ``sleep`` and ``rng`` (default `random.uniform`) let them observe the backoff without waiting.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.2,
        max_backoff: float = 5.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[float, float], float] | None = None,
    ) -> None:
        if retries < 0:
            raise UsageError(f"retries={retries!r} must be 0 or more")
        if token is not None and username is not None:
            raise UsageError("give token= or username=/password=, not both")
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._sleep = sleep
        self._rng = rng
        headers = {"Accept": f"{_HAL}, application/problem+json", "User-Agent": "polycontract-broker-client"}
        self._authenticated = bool(token) or username is not None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        elif username is not None:
            pair = f"{username}:{password or ''}".encode()
            from base64 import b64encode

            headers["Authorization"] = "Basic " + b64encode(pair).decode("ascii")
        self._headers = headers
        self._timeout = timeout
        self._lean: LeanClient | None = None
        self._httpx: httpx.Client | None = None
        self._connect_errors: tuple[type[Exception], ...] = ()
        self._transport_errors: tuple[type[Exception], ...] = ()
        if transport is None and not proxy_configured() and not _has_userinfo(self.base_url):
            from polycontract.broker._client.lean import LeanClient
            from polycontract.broker._client.wire import ConnectError, WireError

            self._lean = LeanClient(self.base_url, headers=headers, timeout=timeout)
            self._connect_errors = (ConnectError,)
            self._transport_errors = (WireError,)
        else:
            self._use_httpx(transport)

    def _use_httpx(self, transport: httpx.BaseTransport | None) -> httpx.Client:
        import httpx

        if self._lean is not None:
            self._lean.close()
            self._lean = None
        self._httpx = _httpx_client(self.base_url, self._headers, self._timeout, transport)
        self._connect_errors = (httpx.ConnectError, httpx.ConnectTimeout)
        self._transport_errors = (httpx.TransportError, httpx.TooManyRedirects, httpx.DecodingError)
        return self._httpx

    @property
    def _client(self) -> httpx.Client:
        """The httpx client, made on first use: code that reaches for it (a test swapping its transport for a
        mock) gets the httpx path from then on."""
        return self._httpx if self._httpx is not None else self._use_httpx(None)

    def close(self) -> None:
        """Close the connections."""
        if self._lean is not None:
            self._lean.close()
        if self._httpx is not None:
            self._httpx.close()

    def absolute(self, href: str) -> str:
        """``href`` (absolute, or a path on this broker) as a path for `request`."""
        if href.startswith(self.base_url):
            return href[len(self.base_url) :] or "/"
        return href

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Any = None,
        idempotent: bool | None = None,
        missing_ok: bool = False,
    ) -> Any:
        """Send one request and return its decoded JSON body (None for an empty body).

        ``idempotent`` defaults to True for GET/PUT/HEAD/DELETE. With ``missing_ok`` a 404 returns None.
        """
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT", "DELETE")
        attempt = 0
        while True:
            try:
                response, url = self._send(method, path, json_body, params)
            except self._connect_errors as exc:
                if attempt < self.retries:
                    attempt = self._wait(attempt, method, path, type(exc).__name__)
                    continue
                raise BrokerError(
                    f"cannot reach the broker at {self.base_url} ({_reason(exc)}) after {attempt + 1} attempt(s);"
                    " check that the server is running (polycontract broker serve) and that --broker"
                    " (or POLYCONTRACT_BROKER) names its URL"
                ) from None
            except self._transport_errors as exc:
                if idempotent and attempt < self.retries:
                    attempt = self._wait(attempt, method, path, type(exc).__name__)
                    continue
                raise BrokerError(
                    f"{method} {self.base_url}{path} failed: {_reason(exc)}"
                    + (
                        ""
                        if idempotent
                        else " (not retried: the request may have been applied; check before repeating)"
                    )
                ) from None
            if response.status_code >= 500 and idempotent and attempt < self.retries:
                attempt = self._wait(attempt, method, path, f"HTTP {response.status_code}")
                continue
            if missing_ok and response.status_code == 404:
                return None
            if response.status_code >= 400:
                raise _error(method, self.base_url + path, response, authenticated=self._authenticated)
            return _decode(response, url)

    def _send(self, method: str, path: str, json_body: Any, params: Any) -> tuple[_Answer, str]:
        if self._lean is not None:
            reply = self._lean.request(method, path, json_body=json_body, params=params)
            if reply.cookies:
                self._keep_cookies(method, reply.url, reply.cookies)
            return reply, reply.url
        response = self._client.request(method, path, json=json_body, params=params)
        return response, str(response.request.url)

    def _keep_cookies(self, method: str, url: str, cookies: tuple[str, ...]) -> None:
        """A server that sets cookies (a load balancer's sticky session) gets them back as httpx's client sends
        them: the rest of this client's requests go through httpx, its cookie jar seeded with these."""
        import httpx

        answer = httpx.Response(200, headers=[("Set-Cookie", c) for c in cookies], request=httpx.Request(method, url))
        self._use_httpx(None).cookies.extract_cookies(answer)

    def malformed(self, path: str, expected: str) -> BrokerError:
        """The error for an answer of the wrong shape from ``path``: never read as an empty result."""
        return BrokerError(
            f"the broker at {self.base_url}{path} answered without {expected}: check that --broker"
            " (or POLYCONTRACT_BROKER) names a polycontract or Pact Broker server"
        )

    def _wait(self, attempt: int, method: str, path: str, why: str) -> int:
        if self._rng is None:
            import random

            self._rng = random.uniform
        delay = self._rng(0.0, min(self._max_backoff, self._backoff * 2**attempt))
        import logging

        logging.getLogger(LOGGER).info(
            "broker %s %s: %s; retry %d/%d in %.2fs", method, path, why, attempt + 1, self.retries, delay
        )
        self._sleep(delay)
        return attempt + 1


def _httpx_client(
    base_url: str, headers: dict[str, str], timeout: float, transport: httpx.BaseTransport | None
) -> httpx.Client:
    """The httpx client, for a transport the caller gives or a proxy the environment names."""
    import httpx

    verify: Any = True
    if transport is None and base_url.startswith("http://"):
        from polycontract.broker._client.tls import DeferredContext

        # Plain HTTP needs no CA bundle: load it only if a redirect or proxy ever asks for TLS.
        verify = DeferredContext()
    return httpx.Client(
        base_url=base_url, headers=headers, timeout=timeout, transport=transport, follow_redirects=True, verify=verify
    )


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _decode(response: _Answer, url: str) -> Any:
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        raise BrokerError(f"the broker at {url} answered {response.status_code} with a body that is not JSON") from None


def server_message(response: _Answer) -> str:
    """The server's error message: Pact Broker ``error.message``/``errors``, RFC 9457 ``detail``, or text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:500] or response.reason_phrase
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            return error
        for key in ("detail", "title", "message"):
            if isinstance(body.get(key), str):
                return str(body[key])
        errors = body.get("errors")
        if isinstance(errors, Mapping):
            return "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in errors.items())
        if isinstance(errors, list):
            return "; ".join(map(str, errors))
    return json.dumps(body)[:500]


def _error(method: str, url: str, response: _Answer, *, authenticated: bool) -> BrokerError | UsageError:
    status = response.status_code
    message = server_message(response)
    if status in (400, 413, 422):
        return UsageError(message)
    if status in (404, 409):
        return StorageError(message)
    if status == 401 and authenticated:
        return BrokerError(
            f"the broker at {url} refused the credentials ({message}); check POLYCONTRACT_BROKER_TOKEN"
            " (or POLYCONTRACT_BROKER_USERNAME / POLYCONTRACT_BROKER_PASSWORD)"
        )
    if status == 401:
        return BrokerError(
            f"the broker at {url} needs credentials ({message}); set POLYCONTRACT_BROKER_TOKEN (or"
            " POLYCONTRACT_BROKER_USERNAME and POLYCONTRACT_BROKER_PASSWORD), read by the polycontract command"
            " line and by polycontract.broker.connect(), or pass token="
        )
    if status == 403:
        return BrokerError(f"the broker refused {method} {url}: {message} (the token lacks the role for it)")
    return BrokerError(f"the broker answered {status} to {method} {url}: {message}")
