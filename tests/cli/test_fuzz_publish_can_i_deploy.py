"""End to end: ``verify --fuzz 20 --seed 1 --publish`` records the example result and, apart, a fuzz verification;
``can-i-deploy`` ignores it unless ``--fuzz count`` (or ``require``); ``matrix --fuzz`` marks it. Against a real
provider socket, an SQLite broker file and the same broker served over HTTP on 127.0.0.1 port 0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from polycontract.broker import connect
from polycontract.cli import cli
from polycontract.codec import load_pact
from tests.verifier.fuzz_providers import users_pact_file

pytest.importorskip("hypothesis")


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def estate(tmp_path: Path) -> tuple[str, Path]:
    """A broker file where web c1 published its pact for users and is deployed to prod, and the pact file."""
    path = users_pact_file(tmp_path)
    url = f"sqlite:///{tmp_path / 'broker.db'}"
    with connect(url) as broker:
        broker.create_environment("prod")
        broker.publish_pact(load_pact(path), consumer_version="c1")
        broker.record_deployment("web", "c1", "prod")
    return url, path


def _verify_and_deploy(broker: str, pact_file: Path, provider_url: str) -> str:
    code, out, err = _run(
        "verify", "--provider", "users", "--provider-url", provider_url, "--provider-version", "p1", "--publish",
        "--broker", broker, "--fuzz", "20", "--seed", "1", str(pact_file),
    )  # fmt: skip
    assert code == 1, out + err  # the fuzz failure fails the run
    with connect(broker) as opened:
        opened.record_deployment("users", "p1", "prod")
    return err


def test_verify_fuzz_publish_records_an_example_success_and_a_fuzz_failure(
    estate: tuple[str, Path], only_seven: str
) -> None:
    url, path = estate

    err = _verify_and_deploy(url, path, only_seven)

    assert "published: web -> users verified" in err
    assert "published fuzz verification: web -> users failed" in err
    with connect(url) as broker:
        rows = broker.matrix("web", include_fuzz=True)
    assert [(r.kind, r.provider_version, r.success) for r in rows] == [("example", "p1", True), ("fuzz", "p1", False)]
    [fuzz_row] = [r for r in rows if r.kind == "fuzz"]
    assert fuzz_row.failures is not None
    assert "smallest failing request GET /users/" in fuzz_row.failures[0].description
    assert fuzz_row.failures[0].mismatches, "the smallest request's mismatches are recorded"


@pytest.mark.parametrize("served", [False, True], ids=["database", "http"])
def test_can_i_deploy_says_yes_by_default_and_no_with_fuzz_count(
    estate: tuple[str, Path], only_seven: str, served: bool
) -> None:
    url, path = estate
    if served:
        pytest.importorskip("uvicorn")
        from tests.broker.http_twin import serving

        with connect(url) as broker, serving(broker) as http_url:  # type: ignore[arg-type]
            _check_answers(http_url, path, only_seven)
    else:
        _check_answers(url, path, only_seven)


def _check_answers(broker: str, path: Path, provider_url: str) -> None:
    _verify_and_deploy(broker, path, provider_url)
    ask = ("can-i-deploy", "-a", "web", "-e", "c1", "--to-environment", "prod", "--broker", broker)

    default = _run(*ask)
    counted = _run(*ask, "--fuzz", "count")
    required = _run(*ask, "--fuzz", "require")
    as_provider = _run("can-i-deploy", "-a", "users", "-e", "p1", "--to-environment", "prod", "--broker", broker,
                       "--fuzz", "count")  # fmt: skip

    assert default[0] == 0, default
    assert "Can web c1 go to prod? yes" in default[1]
    assert "fuzz" not in default[1]
    assert counted[0] == 1, counted
    assert "! The fuzz verification of the pact between web c1 and users p1 failed" in counted[1]
    assert "Can web c1 go to prod? no" in counted[1]
    assert required[0] == 1 and "Can web c1 go to prod? no" in required[1]
    assert as_provider[0] == 1 and "fuzz verification" in as_provider[1]


def test_matrix_with_fuzz_marks_the_fuzz_row(estate: tuple[str, Path], only_seven: str) -> None:
    url, path = estate
    _verify_and_deploy(url, path, only_seven)

    plain = _run("matrix", "-a", "web", "--broker", url)
    marked = _run("matrix", "-a", "web", "--fuzz", "--broker", url)
    as_json = _run("matrix", "-a", "web", "--fuzz", "--broker", url, "--output", "json")

    assert plain[0] == 0 and "(fuzz)" not in plain[1]
    assert marked[0] == 0 and "false (fuzz)" in marked[1]
    assert [r.get("kind") for r in json.loads(as_json[1])["matrix"]] == [None, "fuzz"]


def test_require_blocks_when_no_fuzz_verification_was_published(estate: tuple[str, Path], only_seven: str) -> None:
    url, path = estate
    code, out, err = _run("verify", "--provider", "users", "--provider-url", only_seven, "--provider-version", "p1",
                          "--publish", "--broker", url, str(path))  # fmt: skip
    assert code == 0, out + err
    with connect(url) as broker:
        broker.record_deployment("users", "p1", "prod")
    ask = ("can-i-deploy", "-a", "web", "-e", "c1", "--to-environment", "prod", "--broker", url)

    assert _run(*ask)[0] == 0
    assert _run(*ask, "--fuzz", "count")[0] == 0
    code, out, _ = _run(*ask, "--fuzz", "require")
    assert code == 1
    assert "There is no fuzz verification of the pact between web c1 and users p1" in out
