"""Every link and webhook URL of the broker server is absolute and never built from a forged ``Host`` header.

The Pact Broker builds links from its configured base URL when there is one (pact_broker
``lib/rack/pact_broker/set_base_url.rb``: ``pactbroker.base_url`` from ``PACT_BROKER_BASE_URL``) and
webhook URLs from it too (``lib/pact_broker/webhooks/pact_and_verification_parameters.rb``:
``pact_version_url_with_webhook_metadata(pact, base_url)``). polycontract does the same with
``--public-url`` / ``POLYCONTRACT_BROKER_PUBLIC_URL``; without one it uses the address the connection
reached, never the ``Host`` header (the Pact Broker would trust ``Host``/``X-Forwarded-Host`` there).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from polycontract.broker import Broker
from polycontract.broker._store.engine import make_engine, migrate
from polycontract.codec import dumps_pact
from tests.broker.conftest import PactMaker
from tests.broker.http_twin import serving, ticking_clock
from tests.broker.test_broker_webhooks import Receiver, receiver

__all__ = ["receiver"]  # the fixture, re-used

pytest.importorskip("uvicorn")

PUBLIC = "https://pacts.example.com/broker"
FORGED = {"Host": "evil.example", "Accept": "application/hal+json"}


def _outside(links: list[str], base: str) -> list[str]:
    return [h for h in links if h != base and not h.startswith(base + "/")]


def _hrefs(document: Any) -> list[str]:
    if isinstance(document, dict):
        found = [document["href"]] if isinstance(document.get("href"), str) else []
        return found + [h for value in document.values() for h in _hrefs(value)]
    if isinstance(document, list):
        return [h for item in document for h in _hrefs(item)]
    return []


@pytest.fixture
def broker_with(broker_url: str) -> Iterator[Any]:
    """``open(public_url)``: a broker with that public URL (fast webhook retries), closed afterwards."""
    opened: list[Broker] = []

    def open_broker(public_url: str) -> Broker:
        engine = make_engine(broker_url)
        migrate(engine)
        broker = Broker(engine, clock=ticking_clock(), public_url=public_url, webhook_backoff=0.01)
        opened.append(broker)
        return broker

    yield open_broker
    for broker in opened:
        broker.close()


def test_links_and_webhook_pact_urls_start_with_the_public_url_whatever_the_host_header_says(
    broker_with: Any, receiver: Receiver, make_pact: PactMaker
) -> None:
    broker = broker_with(PUBLIC)
    broker.create_webhook(url=receiver.url + "/ok", events=["contract_published"])
    with serving(broker) as url:
        index = httpx.get(f"{url}/", headers=FORGED).json()
        pact = json.loads(dumps_pact(make_pact("web", "auth", "/a")))
        put = httpx.put(f"{url}/pacts/provider/auth/consumer/web/version/1.0", json=pact, headers=FORGED)
        assert put.status_code in (200, 201), put.text
        served = httpx.get(f"{url}/pacts/provider/auth/consumer/web/version/1.0", headers=FORGED).json()
    links = _hrefs(index) + _hrefs(served)
    assert links and _outside(links, PUBLIC) == []
    assert broker.flush_webhooks(10)
    [sent] = receiver.requests
    assert json.loads(sent["body"])["pactUrl"].startswith(PUBLIC + "/pacts/provider/auth/consumer/web/pact-version/")


def test_without_a_public_url_links_use_the_address_the_connection_reached_not_the_host_header(
    broker_with: Any,
) -> None:
    broker = broker_with("")
    with serving(broker) as url:
        index = httpx.get(f"{url}/", headers=FORGED).json()
    links = _hrefs(index)
    assert links and _outside(links, url) == []
    assert not any("evil.example" in h for h in links)


def _serve(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "polycontract.cli", "broker", "serve", "--db", f"sqlite:///{tmp_path / 'b.db'}"]
    return subprocess.Popen(
        [*command, "--port", "0", "--output", "json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_public_url_option_makes_every_link_start_with_it(tmp_path: Path) -> None:
    process = _serve(tmp_path, "--public-url", PUBLIC + "/")
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        line = ""
        while not line.startswith("{") and time.monotonic() < deadline:
            line = process.stdout.readline()
        ready = json.loads(line)
        assert ready["publicUrl"] == PUBLIC
        index = httpx.get(ready["url"] + "/", headers=FORGED).json()
    finally:
        process.terminate()
        process.communicate(timeout=30)
    links = _hrefs(index)
    assert links and _outside(links, PUBLIC) == []


@pytest.mark.parametrize("given", ["ftp://pacts.example.com", "pacts.example.com", "https://h.example/?q=1", " "])
def test_serve_refuses_a_public_url_that_is_not_an_http_base_url_in_one_line(tmp_path: Path, given: str) -> None:
    process = _serve(tmp_path, "--public-url", given)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    [message] = stderr.strip().splitlines()
    assert message.startswith("error: --public-url")
    assert "Traceback" not in stderr
