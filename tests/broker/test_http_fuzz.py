"""The broker's HTTP API fuzzed against its own OpenAPI description (schemathesis, in-process over ASGI).

Every operation of ``/openapi.json`` gets generated requests, valid and invalid, against an embedded
broker on a temporary SQLite file seeded with a pacticipant pair, versions, a pact, a verification
result, an environment, deployments, a schema and a webhook (the description's parameter examples
name them, so the examples phase reads real rows); a second, smaller run goes through the token
middleware with a write token scoped to one pacticipant. Each answer must be no 5xx, a documented
status and content type, a body matching its schema, a 4xx for every request the description
says is invalid, and no 4xx but 401, 403, 404 and 409 for a request it calls valid (both ways: the
description may be no looser than the server), save where `NOT_EXPRESSIBLE` says why JSON Schema cannot
state the rule. The run is bounded (a few hundred cases) and deterministic (a fixed seed,
derandomized). ``POST /webhooks/{uuid}/execute`` is left out: it sends a request to whatever URL a
generated webhook names. The bugs the fuzzing found are kept below as plain examples.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402

from polycontract.broker import Broker, connect  # noqa: E402
from polycontract.broker._api.app import create_app  # noqa: E402
from polycontract.broker._api.auth import AuthConfig  # noqa: E402
from polycontract.broker._api.openapi.document import document  # noqa: E402
from tests.broker.conftest import _make_pact, ticking_clock  # noqa: E402
from tests.broker.test_http_api import Api  # noqa: E402

#: Generated requests per operation in the fuzzing phase (the examples phase adds one or two more).
MAX_EXAMPLES = 5
SEED = 20260101
#: Generated requests per operation behind a token (writes for ``web`` pass, others are refused with 403).
AUTH_EXAMPLES = 2
WEB_WRITER = {"name": "ci-web", "token": "w" * 32, "role": "write", "pacticipants": ["web"]}
AUTHORIZATION = {"Authorization": f"Bearer {WEB_WRITER['token']}"}
#: A webhook id the description's example names.
WEBHOOK_ID = "0b9c3a3e-8a4f-4d2e-9f5e-3f6c1d2a7b10"


def _seed(broker: Broker) -> None:
    """The rows the description's parameter examples name: web 1.0.0 -> users, production."""
    broker.create_environment("production", production=True)
    broker.create_pacticipant("users", main_branch="main")
    broker.create_pacticipant("web", main_branch="main")
    result = broker.publish_pact(_make_pact("web", "users", "/users/1"), consumer_version="1.0.0", branch="main")
    broker.create_version("web", "1.0.0", tags=["stable"])
    broker.publish_verification(
        provider="users", provider_version="1.0.0", success=True, branch="main", content_hash=result.content_hash
    )
    broker.record_deployment("users", "1.0.0", "production")
    broker.record_deployment("web", "1.0.0", "production")
    broker.record_release("web", "1.0.0", "production")
    created = {"type": "object", "properties": {"id": {"type": "integer"}}}
    broker.publish_schema("users", "1.0.0", subject="users.created", kind="jsonschema", schema=created)
    # A receiver nobody listens on (the discard port): deliveries fail at once, without leaving the machine.
    broker.create_webhook(url="http://127.0.0.1:9/hook", events=["contract_published"], webhook_id=WEBHOOK_ID)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The broker app over a seeded SQLite file, shared by every generated case of the module."""
    database: Path = tmp_path_factory.mktemp("fuzz") / "broker.db"
    with connect(f"sqlite:///{database}", clock=ticking_clock()) as broker:
        _seed(broker)
        yield create_app(broker)


#: Operations whose schema-valid requests the server may refuse for a rule JSON Schema cannot state (a body
#: member that must agree with the URL, another member or a stored row): ``positive_data_acceptance`` (a request
#: the description calls valid must not get a 4xx) is off for exactly these, each for the reason given.
NOT_EXPRESSIBLE = {
    # Each contract's content is base64 of a pact whose consumer and provider are the contract's names.
    "publishContracts": "base64 content must decode to a pact naming consumerName and providerName",
    # The pact's consumer.name and provider.name must be the URL's {consumer} and {provider}.
    "putPact": "the body's consumer and provider names must equal the URL's",
    # As in the Pact Broker, a body ``name`` must be the URL's pacticipant (it cannot rename).
    "putPacticipant": "a body name must equal the URL's {pacticipant}",
    "patchPacticipant": "a body name must equal the URL's {pacticipant}",
    # Selectors pair up by order (q[][version] belongs to the q[][pacticipant] before it), and the modes
    # (environment, mainBranch, tag with latest) exclude one another: a query string's order is not JSON Schema.
    "matrix": "q[][…] parameters pair up by their order in the query, and the modes exclude one another",
    # The schema document must be a valid schema of the kind named beside it (Avro, JSON Schema, protobuf).
    "publishSchema": "schema must be a valid document of the given kind",
    "recordSchemaRead": "schema must be a valid document of the given kind, or the writer version must exist",
    # A webhook's consumer and provider must name stored pacticipants, and its URL a resolvable allowed target.
    "createWebhook": "consumer and provider must exist; the URL must be an allowed, well-formed target",
    "createWebhookForPair": "the URL must be an allowed, well-formed target",
    "putWebhook": "consumer and provider must exist; the URL must be an allowed, well-formed target",
}
#: The coverage phase (every boundary value of every parameter: thousands of cases) is left to a deliberate local run.
CONFIG = {
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES},
    "phases": {"coverage": {"enabled": False}},
    "operations": [
        {"include-operation-id": operation_id, "checks": {"positive_data_acceptance": {"enabled": False}}}
        for operation_id in NOT_EXPRESSIBLE
    ],
}
#: schemathesis 4.32 itself draws from ``random`` inside a strategy; the warning is about its code, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
schema = schemathesis.openapi.from_dict(document(), config=SchemathesisConfig.from_dict(CONFIG)).exclude(
    operation_id="executeWebhook"
)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_generated_requests_as_described(case: Any, app: Any) -> None:
    case.call_and_validate(app=app)


@pytest.fixture(scope="module")
def guarded_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The same, with tokens on: the auth middleware reads bodies and records before the handlers do."""
    database: Path = tmp_path_factory.mktemp("fuzz-auth") / "broker.db"
    with connect(f"sqlite:///{database}", clock=ticking_clock()) as broker:
        _seed(broker)
        yield create_app(broker, auth=AuthConfig.from_json(json.dumps([WEB_WRITER])))


@schema.parametrize()
@settings(max_examples=AUTH_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_described_behind_a_scoped_write_token(case: Any, guarded_app: Any) -> None:
    case.call_and_validate(app=guarded_app, headers=AUTHORIZATION)


# -- what the fuzzing found, kept as plain examples ---------------------------------------------------


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with connect(f"sqlite:///{tmp_path / 'broker.db'}", clock=ticking_clock()) as broker:
        _seed(broker)
        yield Api(broker)


def _hook(url: str, body: Any = None) -> dict[str, Any]:
    request: dict[str, Any] = {"url": url}
    if body is not None:
        request["body"] = body
    return {"events": [{"name": "contract_published"}], "request": request}


@pytest.mark.parametrize("body", [False, 0, [1, "two"], "true"])
def test_a_webhook_body_may_be_any_json_value(api: Api, body: Any) -> None:
    answer = api.post("/webhooks", json=_hook("http://127.0.0.1:9/hook", body))
    assert answer.status_code == 201, answer.text
    assert answer.json()["request"]["body"] == (True if body == "true" else body)


def test_a_malformed_webhook_url_is_a_400_naming_it(api: Api) -> None:
    problem = {"Accept": "application/problem+json"}  # else the Pact Broker's errors shape, as it answers
    answer = api("PUT", f"/webhooks/{WEBHOOK_ID}", json=_hook("http://u:secret@0["), headers=problem)
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"] == [{"detail": answer.json()["detail"], "pointer": "/request/url"}]
    assert "secret" not in answer.text


@pytest.mark.parametrize(
    "query",
    ["q[][pacticipant]=", "q[][pacticipant]=web&q[][version]=1.0.0&environment=production&limit=lots"],
)
def test_the_matrix_refuses_an_empty_pacticipant_and_a_bad_limit_in_every_mode(api: Api, query: str) -> None:
    answer = api.get("/matrix?" + query, headers={"Accept": "application/problem+json"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["parameter"] in ("q[][pacticipant]", "limit")


def test_a_verification_result_checks_both_branch_members(api: Api) -> None:
    sha = api.get("/pacts/provider/users/consumer/web/latest").json()["_links"]["self"]["href"].rsplit("/", 1)[-1]
    body = {"success": True, "providerApplicationVersion": "2", "providerVersionBranch": "main", "branch": 5}
    answer = api.post(f"/pacts/provider/users/consumer/web/pact-version/{sha}/verification-results", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["pointer"] == "/branch"


@pytest.fixture
def guarded_api(tmp_path: Path) -> Iterator[Api]:
    with connect(f"sqlite:///{tmp_path / 'broker.db'}") as broker:
        api = Api(broker)
        api.app = create_app(broker, auth=AuthConfig.from_json(json.dumps([WEB_WRITER])))
        yield api


def test_a_write_token_patching_an_impossibly_large_record_id_gets_a_404(guarded_api: Api) -> None:
    answer = guarded_api("PATCH", f"/deployed-versions/{2**63}", headers=AUTHORIZATION)
    assert answer.status_code == 404, answer.text


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/pacticipants", "GET, HEAD, POST"),
        ("/pacticipants/web", "DELETE, GET, HEAD, PATCH, PUT"),
        ("/environments", "GET, HEAD, POST"),
    ],
)
def test_a_405_lists_every_method_the_path_serves(api: Api, path: str, allowed: str) -> None:
    answer = api("TRACE", path)
    assert answer.status_code == 405
    assert answer.headers["allow"] == allowed


@pytest.mark.parametrize(
    "body",
    [
        {"pacticipantName": {}, "pacticipantVersionNumber": "1", "contracts": []},
        {"pacticipantName": "web", "pacticipantVersionNumber": "1", "contracts": [{"consumerName": ["web"]}]},
    ],
)
def test_a_write_token_publishing_names_that_are_not_strings_gets_a_400(guarded_api: Api, body: Any) -> None:
    answer = guarded_api.post("/contracts/publish", json=body, headers=AUTHORIZATION)
    assert answer.status_code == 400, answer.text
