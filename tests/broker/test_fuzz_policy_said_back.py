"""A can-i-deploy question counting fuzz verifications is answered only by a broker that says it counted them.

The Pact Broker also serves ``GET /can-i-deploy`` and ignores parameters it does not know (pact_broker
``lib/pact_broker/api/resources/can_i_deploy.rb`` hands the query to ``matrix/parse_can_i_deploy_query.rb``, which
reads ``pacticipant``, ``version`` and ``to`` only), so it would answer ``fuzz=require`` from example results
alone. polycontract's server says the policy back in its answer; `HttpBroker` refuses an answer that does not
(exit 2 on the CLI).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from click.testing import CliRunner

from polycontract.broker import Broker, connect
from polycontract.cli import cli
from polycontract.errors import BrokerError
from tests.broker.conftest import PactMaker
from tests.broker.http_twin import serving

pytest.importorskip("uvicorn")

#: What a Pact Broker answers to /can-i-deploy: deployable, and nothing about fuzz.
_PACT_BROKER_ANSWER = {
    "summary": {"deployable": True, "reason": "All required verification results are published and successful"},
    "notices": [],
    "matrix": [],
}


class _PactBrokerLike(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(_PACT_BROKER_ANSWER).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/hal+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def pact_broker_like() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PactBrokerLike)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_our_server_says_back_the_fuzz_policy_it_counted(broker: Broker, make_pact: PactMaker) -> None:
    broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.0")
    broker.record_deployment("web", "1.0", "prod")
    question = {"pacticipant": "web", "version": "1.0", "environment": "prod"}
    with serving(broker) as url:
        counted = httpx.get(f"{url}/can-i-deploy", params={**question, "fuzz": "require"}).json()
        plain = httpx.get(f"{url}/can-i-deploy", params=question).json()

    assert counted["polycontract"]["fuzz"] == "require"
    assert "fuzz" not in plain["polycontract"]


def test_a_broker_that_does_not_say_it_counted_fuzz_is_refused(pact_broker_like: str) -> None:
    with connect(pact_broker_like) as remote, pytest.raises(BrokerError, match="without counting fuzz"):
        remote.can_i_deploy("web", "1.0", to_environment="prod", fuzz="require")


def test_the_cli_exits_2_when_the_broker_did_not_count_fuzz(pact_broker_like: str) -> None:
    ask = ["can-i-deploy", "-a", "web", "-e", "1.0", "--to-environment", "prod", "--broker", pact_broker_like]

    counted = CliRunner().invoke(cli, [*ask, "--fuzz", "require"])
    ignored = CliRunner().invoke(cli, ask)

    assert counted.exit_code == 2, counted.output
    assert "without counting fuzz" in counted.stderr
    assert ignored.exit_code == 0, ignored.output
