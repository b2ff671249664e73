"""The broker scenarios through `HttpBroker` against a real server, compared call by call with the embedded broker.

The scenario tests of can-i-deploy, pacts for verification and the verification flow are collected
here again with a ``broker`` fixture that is a `Twin`: each call goes to an embedded broker and,
over HTTP, to ``polycontract broker serve``'s app on its own database; answers (decisions, rows,
pacts to verify, errors) must be identical. Then the CLI runs against the same kind of server.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from polycontract.broker import Broker, HttpBroker, connect
from polycontract.cli import cli
from polycontract.model import HttpInteraction, PactDocument, Request, Response
from tests.broker.http_twin import Twin, serving, ticking_clock

pytest.importorskip("uvicorn")
pytest.importorskip("starlette")


def _load(name: str) -> ModuleType:
    """A module beside this one, by path (the test folders are not packages)."""
    unique = f"_http_client_scenarios_{name}"
    if unique in sys.modules:
        return sys.modules[unique]
    spec = importlib.util.spec_from_file_location(unique, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module
    spec.loader.exec_module(module)
    return module


_can_i_deploy = _load("test_broker_can_i_deploy")
_for_verification = _load("test_broker_pacts_for_verification")
_flow = _load("test_broker_verification_flow")


def _over_http(name: str, function: Callable[..., None]) -> Callable[..., None]:
    """A copy of scenario ``function``, so marks added here (e.g. an xfail while the server lacks a route)
    leave the original module's test alone."""

    @functools.wraps(function)
    def scenario(*args: object, **kwargs: object) -> None:
        function(*args, **kwargs)

    return scenario


def _scenarios() -> dict[str, object]:
    """Every scenario test that needs only ``broker`` (and ``make_pact``), under a distinct name."""
    out: dict[str, object] = {}
    for module in (_can_i_deploy, _for_verification, _flow):
        for name, function in vars(module).items():
            if name.startswith("test_") and callable(function):
                needs = set(inspect.signature(function).parameters)
                if "broker" in needs and needs <= {"broker", "make_pact"}:
                    out[f"{name}__over_http"] = _over_http(name, function)
    return out


globals().update(_scenarios())


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    """A broker server over its own SQLite file."""
    with connect(f"sqlite:///{tmp_path / 'server.db'}", clock=ticking_clock()) as served, serving(served) as url:
        yield url


@pytest.fixture
def broker(tmp_path: Path, server_url: str) -> Iterator[Broker]:
    """A `Twin` of an embedded broker and an `HttpBroker`, with DEV, QA and PROD environments."""
    with (
        connect(f"sqlite:///{tmp_path / 'embedded.db'}", clock=ticking_clock()) as embedded,
        connect(server_url) as http,
    ):
        assert isinstance(http, HttpBroker)
        twin = Twin(embedded, http)
        twin.create_environment("dev")
        twin.create_environment("qa")
        twin.create_environment("prod", production=True)
        yield twin  # a Twin has every Broker method


def _pact(consumer: str, provider: str, *paths: str) -> PactDocument:
    interactions = tuple(
        HttpInteraction(description=f"get {p}", request=Request(method="GET", path=p), response=Response(status=200))
        for p in paths
    )
    return PactDocument(consumer=consumer, provider=provider, interactions=interactions)


def test_publish_verify_deploy_and_can_i_deploy_agree_with_the_embedded_broker(broker: Broker) -> None:
    assert broker.publish_pact(_pact("web", "auth", "/a"), consumer_version="1", branch="main").outcome == "created"
    assert broker.publish_pact(_pact("web", "auth", "/a"), consumer_version="1").outcome == "unchanged"
    assert broker.can_i_deploy("web", "1", to_environment="prod").ok is None
    found = broker.pacts_for_verification("auth", selectors=[{"mainBranch": True}], provider_branch="main")
    assert [p.consumer_versions for p in found] == [("1",)]
    broker.publish_verification_results(
        provider="auth",
        provider_version="9",
        branch="main",
        results=[{"consumer": "web", "content_hash": found[0].content_hash, "success": True}],
    )
    broker.record_deployment("auth", "9", "prod", application_instance="eu")
    assert broker.can_i_deploy("web", "1", to_environment="prod").ok is True
    broker.publish_pact(_pact("web", "auth", "/b"), consumer_version="2")
    broker.publish_verification(
        provider="auth", provider_version="9", consumer="web", consumer_version="2", success=False
    )
    assert broker.can_i_deploy("web", "2", to_environment="prod").ok is False
    assert broker.live("prod")[0].application_instance == "eu"
    assert broker.matrix("web", version="2")[0].success is False
    assert broker.record_undeployment("auth", "prod", application_instance="eu") == "9"
    assert broker.environments()[2].production is True


def test_releases_and_support_ending_agree_with_the_embedded_broker(broker: Broker) -> None:
    broker.create_version("app", "4.0", branch="main", tags=["ios"])
    broker.create_version("app", "4.1")
    broker.record_release("app", "4.0", "prod")
    broker.record_release("app", "4.1", "prod")
    assert [lv.version for lv in broker.live("prod")] == ["4.0", "4.1"]
    broker.record_support_ended("app", "4.0", "prod")
    with pytest.raises(Exception, match="not currently released and supported"):
        broker.record_support_ended("app", "4.0", "prod")
    assert broker.latest_version("app") == "4.1"


def test_the_latest_version_on_a_branch_agrees_with_the_embedded_broker(broker: Broker) -> None:
    broker.create_version("app", "4.0", branch="main")
    broker.create_version("app", "4.1", branch="feat")
    assert broker.latest_version("app", branch="main") == "4.0"


def test_a_fetched_pact_equals_the_published_one(broker: Broker) -> None:
    pact = _pact("web", "auth", "/a", "/b")
    broker.publish_pact(pact, consumer_version="1")
    assert broker.pact("web", "1", "auth") == pact


@pytest.fixture
def cli_env(server_url: str, tmp_path: Path) -> dict[str, str]:
    return {"POLYCONTRACT_BROKER": server_url, "POLYCONTRACT_BROKER_TOKEN": ""}


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_the_cli_answers_can_i_deploy_yes_and_no_against_a_real_server(
    cli_env: dict[str, str], server_url: str, tmp_path: Path
) -> None:
    pacts = tmp_path / "pacts"
    pacts.mkdir()
    from polycontract.codec import dumps_pact

    (pacts / "web-auth.json").write_text(dumps_pact(_pact("web", "auth", "/a")))
    assert _run(cli_env, "create-environment", "--name", "prod", "--production")[0] == 0
    assert _run(cli_env, "publish", str(pacts), "--consumer-version", "1", "--branch", "main")[0] == 0
    code, output = _run(cli_env, "can-i-deploy", "-a", "web", "-e", "1", "--to-environment", "prod")
    assert code == 1, output
    with connect(server_url) as http:
        http.publish_verification(
            provider="auth", provider_version="9", consumer="web", consumer_version="1", success=True
        )
    assert _run(cli_env, "record-deployment", "-a", "auth", "-e", "9", "--environment", "prod")[0] == 0
    code, output = _run(
        cli_env,
        "can-i-deploy",
        "-a",
        "web",
        "-e",
        "1",
        "--to-environment",
        "prod",
        "--broker",
        server_url,
        "-o",
        "json",
    )
    assert code == 0, output
    assert json.loads(output)["summary"]["deployable"] is True


def test_the_cli_reports_a_server_that_is_not_running_in_one_line(tmp_path: Path) -> None:
    code, output = _run(
        {"POLYCONTRACT_BROKER": "http://127.0.0.1:1"},
        "can-i-deploy",
        "-a",
        "web",
        "-e",
        "1",
        "--to-environment",
        "prod",
    )
    assert code == 2
    assert "error: cannot reach the broker at http://127.0.0.1:1" in output
    assert "Traceback" not in output
