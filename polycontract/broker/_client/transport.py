"""The HTTP client's transport: one httpx client, auth headers, retries with backoff, errors mapped.

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

import base64
import json
import logging
import random
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from polycontract.broker._client.tls import DeferredContext
from polycontract.errors import BrokerError, StorageError, UsageError

__all__ = ["Transport"]

LOG = logging.getLogger("polycontract.broker.client")
_HAL = "application/hal+json, application/json;q=0.9"


class Transport:
    """Requests against one broker base URL (see the module docstring for the retry policy).

    ``transport`` lets tests pass an ``httpx.MockTransport`` or ``httpx.ASGITransport``;
    ``sleep`` and ``rng`` let them observe the backoff without waiting.
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
        rng: Callable[[float, float], float] = random.uniform,
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
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        verify: ssl.SSLContext | bool = True
        if transport is None and self.base_url.startswith("http://"):
            # Plain HTTP needs no CA bundle: load it only if a redirect or proxy ever asks for TLS.
            verify = DeferredContext()
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
            verify=verify,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

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
                response = self._client.request(method, path, json=json_body, params=params)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if attempt < self.retries:
                    attempt = self._wait(attempt, method, path, type(exc).__name__)
                    continue
                raise BrokerError(
                    f"cannot reach the broker at {self.base_url} ({_reason(exc)}) after {attempt + 1} attempt(s);"
                    " check that the server is running (polycontract broker serve) and that --broker"
                    " (or POLYCONTRACT_BROKER) names its URL"
                ) from None
            except httpx.TransportError as exc:
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
            return _decode(response)

    def malformed(self, path: str, expected: str) -> BrokerError:
        """The error for an answer of the wrong shape from ``path``: never read as an empty result."""
        return BrokerError(
            f"the broker at {self.base_url}{path} answered without {expected}: check that --broker"
            " (or POLYCONTRACT_BROKER) names a polycontract or Pact Broker server"
        )

    def _wait(self, attempt: int, method: str, path: str, why: str) -> int:
        delay = self._rng(0.0, min(self._max_backoff, self._backoff * 2**attempt))
        LOG.info("broker %s %s: %s; retry %d/%d in %.2fs", method, path, why, attempt + 1, self.retries, delay)
        self._sleep(delay)
        return attempt + 1


def _reason(exc: httpx.TransportError) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _decode(response: httpx.Response) -> Any:
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        raise BrokerError(
            f"the broker at {response.request.url} answered {response.status_code} with a body that is not JSON"
        ) from None


def server_message(response: httpx.Response) -> str:
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


def _error(method: str, url: str, response: httpx.Response, *, authenticated: bool) -> BrokerError | UsageError:
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
