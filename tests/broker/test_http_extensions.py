"""polycontract's extension routes (schemas, schema reads, prune, pact lookup by content) over a real server.

Each client call goes through a `Twin`: an embedded broker and an `HttpBroker` whose uvicorn server runs
on SQLite and on PostgreSQL; both must answer the same. The embedded broker's retention and schema
scenarios run again here with that `Twin` as their ``broker``. Then the routes' refusals (problem
details naming the field) and the token roles they need.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from polycontract.broker import Broker, HttpBroker, connect
from polycontract.broker._api.auth import AuthConfig, token_sha256
from polycontract.errors import BrokerError, SchemaError, StorageError, UsageError
from polycontract.model import PactDocument
from tests.broker.http_twin import Twin, serving, ticking_clock

pytest.importorskip("uvicorn")
pytest.importorskip("starlette")

USER_V1: dict[str, Any] = {
    "type": "record",
    "name": "User",
    "namespace": "com.acme",
    "fields": [{"name": "id", "type": "long"}, {"name": "email", "type": "string"}],
}
USER_V2 = {**USER_V1, "fields": [*USER_V1["fields"], {"name": "nick", "type": ["null", "string"], "default": None}]}
USER_V3 = {**USER_V1, "fields": [{"name": "id", "type": "long"}]}  # removed required field email
SCHEMA_PATH = "/polycontract/pacticipants/auth-svc/versions/1/schemas/user-events"
READS_PATH = "/polycontract/pacticipants/web-ui/versions/1/schema-reads/user-events"


@pytest.fixture
def server(broker_url: str) -> Iterator[tuple[Broker, str]]:
    """The served broker (SQLite file or a PostgreSQL schema) and its server's URL."""
    with connect(broker_url, clock=ticking_clock()) as served, serving(served) as url:
        yield served, url


@pytest.fixture
def twin(tmp_path: Path, server: tuple[Broker, str]) -> Iterator[Broker]:
    """A `Twin` of an embedded broker and an `HttpBroker` on ``server``, with DEV, QA and PROD environments."""
    with (
        connect(f"sqlite:///{tmp_path / 'embedded.db'}", clock=ticking_clock()) as embedded,
        connect(server[1]) as http,
    ):
        assert isinstance(http, HttpBroker)
        both = Twin(embedded, http)
        for name in ("dev", "qa"):
            both.create_environment(name)
        both.create_environment("prod", production=True)
        yield both  # a Twin has every Broker method


def _avro_estate(broker: Broker) -> None:
    for version, schema in (("1", USER_V1), ("2", USER_V2), ("3", USER_V3)):
        broker.publish_schema("auth-svc", version, subject="user-events", kind="avro", schema=schema)
    broker.record_schema_use("web-ui", "1", subject="user-events", from_version="1")
    broker.record_deployment("auth-svc", "1", "prod")
    broker.record_deployment("web-ui", "1", "prod")


# ---------------------------------------------------------------- round trips, compared with the embedded broker


def test_publishing_a_schema_is_idempotent_by_content_and_fetches_back(twin: Broker) -> None:
    first = twin.publish_schema("auth-svc", "1", subject="user-events", kind="avro", schema=USER_V1, level="full")
    again = twin.publish_schema("auth-svc", "1", subject="user-events", kind="AVRO", schema=json.dumps(USER_V1))
    other = twin.publish_schema("billing", "7", subject="user-events", kind="avro", schema=USER_V1, branch="main")
    assert (first.outcome, again.outcome, other.outcome) == ("created", "unchanged", "created")
    assert first.content_hash == other.content_hash
    assert twin.schema("auth-svc", "1", "user-events") == ("avro", USER_V1)
    assert twin.latest_version("billing", branch="main") == "7"


def test_a_different_schema_for_a_published_version_needs_allow_overwrite(twin: Broker) -> None:
    twin.publish_schema("auth-svc", "1", subject="user-events", kind="avro", schema=USER_V1)
    with pytest.raises(StorageError, match="already published a different user-events schema"):
        twin.publish_schema("auth-svc", "1", subject="user-events", kind="avro", schema=USER_V2)
    overwritten = twin.publish_schema(
        "auth-svc", "1", subject="user-events", kind="avro", schema=USER_V2, allow_overwrite=True
    )
    assert overwritten.outcome == "overwritten"
    assert twin.schema("auth-svc", "1", "user-events") == ("avro", USER_V2)


def test_recorded_schema_use_counts_in_can_i_deploy(twin: Broker) -> None:
    _avro_estate(twin)
    assert twin.can_i_deploy("auth-svc", "2", to_environment="prod").ok is True
    assert twin.can_i_deploy("auth-svc", "3", to_environment="prod").ok is False
    own = twin.record_schema_use("web-ui", "2", subject="user-events", schema=json.dumps(USER_V3))  # subject's kind
    replaced = twin.record_schema_use("web-ui", "2", subject="user-events", kind="avro", schema=USER_V1)
    assert (own.outcome, own.kind, replaced.outcome) == ("created", "avro", "overwritten")
    by_writer = twin.record_schema_use(
        "web-ui", "3", subject="user-events", from_version="2", from_pacticipant="auth-svc", branch="main"
    )
    assert (
        by_writer.content_hash
        == twin.publish_schema("auth-svc", "2", subject="user-events", kind="avro", schema=USER_V2).content_hash
    )
    twin.record_deployment("web-ui", "2", "prod")
    assert twin.can_i_deploy("web-ui", "2", to_environment="prod").ok is True


def test_schema_errors_are_the_embedded_brokers(twin: Broker) -> None:
    twin.publish_schema("auth-svc", "1", subject="user-events", kind="avro", schema=USER_V1)
    with pytest.raises(StorageError, match="holds avro schemas, not jsonschema"):
        twin.publish_schema("auth-svc", "2", subject="user-events", kind="jsonschema", schema={"type": "object"})
    with pytest.raises(SchemaError, match=r"user\.avsc"):
        twin.publish_schema("auth-svc", "2", subject="x", kind="avro", schema="{not json", name="user.avsc")
    with pytest.raises(UsageError, match="not a schema kind"):
        twin.publish_schema("auth-svc", "2", subject="x", kind="protobuf", schema={})
    with pytest.raises(UsageError, match="not a compatibility level"):
        twin.publish_schema("auth-svc", "2", subject="x", kind="avro", schema=USER_V1, level="sideways")
    with pytest.raises(StorageError, match="no schema for subject"):
        twin.record_schema_use("web-ui", "1", subject="user-events", from_version="9")
    with pytest.raises(UsageError, match="either"):
        twin.record_schema_use("web-ui", "1", subject="user-events")
    with pytest.raises(UsageError, match="is new"):
        twin.record_schema_use("web-ui", "1", subject="brand-new", schema=USER_V1)
    with pytest.raises(StorageError, match="not known to the broker"):
        twin.schema("auth-svc", "9", "user-events")
    with pytest.raises(StorageError, match="has published no other schema"):
        twin.schema("auth-svc", "1", "other")


@pytest.mark.parametrize(
    ("method", "arguments"),
    [
        ("publish_schema", {"kind": "avro", "schema": "{not json", "name": "user.avsc"}),
        ("publish_schema", {"kind": "avro", "schema": {"type": "record", "name": "R"}}),
        ("publish_schema", {"kind": "openapi", "schema": {"openapi": "3.0.3", "info": {"title": "t"}, "paths": {}}}),
        ("record_schema_use", {"kind": "jsonschema", "schema": {"type": 7}}),
        ("record_schema_use", {"kind": "avro", "schema": "fields: [", "name": "reader.avsc"}),
    ],
)
def test_a_schema_that_does_not_validate_raises_the_embedded_brokers_schema_error(
    twin: Twin, method: str, arguments: dict[str, Any]
) -> None:
    refusals = []
    for broker in (twin.embedded, twin.http):
        with pytest.raises(SchemaError) as refused:
            getattr(broker, method)("auth-svc", "1", subject="user-events", **arguments)
        refusals.append(str(refused.value))
    assert refusals[0] == refusals[1]
    with pytest.raises(StorageError, match="not known to the broker"):
        twin.http.schema("auth-svc", "1", "user-events")  # nothing was stored


def _retention_estate(broker: Broker, make_pact: Callable[..., PactDocument]) -> None:
    broker.create_pacticipant("auth", main_branch="main")
    for n, path in {1: "/a", 2: "/a", 3: "/b", 4: "/c", 5: "/c", 6: "/c"}.items():
        broker.create_version("auth", str(n), branch="main")
        broker.publish_pact(make_pact("web", "auth", path), consumer_version=str(n))
    broker.record_deployment("auth", "2", "prod")
    broker.record_release("web", "3", "prod")
    for success in (False, True):
        broker.publish_verification(
            provider="auth", provider_version="1", consumer="web", consumer_version="1", success=success
        )
    broker.publish_verification(
        provider="auth", provider_version="5", consumer="web", consumer_version="6", success=True
    )
    broker.publish_schema("auth", "1", subject="user-events", kind="avro", schema=USER_V1)


def test_prune_with_the_same_arguments_prunes_the_same_versions(
    twin: Broker, make_pact: Callable[..., PactDocument]
) -> None:
    _retention_estate(twin, make_pact)
    before = twin.matrix("web")
    dry = twin.prune(keep_latest=2, older_than=timedelta(0), dry_run=True)
    assert dry.dry_run and ("auth", "1") in dry.versions and dry.publications > 0
    assert twin.matrix("web") == before
    assert twin.prune(keep_latest=1, older_than=timedelta(days=1)).versions == ()  # nothing that old yet
    done = twin.prune(keep_latest=2, older_than=timedelta(0))
    assert (done.versions, done.publications, done.verifications) == (dry.versions, dry.publications, dry.verifications)
    assert not done.dry_run
    twin.matrix("web")  # both brokers kept the same rows
    assert twin.prune().versions == ()  # the defaults: 20 newest, 90 days
    with pytest.raises(UsageError, match="keep_latest=0"):
        twin.prune(keep_latest=0)


def test_a_result_for_a_content_hash_alone_finds_its_consumer_on_the_server(
    server: tuple[Broker, str], make_pact: Callable[..., PactDocument]
) -> None:
    served, url = server
    digest = served.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1").content_hash
    with connect(url) as http:  # a fresh client: it never saw the pact published
        assert http.publish_verification(provider="auth", provider_version="9", content_hash=digest, success=True)
    with connect(url) as http, pytest.raises(StorageError, match="not a pact content known"):
        http.publish_verification(provider="other", provider_version="9", content_hash=digest, success=True)
    assert served.matrix("web")[0].success is True


def test_publishing_with_allow_overwrite_replaces_the_pact(
    twin: Broker, make_pact: Callable[..., PactDocument]
) -> None:
    twin.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1")
    with pytest.raises(StorageError, match="already published different"):
        twin.publish_pact(make_pact("web", "auth", "/b"), consumer_version="1")
    replaced = twin.publish_pact(make_pact("web", "auth", "/b"), consumer_version="1", allow_overwrite=True)
    assert replaced.outcome == "overwritten"
    assert twin.pact("web", "1", "auth") == make_pact("web", "auth", "/b")
    assert twin.pact("web", "1", "auth", revision=1) == make_pact("web", "auth", "/a")


def _scenarios() -> dict[str, object]:
    """The embedded broker's retention and schema scenarios that need only ``broker`` (and ``make_pact``),
    collected again here, where ``broker`` is the `Twin`."""
    from tests.broker import test_broker_retention, test_broker_schemas

    out: dict[str, object] = {}
    for module in (test_broker_retention, test_broker_schemas):
        for name, function in vars(module).items():
            needs = set(inspect.signature(function).parameters) if name.startswith("test_") else set()
            if "broker" in needs and needs <= {"broker", "make_pact"}:

                @functools.wraps(function)
                def scenario(*args: object, _function: Any = function, **kwargs: object) -> None:
                    _function(*args, **kwargs)

                out[f"{name}__over_http"] = scenario
    return out


globals().update(_scenarios())


@pytest.fixture
def broker(twin: Broker) -> Broker:
    """The scenarios' ``broker``: the `Twin`."""
    return twin


# ---------------------------------------------------------------- bad input: 4xx problems naming the field


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A plain HTTP client of one server for the module (refused requests store nothing; checks precede the DB)."""
    with (
        connect(f"sqlite:///{tmp_path_factory.mktemp('raw') / 'broker.db'}") as served,
        serving(served) as url,
        httpx.Client(base_url=url) as client,
    ):
        served.publish_schema("auth-svc", "1", subject="user-events", kind="avro", schema=USER_V1)
        yield client


def _refused(response: httpx.Response, status: int, where: str) -> str:
    """The problem's detail, after checking its status, media type and that it names ``where``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["error"]["message"] == problem["detail"]
    named = {e.get("pointer", e.get("parameter")) for e in problem.get("errors", [])}
    assert where in named, problem
    return str(problem["detail"])


@pytest.mark.parametrize(
    ("body", "where", "says"),
    [
        ({"schema": USER_V1}, "/kind", "kind is required"),
        ({"kind": 3, "schema": USER_V1}, "/kind", "kind=3 must be one of"),
        ({"kind": "protobuf", "schema": USER_V1}, "/kind", "not a schema kind"),
        ({"kind": "avro"}, "/schema", "schema is required"),
        ({"kind": "avro", "schema": 42}, "/schema", "schema is required"),
        ({"kind": "avro", "schema": "{not json"}, "/schema", "user-events"),
        ({"kind": "avro", "schema": {"type": "record"}, "name": "user.avsc"}, "/schema", "user.avsc"),
        ({"kind": "avro", "schema": USER_V1, "level": "sideways"}, "/level", "not a compatibility level"),
        ({"kind": "avro", "schema": USER_V1, "level": 1}, "/level", "level must be a string"),
        ({"kind": "avro", "schema": USER_V1, "allowOverwrite": "yes"}, "/allowOverwrite", "true or false"),
        ({"kind": "avro", "schema": USER_V1, "branch": ["main"]}, "/branch", "branch must be a string"),
        ({"kind": "avro", "schema": USER_V1, "name": 7}, "/name", "name must be a string"),
        ({"kind": "avro", "schema": USER_V1, "subject": "x"}, "/subject", "unknown field"),
    ],
)
def test_a_bad_schema_publication_is_a_400_naming_the_field(
    raw: httpx.Client, body: dict[str, Any], where: str, says: str
) -> None:
    path = SCHEMA_PATH.replace("/1/", "/2/")
    assert says in _refused(raw.put(path, json=body), 400, where)
    assert raw.get(path).status_code == 404  # nothing was stored


@pytest.mark.parametrize(
    ("body", "where", "says"),
    [
        ({}, "/fromVersion", "either schema"),
        ({"schema": USER_V1, "fromVersion": "1"}, "/schema", "either schema"),
        ({"schema": USER_V1, "kind": "json"}, "/kind", "not a schema kind"),
        ({"schema": USER_V1}, "/kind", "is new"),
        ({"fromVersion": 1}, "/fromVersion", "fromVersion must be a string"),
        ({"fromVersion": "1", "extra": True}, "/extra", "unknown field"),
    ],
)
def test_a_bad_schema_read_is_a_400_naming_the_field(
    raw: httpx.Client, body: dict[str, Any], where: str, says: str
) -> None:
    assert says in _refused(raw.put(READS_PATH.replace("user-events", "brand-new"), json=body), 400, where)


def test_a_reader_schema_that_does_not_parse_is_a_400_naming_the_schema(raw: httpx.Client) -> None:
    assert "web-ui 1 user-events" in _refused(raw.put(READS_PATH, json={"schema": "{oops"}), 400, "/schema")


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"keepLatest": 0}, "/keepLatest"),
        ({"keepLatest": "5"}, "/keepLatest"),
        ({"keepLatest": True}, "/keepLatest"),
        ({"keepLatest": 2.5}, "/keepLatest"),
        ({"olderThanSeconds": "90d"}, "/olderThanSeconds"),
        ({"olderThanSeconds": 1e300}, "/olderThanSeconds"),
        ({"olderThanSeconds": False}, "/olderThanSeconds"),
        ({"dryRun": "true"}, "/dryRun"),
        ({"keep": 3}, "/keep"),
    ],
)
def test_a_bad_prune_request_is_a_400_naming_the_field(raw: httpx.Client, body: dict[str, Any], where: str) -> None:
    _refused(raw.post("/polycontract/prune", json=body), 400, where)


def test_malformed_bodies_and_blank_names_are_400_and_unknown_contents_404(raw: httpx.Client) -> None:
    headers = {"content-type": "application/json"}
    for method, path in (("PUT", SCHEMA_PATH), ("PUT", READS_PATH), ("POST", "/polycontract/prune")):
        assert "not valid JSON" in _refused(raw.request(method, path, content=b"{oops", headers=headers), 400, "")
        assert "JSON object" in _refused(raw.request(method, path, content=b"[1]", headers=headers), 400, "")
    deep = b'{"kind": "avro", "schema": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert "not valid JSON" in _refused(raw.put(SCHEMA_PATH, content=deep, headers=headers), 400, "")
    for text, problem in (("[" * 100_000, "too deeply"), ("&a [*a]", "refers to a node that contains it")):
        assert problem in _refused(raw.put(SCHEMA_PATH, json={"kind": "avro", "schema": text}), 400, "/schema")
    infinite = b'{"olderThanSeconds": Infinity}'  # not JSON (RFC 8259 has no infinity): refused as the body
    assert "Infinity is not a JSON number" in _refused(
        raw.post("/polycontract/prune", content=infinite, headers=headers), 400, ""
    )
    blank = "/polycontract/pacticipants/auth-svc/versions/%20/schemas/user-events"
    _refused(raw.put(blank, json={"kind": "avro", "schema": USER_V1}), 400, "version")
    _refused(raw.get(SCHEMA_PATH.replace("user-events", "%20")), 400, "subject")
    assert raw.get("/polycontract/pact-versions/0123abcd").status_code == 404
    assert raw.get(READS_PATH).status_code == 405


def test_a_subject_with_a_slash_round_trips(server: tuple[Broker, str]) -> None:
    with connect(server[1]) as http:
        http.publish_schema("auth-svc", "1", subject="acme/user-events", kind="jsonschema", schema={"type": "object"})
        assert http.schema("auth-svc", "1", "acme/user-events") == ("jsonschema", {"type": "object"})


# ---------------------------------------------------------------- token roles

ADMIN = "admin-secret-0123456789"
AUTH_SVC = "auth-svc-writer-secret-01"
WEB_UI = "web-ui-writer-secret-0123"
READER = "reader-secret-0123456789"


def _auth() -> AuthConfig:
    return AuthConfig.from_document(
        [
            {"name": "ops", "token_sha256": token_sha256(ADMIN), "role": "admin"},
            {"name": "ci-auth", "token": AUTH_SVC, "role": "write", "pacticipants": ["auth-svc"]},
            {"name": "ci-web", "token": WEB_UI, "role": "write", "pacticipants": ["web-ui"]},
            {"name": "dashboard", "token": READER, "role": "read"},
        ],
        "test",
    )


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[Callable[[str], HttpBroker]]:
    """``client(token)``: an `HttpBroker` with that token on a server that enforces `_auth`."""
    opened: list[HttpBroker] = []

    def client(token: str) -> HttpBroker:
        http = HttpBroker(url, token=token, retries=0)
        opened.append(http)
        return http

    with connect(f"sqlite:///{tmp_path / 'guarded.db'}") as served, serving(served, auth=_auth()) as url:
        try:
            yield client
        finally:
            for http in opened:
                http.close()


def test_schema_writes_need_a_write_token_for_that_pacticipant(guarded: Callable[[str], HttpBroker]) -> None:
    publish: dict[str, Any] = {"subject": "user-events", "kind": "avro", "schema": USER_V1}
    assert guarded(AUTH_SVC).publish_schema("auth-svc", "1", **publish).outcome == "created"
    assert guarded(ADMIN).publish_schema("auth-svc", "2", **publish).outcome == "created"
    with pytest.raises(BrokerError, match="may only read"):
        guarded(READER).publish_schema("auth-svc", "3", **publish)
    with pytest.raises(BrokerError, match="ci-web may not write for auth-svc"):
        guarded(WEB_UI).publish_schema("auth-svc", "3", **publish)
    with pytest.raises(BrokerError, match="ci-auth may not write for web-ui"):
        guarded(AUTH_SVC).record_schema_use("web-ui", "1", subject="user-events", from_version="1")
    assert guarded(WEB_UI).record_schema_use("web-ui", "1", subject="user-events", from_version="1").outcome
    assert guarded(READER).schema("auth-svc", "1", "user-events") == ("avro", USER_V1)


def test_prune_needs_an_admin_token(guarded: Callable[[str], HttpBroker]) -> None:
    with pytest.raises(BrokerError, match="may only read"):
        guarded(READER).prune(dry_run=True)
    with pytest.raises(BrokerError, match="needs an admin token"):
        guarded(AUTH_SVC).prune(dry_run=True)
    assert guarded(ADMIN).prune(dry_run=True).dry_run
