"""A V3 pact written by pact-python 4 is written back as V3 by polycontract and still read alike.

pact-python 4 (the Pact FFI) writes ``ProviderState`` generators, ``arrayContains``, ``eachKey`` and
``eachValue`` into V3 pacts: pact_models serialises every matching rule with ``MatchingRule::to_json``
and every generator with ``generators_to_json``, neither gated below V4 for V3 files (pact-reference
rust/pact_models/src/matchingrules/mod.rs and src/generators/mod.rs). polycontract loads such a pact,
writes it back as V3, and the official ``pact verifier``, pact-python's verifier and polycontract's
verifier all pass a correct provider with the written file and fail each deliberately broken one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from polycontract.codec import dumps_pact, load_pact
from polycontract.verifier import Verifier
from tests.verifier.providers import StartResponse, serve

pytest.importorskip("pact", reason="pact-python (a dev dependency) is not installed")
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

_LOCAL_BIN = Path(__file__).resolve().parents[2] / ".ci" / "node" / "node_modules" / ".bin"
PACT = shutil.which("pact") or shutil.which("pact", path=str(_LOCAL_BIN))
ENV = {**os.environ, "PACT_DO_NOT_TRACK": "true"}

BROKEN = ["state value ignored", "no matching tag", "bad key", "bad value"]


class OrdersApp:
    """``GET /orders/<id>`` for the order the state ``an order exists`` created (its id comes back from
    ``POST /_pact/state`` as ``{"id": 42}``, which the pact's ``ProviderState`` generator puts in the path)."""

    def __init__(self, broken: str | None = None) -> None:
        self.broken = broken
        self.orders: set[int] = set()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        status, payload = self.route(method, path)
        data = json.dumps(payload, separators=(",", ":")).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def route(self, method: str, path: str) -> tuple[str, Any]:
        if method == "POST" and path == "/_pact/state":
            self.orders = {7} if self.broken == "state value ignored" else {42}
            return "200 OK", {"id": 42}
        if method == "GET" and path.startswith("/orders/") and int(path.rsplit("/", 1)[1]) in self.orders:
            order: dict[str, Any] = {
                "id": int(path.rsplit("/", 1)[1]),
                "tags": ["new", "x9", "paid"],
                "labels": {"colour": 1, "size": 2},
                "prices": {"net": "v1", "gross": "v2"},
            }
            if self.broken == "no matching tag":
                order["tags"] = ["new", "paid"]
            if self.broken == "bad key":
                order["labels"] = {"Colour": 1}
            if self.broken == "bad value":
                order["prices"] = {"net": "9"}
            return "200 OK", order
        return "404 Not Found", {"error": "no such order"}


@pytest.fixture(scope="module")
def reference_v3_pact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A V3 pact written by pact-python 4 after its mock server was exercised."""
    from pact import Pact, generate, match

    pact = Pact("shop", "orders").with_specification("V3")
    (
        pact.upon_receiving("an order")
        .given("an order exists")
        .with_request("GET", match.type("/orders/7", generator=generate.provider_state("/orders/${id}")))
        .will_respond_with(200)
        .with_body(
            {
                "id": match.int(7),
                "tags": match.array_containing([match.regex("x1", regex=r"x\d")]),
                "labels": match.each_key_matches({"colour": 1}, rules=match.regex("colour", regex="[a-z]+")),
                "prices": match.each_value_matches({"net": "v1"}, rules=match.regex("v1", regex=r"v\d")),
            },
            content_type="application/json",
        )
    )
    with pact.serve() as server:
        assert httpx.get(f"{str(server.url).rstrip('/')}/orders/7").status_code == 200
    directory = tmp_path_factory.mktemp("pact-python")
    pact.write_file(directory, overwrite=True)
    return directory / "shop-orders.json"


def test_pact_python_writes_these_rules_and_generators_into_a_v3_pact(reference_v3_pact: Path) -> None:
    doc = json.loads(reference_v3_pact.read_text())
    assert doc["metadata"]["pactSpecification"]["version"] == "3.0.0"
    interaction = doc["interactions"][0]
    assert interaction["request"]["generators"]["path"]["type"] == "ProviderState"
    body_rules = interaction["response"]["matchingRules"]["body"]
    kinds = {path: rules["matchers"][0]["match"] for path, rules in body_rules.items()}
    assert kinds == {"$.id": "integer", "$.tags": "arrayContains", "$.labels": "eachKey", "$.prices": "eachValue"}


@pytest.fixture(scope="module")
def written_back(reference_v3_pact: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference's V3 pact loaded by polycontract and written again as V3."""
    out = tmp_path_factory.mktemp("written") / "shop-orders.json"
    out.write_text(dumps_pact(load_pact(reference_v3_pact), spec="V3"), encoding="utf-8")
    return out


def test_polycontract_writes_the_reference_v3_pact_back_with_the_same_rules_and_generators(
    reference_v3_pact: Path, written_back: Path
) -> None:
    theirs = json.loads(reference_v3_pact.read_text())["interactions"][0]
    ours = json.loads(written_back.read_text())
    assert ours["metadata"]["pactSpecification"]["version"] == "3.0.0"
    mine = ours["interactions"][0]
    assert mine["request"]["generators"] == theirs["request"]["generators"]
    assert mine["response"]["matchingRules"] == theirs["response"]["matchingRules"]


def _pact_cli_passes(pact_file: Path, url: str) -> bool:
    assert PACT is not None
    result = subprocess.run(
        [PACT, "verifier", "-f", str(pact_file), "-h", "127.0.0.1", "-p", str(urlsplit(url).port),
         "--state-change-url", f"{url}/_pact/state", "--no-colour"],
        capture_output=True, text=True, timeout=60, check=False, env=ENV,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.returncode == 0


def _pact_python_passes(pact_file: Path, url: str) -> bool:
    from pact import Verifier as PactPythonVerifier

    verifier = (
        PactPythonVerifier("orders", host="127.0.0.1")
        .add_transport(url=url)
        .add_source(str(pact_file))
        .state_handler(f"{url}/_pact/state", body=True)
    )
    try:
        verifier.verify()
    except RuntimeError:
        return False
    return True


def _polycontract_passes(pact_file: Path, url: str) -> bool:
    result = Verifier(provider="orders", base_url=url, state_change_url="/_pact/state").verify(pact_file)
    assert result.exit_code in (0, 1), result.report()
    return result.exit_code == 0


@pytest.mark.parametrize("broken", [None, *BROKEN], ids=["correct provider", *BROKEN])
def test_every_verifier_reads_the_written_v3_pact_alike(written_back: Path, broken: str | None) -> None:
    with serve(OrdersApp(broken)) as url:
        verdicts = {
            "polycontract": _polycontract_passes(written_back, url),
            "pact-python": _pact_python_passes(written_back, url),
        }
        if PACT is not None:
            verdicts["pact verifier"] = _pact_cli_passes(written_back, url)
    assert set(verdicts.values()) == {broken is None}, verdicts
