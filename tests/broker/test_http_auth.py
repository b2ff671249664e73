"""Token auth on the broker's HTTP API: roles, pacticipant scopes, 401/403, basic auth, config and logs.

In-process through httpx.ASGITransport, plus end to end against uvicorn in a thread with
``polycontract can-i-deploy`` (``POLYCONTRACT_BROKER_TOKEN``) and the official Pact CLI.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from polycontract.broker import Broker, connect
from polycontract.broker._api import queries as reads
from polycontract.broker._api.app import create_app
from polycontract.broker._api.auth import AuthConfig, Role, load_auth, token_sha256
from polycontract.codec import dumps_pact
from polycontract.errors import UsageError
from polycontract.model import PactDocument
from tests.broker.conftest import PactMaker
from tests.broker.http_twin import Served
from tests.broker.pact_cli import PACT_BIN, needs_pact_cli

pytest.importorskip("starlette")

ADMIN = "admin-secret-0123456789"
WEB = "web-writer-secret-0123"
USERS = "users-writer-secret-01"
READER = "reader-secret-0123456789"
ALL_TOKENS = (ADMIN, WEB, USERS, READER)


def _config() -> AuthConfig:
    return AuthConfig.from_document(
        [
            {"name": "ops", "token_sha256": token_sha256(ADMIN), "role": "admin"},
            {"name": "ci-web", "token_sha256": token_sha256(WEB), "role": "write", "pacticipants": ["web"]},
            {"name": "ci-users", "token": USERS, "role": "write", "pacticipants": ["users"]},
            {"name": "dashboard", "token_sha256": token_sha256(READER).upper(), "role": "read"},
        ],
        "test",
    )


class Api:
    """A synchronous facade over the authenticated ASGI app; ``token=`` sends a bearer token."""

    def __init__(self, broker: Broker) -> None:
        self.app = create_app(broker, auth=_config())

    def __call__(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"

        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://broker") as client:
                return await client.request(method, path, headers=headers, **kwargs)

        return asyncio.run(send())


@pytest.fixture
def api(broker: Broker) -> Iterator[Api]:
    yield Api(broker)


def _publish_body(pact: PactDocument, version: str) -> dict[str, Any]:
    content = base64.b64encode(dumps_pact(pact).encode()).decode()
    contract = {"consumerName": pact.consumer, "providerName": pact.provider, "specification": "pact",
                "contentType": "application/json", "content": content}  # fmt: skip
    return {"pacticipantName": pact.consumer, "pacticipantVersionNumber": version, "branch": "main",
            "contracts": [contract]}  # fmt: skip


def _env_uuid(api: Api, name: str) -> str:
    found = api("GET", "/environments", ADMIN, params={"name": name}).json()["_embedded"]["environments"]
    return str(found[0]["uuid"])


# ---------------------------------------------------------------- 401: no valid token


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/ready"),
        ("GET", "/pacticipants"),
        ("GET", "/matrix"),
        ("GET", "/no/such/route"),
        ("POST", "/contracts/publish"),
        ("POST", "/environments"),
        ("POST", "/pacts/provider/users/for-verification"),
        ("PUT", "/pacticipants/web/versions/1"),
        ("PATCH", "/deployed-versions/1"),
    ],
)
def test_without_a_token_nothing_but_health_answers(api: Api, broker: Broker, method: str, path: str) -> None:
    response = api(method, path, json={"name": "staging"})
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("a valid broker token is required")
    challenges = response.headers.get_list("www-authenticate")
    assert any(c.startswith("Bearer ") for c in challenges) and any(c.startswith("Basic ") for c in challenges)
    assert [e.name for e in broker.environments()] == ["dev", "qa", "prod"]
    assert api("GET", "/health").json() == {"status": "ok"}


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-configured-token",
        "Bearer ",
        "Bearer " + token_sha256(ADMIN),  # the stored hash is not a token
        "Token " + ADMIN,  # unknown scheme
        "Basic !!!not-base64",
        "Basic " + base64.b64encode(ADMIN.encode()).decode(),  # no colon
        "Basic " + base64.b64encode(b"ops:").decode(),  # empty password
        "Basic " + base64.b64encode(b"ops:wrong").decode(),
    ],
)
def test_a_wrong_or_garbled_credential_is_401(api: Api, authorization: str) -> None:
    response = api("GET", "/pacticipants", headers={"Authorization": authorization})
    assert response.status_code == 401 and response.headers["www-authenticate"]


# ---------------------------------------------------------------- roles


@pytest.mark.parametrize("token", ALL_TOKENS)
def test_every_valid_token_reads(api: Api, broker: Broker, make_pact: PactMaker, token: str) -> None:
    broker.publish_pact(make_pact("web", "users", "/users/7"), consumer_version="1", branch="main")
    assert api("GET", "/", token).status_code == 200
    assert api("GET", "/pacticipants", token).status_code == 200
    assert api("GET", "/pacts/provider/users/consumer/web/version/1", token).status_code == 200
    assert api("GET", "/pacticipants/nobody", token).status_code == 404  # authorised, then routed
    for_verification = api("POST", "/pacts/provider/users/for-verification", token, json={})
    assert for_verification.status_code == 200 and len(for_verification.json()["_embedded"]["pacts"]) == 1


def test_a_read_token_writes_nothing(api: Api, broker: Broker, make_pact: PactMaker) -> None:
    prod = _env_uuid(api, "prod")
    attempts = [
        ("POST", "/contracts/publish", _publish_body(make_pact("web", "users", "/a"), "1")),
        ("PUT", "/pacticipants/web/versions/1", {"branch": "main"}),
        ("POST", f"/pacticipants/web/versions/1/deployed-versions/environment/{prod}", {}),
        ("POST", "/environments", {"name": "staging"}),
    ]
    for method, path, body in attempts:
        refused = api(method, path, READER, json=body)
        assert refused.status_code == 403, path
        assert refused.json()["error"]["message"] == "token dashboard may only read"
        assert "www-authenticate" not in refused.headers
    assert reads.pacticipant_names(broker) == []
    assert [e.name for e in broker.environments()] == ["dev", "qa", "prod"]


def test_a_write_token_publishes_only_for_its_pacticipants(api: Api, broker: Broker, make_pact: PactMaker) -> None:
    published = api("POST", "/contracts/publish", WEB, json=_publish_body(make_pact("web", "users", "/a"), "1"))
    assert published.status_code == 200, published.text
    refused = api("POST", "/contracts/publish", WEB, json=_publish_body(make_pact("admin-ui", "users", "/b"), "1"))
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "token ci-web may not write for admin-ui"
    # a body naming web while its contract's consumer is someone else is refused too
    sneaky = _publish_body(make_pact("admin-ui", "users", "/b"), "2")
    sneaky["pacticipantName"] = "web"
    assert api("POST", "/contracts/publish", WEB, json=sneaky).status_code == 403
    # the per-pact PUT is scoped by the consumer in the path
    pact_json = json.loads(dumps_pact(make_pact("web", "users", "/c")))
    assert api("PUT", "/pacts/provider/users/consumer/web/version/3", WEB, json=pact_json).status_code in (200, 201)
    other = json.loads(dumps_pact(make_pact("admin-ui", "users", "/c")))
    assert api("PUT", "/pacts/provider/users/consumer/admin-ui/version/3", WEB, json=other).status_code == 403
    assert api("PUT", "/pacts/provider/users/consumer/admin-ui/version/3", ADMIN, json=other).status_code in (200, 201)
    assert [v for v in ("1", "3") if broker.pact("web", v, "users")] == ["1", "3"]
    # malformed bodies still reach the handler for their 400 (nothing is written either way)
    typed = {"content-type": "application/json"}
    assert api("POST", "/contracts/publish", WEB, content=b"{not json", headers=typed).status_code == 400
    assert api("POST", "/contracts/publish", WEB, json={"pacticipantVersionNumber": "9"}).status_code == 400


def test_verification_results_need_a_token_scoped_to_the_provider(
    api: Api, broker: Broker, make_pact: PactMaker
) -> None:
    api("POST", "/contracts/publish", WEB, json=_publish_body(make_pact("web", "users", "/a"), "1"))
    pact = api("GET", "/pacts/provider/users/consumer/web/version/1", WEB).json()
    results = pact["_links"]["pb:publish-verification-results"]["href"].removeprefix("http://broker")
    body = {"success": True, "providerApplicationVersion": "5"}
    assert api("POST", results, WEB, json=body).status_code == 403  # web is the consumer, not the provider
    assert api("POST", results, READER, json=body).status_code == 403
    assert api("POST", results, USERS, json=body).status_code == 201


def test_versions_deployments_and_undeployments_are_scoped_to_the_pacticipant(api: Api, broker: Broker) -> None:
    prod = _env_uuid(api, "prod")
    assert api("PUT", "/pacticipants/users/branches/main/versions/7", WEB).status_code == 403
    assert api("PUT", "/pacticipants/users/branches/main/versions/7", USERS).status_code in (200, 201)
    assert api("PUT", "/pacticipants/users/versions/7/tags/stable", WEB).status_code == 403
    assert api("PUT", "/pacticipants/users/versions/7/tags/stable", USERS).status_code in (200, 201)
    assert api("PATCH", "/pacticipants/users", WEB, json={"mainBranch": "main"}).status_code == 403
    deploy = f"/pacticipants/users/versions/7/deployed-versions/environment/{prod}"
    assert api("POST", deploy, WEB, json={}).status_code == 403
    assert broker.live("prod") == ()
    recorded = api("POST", deploy, USERS, json={})
    assert recorded.status_code == 201
    assert [lv.version for lv in broker.live("prod")] == ["7"]

    listed = api("GET", f"/environments/{prod}/deployed-versions/currently-deployed", READER)
    record = listed.json()["_embedded"]["deployedVersions"][0]["_links"]["self"]["href"].removeprefix("http://broker")
    assert api("PATCH", record, WEB, json={"currentlyDeployed": False}).status_code == 403
    assert [lv.version for lv in broker.live("prod")] == ["7"]
    assert api("PATCH", record, USERS, json={"currentlyDeployed": False}).status_code == 200
    assert broker.live("prod") == ()
    assert api("PATCH", "/deployed-versions/999999", USERS, json={"currentlyDeployed": False}).status_code == 404
    assert api("PATCH", "/released-versions/999999", USERS, json={"currentlySupported": False}).status_code == 404
    release = f"/pacticipants/users/versions/7/released-versions/environment/{prod}"
    assert api("POST", release, WEB, json={}).status_code == 403
    assert api("POST", release, USERS, json={}).status_code == 201
    supported = api("GET", f"/environments/{prod}/released-versions/currently-supported", READER).json()
    released = supported["_embedded"]["releasedVersions"][0]["_links"]["self"]["href"].removeprefix("http://broker")
    assert api("PATCH", released, WEB, json={"currentlySupported": False}).status_code == 403
    assert [lv.version for lv in broker.live("prod")] == ["7"]
    assert api("PATCH", released, USERS, json={"currentlySupported": False}).status_code == 200
    assert broker.live("prod") == ()


def test_environments_need_an_admin_token(api: Api, broker: Broker) -> None:
    for token in (WEB, USERS):
        refused = api("POST", "/environments", token, json={"name": "staging"})
        assert refused.status_code == 403
        assert refused.json()["error"]["message"] == "POST /environments needs an admin token"
    assert api("PUT", f"/environments/{_env_uuid(api, 'qa')}", WEB, json={"production": True}).status_code == 403
    assert api("POST", "/environments", ADMIN, json={"name": "staging"}).status_code == 201
    assert [e.name for e in broker.environments()] == ["dev", "qa", "prod", "staging"]


def test_basic_auth_takes_the_token_as_password_and_ignores_the_username(api: Api, broker: Broker) -> None:
    for user in ("ops", "anyone", ""):
        pair = base64.b64encode(f"{user}:{ADMIN}".encode()).decode()
        created = api("POST", "/environments", headers={"Authorization": f"Basic {pair}"}, json={"name": f"e{user}"})
        assert created.status_code == 201
    pair = base64.b64encode(f"x:{READER}".encode()).decode()
    assert (
        api("POST", "/environments", headers={"Authorization": f"Basic {pair}"}, json={"name": "z"}).status_code == 403
    )


def test_tokens_are_compared_with_hmac_compare_digest_over_every_entry(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert api("GET", "/", ADMIN).status_code == 200  # the first entry matches; the others are still compared
    assert len(calls) == 4 and all(len(a) == len(b) == 32 for a, b in calls)
    assert all(ADMIN.encode() not in (a, b) for a, b in calls)  # digests, never the raw secret
    calls.clear()
    assert api("GET", "/", "wrong-token").status_code == 401
    assert len(calls) == 4


def test_the_access_log_names_the_token_and_never_shows_a_secret(
    api: Api, make_pact: PactMaker, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG, logger="polycontract")
    api("POST", "/contracts/publish", WEB, json=_publish_body(make_pact("web", "users", "/a"), "1"))
    api("GET", "/pacticipants", READER)
    api("POST", "/environments", USERS, json={"name": "nope"})
    pair = base64.b64encode(f"ops:{ADMIN}".encode()).decode()
    api("GET", "/", headers={"Authorization": f"Basic {pair}"})
    api("GET", "/", "wrong-but-secret-looking-token")
    api("GET", "/health")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "polycontract.broker.access"]
    assert [(e["path"], e["status"], e["token_name"]) for e in lines] == [
        ("/contracts/publish", 200, "ci-web"),
        ("/pacticipants", 200, "dashboard"),
        ("/environments", 403, "ci-users"),
        ("/", 200, "ops"),
        ("/", 401, None),
        ("/health", 200, None),
    ]
    everything = caplog.text + "".join(capsys.readouterr())
    for secret in (*ALL_TOKENS, pair, "wrong-but-secret-looking-token"):
        assert secret not in everything


# ---------------------------------------------------------------- configuration


def test_configuration_from_json_yaml_toml_and_the_environment(tmp_path: Path) -> None:
    entries = [
        {"name": "ops", "token_sha256": token_sha256(ADMIN), "role": "admin"},
        {"name": "ci-web", "token": WEB, "role": "write", "pacticipants": ["web", "web-bff"]},
    ]
    (tmp_path / "tokens.json").write_text(json.dumps(entries))
    (tmp_path / "tokens.yaml").write_text(
        f"tokens:\n  - name: ops\n    token_sha256: {token_sha256(ADMIN)}\n    role: admin\n"
        f"  - name: ci-web\n    token: {WEB}\n    role: write\n    pacticipants: [web, web-bff]\n"
    )
    (tmp_path / "tokens.toml").write_text(
        f'[[tokens]]\nname = "ops"\ntoken_sha256 = "{token_sha256(ADMIN)}"\nrole = "admin"\n'
        f'[[tokens]]\nname = "ci-web"\ntoken = "{WEB}"\nrole = "write"\npacticipants = ["web", "web-bff"]\n'
    )
    configs = [load_auth(tmp_path / name) for name in ("tokens.json", "tokens.yaml", "tokens.toml")]
    configs.append(load_auth(None, {"POLYCONTRACT_BROKER_TOKENS": json.dumps({"tokens": entries})}))
    for config in configs:
        assert config is not None
        ops, web = config.authenticate(ADMIN), config.authenticate(WEB)
        assert ops is not None and ops.name == "ops" and ops.role is Role.ADMIN
        assert web is not None and web.pacticipants == {"web", "web-bff"} and web.may_write_for("web-bff")
        assert not web.may_write_for("users") and ops.may_write_for("users")
        assert config.authenticate(READER) is None
        assert WEB not in repr(config) and ADMIN not in repr(config)  # only digests are kept
    assert load_auth(None, {}) is None
    assert load_auth(None, {"POLYCONTRACT_BROKER_TOKENS": "  "}) is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "non-empty list of tokens"),
        ({"token": []}, "unknown key(s) token"),
        (["ops"], "tokens[0] must be a mapping"),
        ([{"token": ADMIN, "role": "admin"}], "tokens[0].name is required"),
        ([{"name": "a", "role": "admin"}], "exactly one of token_sha256 or token"),
        ([{"name": "a", "token": ADMIN, "token_sha256": token_sha256(ADMIN), "role": "admin"}], "exactly one"),
        ([{"name": "a", "token": "short", "role": "admin"}], "at least 16 characters"),
        ([{"name": "a", "token_sha256": "abc", "role": "admin"}], "64 hexadecimal digits"),
        ([{"name": "a", "token": ADMIN, "role": "root"}], "role must be one of read, write, admin"),
        ([{"name": "a", "token": ADMIN, "role": "write"}], "non-empty list of names for role write"),
        ([{"name": "a", "token": ADMIN, "role": "read", "pacticipants": ["web"]}], "only to role write"),
        ([{"name": "a", "token": ADMIN, "role": "admin", "scopes": []}], "unknown key(s) scopes"),
        ([{"name": "a", "token": ADMIN, "role": "admin"}, {"name": "a", "token": WEB, "role": "admin"}], "same name a"),
        (
            [
                {"name": "a", "token": ADMIN, "role": "admin"},
                {"name": "b", "token_sha256": token_sha256(ADMIN), "role": "read"},
            ],
            "same token",
        ),
    ],
)
def test_a_broken_configuration_is_refused_with_a_clear_message(document: Any, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")) as info:
        AuthConfig.from_document(document, "tokens.json")
    assert ADMIN not in str(info.value) and WEB not in str(info.value)


def test_unreadable_files_and_bad_environment_json_are_refused_without_echoing_secrets(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read the token file"):
        load_auth(tmp_path / "missing.json")
    (tmp_path / "bad.yaml").write_text("tokens: [unclosed")
    with pytest.raises(UsageError, match="is not valid yaml"):
        load_auth(tmp_path / "bad.yaml")
    with pytest.raises(UsageError, match="POLYCONTRACT_BROKER_TOKENS is not valid JSON") as info:
        load_auth(None, {"POLYCONTRACT_BROKER_TOKENS": f"[{ADMIN}"})
    assert ADMIN not in str(info.value)


def test_serve_refuses_a_broken_auth_file_before_starting(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")
    from polycontract.cli._broker_serve import serve

    (tmp_path / "tokens.json").write_text(json.dumps([{"name": "a", "token": "short", "role": "admin"}]))
    result = CliRunner().invoke(
        serve, ["--db", f"sqlite:///{tmp_path / 'b.db'}", "--auth-file", str(tmp_path / "tokens.json")]
    )
    assert result.exit_code == 2
    assert "at least 16 characters" in result.output


# ---------------------------------------------------------------- end to end over a real server


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Broker, Served]]:
    pytest.importorskip("uvicorn")
    with connect(f"sqlite:///{tmp_path / 'served.db'}") as broker:
        server = Served(create_app(broker, auth=_config()), name="auth-broker")
        try:
            yield broker, server
        finally:
            server.stop()


def _polycontract(*args: str, token: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "POLYCONTRACT_BROKER_TOKEN"}
    if token is not None:
        env["POLYCONTRACT_BROKER_TOKEN"] = token
    command = [sys.executable, "-m", "polycontract.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def test_polycontract_can_i_deploy_uses_the_token_from_the_environment(
    served: tuple[Broker, Served], make_pact: PactMaker
) -> None:
    broker, server = served
    broker.create_environment("prod", production=True)
    broker.publish_pact(make_pact("web", "users", "/users/7"), consumer_version="1", branch="main")
    broker.publish_verification(provider="users", provider_version="5", consumer="web", consumer_version="1",
                                success=True)  # fmt: skip
    broker.record_deployment("users", "5", "prod")
    question = (
        "can-i-deploy",
        "--pacticipant",
        "web",
        "--version",
        "1",
        "--to-environment",
        "prod",
        "--broker",
        server.url,
    )

    allowed = _polycontract(*question, token=READER)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    refused = _polycontract(*question, token=None)
    assert refused.returncode == 2
    assert "POLYCONTRACT_BROKER_TOKEN" in refused.stderr
    wrong = _polycontract(*question, token="a-token-the-broker-never-issued")
    assert wrong.returncode == 2 and "a-token-the-broker-never-issued" not in wrong.stdout + wrong.stderr


@needs_pact_cli
def test_pact_broker_publish_needs_a_write_token_for_the_consumer(
    served: tuple[Broker, Served], make_pact: PactMaker, tmp_path: Path
) -> None:
    broker, server = served
    pacts = tmp_path / "pacts"
    pacts.mkdir()
    (pacts / "web-users.json").write_text(dumps_pact(make_pact("web", "users", "/users/7")))

    def publish(version: str, *auth: str) -> tuple[int, str]:
        env = {**os.environ, "PACT_DO_NOT_TRACK": "true", "NO_COLOR": "1"}
        env.pop("PACT_BROKER_TOKEN", None)
        command = [PACT_BIN, "broker", "publish", str(pacts), "--consumer-app-version", version, "--branch", "main",
                   "--broker-base-url", server.url, *auth]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
        return done.returncode, done.stdout + done.stderr

    code, out = publish("1")
    assert code != 0, out
    code, out = publish("1", "--broker-token", USERS)  # a write token, but for the provider
    assert code != 0, out
    code, out = publish("1", "--broker-token", READER)
    assert code != 0, out
    assert reads.pacticipant_names(broker) == []
    code, out = publish("1", "--broker-token", WEB)
    assert code == 0 and "Pact published" in out, out
    code, out = publish("2", "--broker-username", "ci", "--broker-password", WEB)  # basic auth
    assert code == 0 and "Pact published" in out, out
    assert broker.pact("web", "2", "users").consumer == "web"
