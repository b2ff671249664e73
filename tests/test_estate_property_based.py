"""examples/estate, explored: what example-based contract tests miss, property-based runs catch.

Both proofs copy a service of the estate to a temporary directory, change one thing in the copy (the
estate's own files stay as they are) and run it as its team would:

- web-ui: a variant that keys a per-user table by the example's id (7) passes its consumer test against
  the plain mock and fails under ``--pact-vary`` (the marker's ``vary=N`` for every test), and the failure
  shows the shrunk response that broke it; the estate's own client passes the same varied runs.
- auth-svc: a variant that answers only the example request (``Accept: application/json``, exactly) passes
  ``polycontract verify`` and fails ``polycontract verify --fuzz N --seed S``, the report showing the
  shrunk request; the estate's own service passes the same fuzz run.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from polycontract.cli import cli

pytest.importorskip("hypothesis")

ESTATE = Path(__file__).resolve().parents[1] / "examples" / "estate"

#: A consumer test of web-ui that holds for every user the contract allows (not only the example "Ann", 7).
#: Its Accept header may carry a charset: the pact allows both, as web-ui's HTTP stack may send either.
ANY_USER_TEST = """
import httpx
import pytest
from web_ui import AuthClient

from polycontract import Pact, match

pytestmark = pytest.mark.pact(consumer="web-ui", provider="auth-svc")


def test_greets_any_user_the_contract_allows(pact: Pact) -> None:
    (
        pact.given("user 7 exists", id=7)
        .upon_receiving("a request for a user")
        .with_request(
            "GET",
            "/users/7",
            headers={"Accept": match.regex(r"application/json(; ?charset=utf-8)?", "application/json")},
        )
        .will_respond_with(200, body={"id": match.integer(7), "displayName": match.string("Ann")})
    )
    with pact.serve() as server, httpx.Client(base_url=server.url) as http:
        assert AuthClient(http).greeting(7).startswith("Hello, ")
"""

#: web-ui's bug: a table of per-user settings keyed by the only id its tests ever showed it.
HARD_CODED_ID = (
    "        return f\"Hello, {user['displayName']}\"\n",
    '        badges = {7: "*"}  # filled from the contract test\'s example\n'
    "        return f\"Hello, {user['displayName']} {badges[user['id']]}\"\n",
)

#: auth-svc's bug: it answers only the exact Accept header of the example request.
EXAMPLE_REQUEST_ONLY = (
    '    found = re.fullmatch(r"/users/(\\d+)", environ.get("PATH_INFO", ""))\n',
    '    if environ.get("HTTP_ACCEPT") != "application/json":\n'
    '        return _reply(start_response, "406 Not Acceptable", {"error": "only application/json"})\n'
    '    found = re.fullmatch(r"/users/(\\d+)", environ.get("PATH_INFO", ""))\n',
)


def _copy(service: str, tmp_path: Path, change: tuple[str, str] | None = None) -> Path:
    """A copy of one estate service, with ``change`` (old text, new text) made to its module."""
    folder = tmp_path / service
    shutil.copytree(ESTATE / service, folder, ignore=shutil.ignore_patterns("pacts", "__pycache__"))
    if change is not None:
        module = folder / f"{service.replace('-', '_')}.py"
        source = module.read_text()
        assert source.count(change[0]) == 1, f"the estate's {module.name} changed: update this test's variant"
        module.write_text(source.replace(*change))
    (folder / "tests" / "test_any_user.py").write_text(ANY_USER_TEST)
    return folder


def _consumer_tests(folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_any_user.py", *options],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_consumer_hard_coding_the_example_id_passes_the_plain_mock_and_fails_varied_responses(
    tmp_path: Path,
) -> None:
    variant = _copy("web-ui", tmp_path / "variant", HARD_CODED_ID)

    plain = _consumer_tests(variant)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    # The pact the plain run wrote holds the declared example.
    written = json.loads((variant / "pacts" / "web-ui-auth-svc.json").read_text())
    assert written["interactions"][0]["response"]["body"]["content"] == {"id": 7, "displayName": "Ann"}

    varied = _consumer_tests(variant, "--pact-vary", "25")

    assert varied.returncode == 1, varied.stdout + varied.stderr
    assert "KeyError" in varied.stdout
    assert "the varied responses served in this run:" in varied.stdout
    # The response that broke it, shrunk: the example but for the id, another user's.
    served = re.findall(r"body: (\{.*\})$", varied.stdout, re.MULTILINE)
    assert served, varied.stdout
    shrunk = json.loads(served[0])
    assert shrunk["displayName"] == "Ann" and shrunk["id"] != 7, varied.stdout


def test_the_estates_own_consumer_passes_the_same_varied_responses(tmp_path: Path) -> None:
    web_ui = _copy("web-ui", tmp_path)

    varied = _consumer_tests(web_ui, "--pact-vary", "25")

    assert varied.returncode == 0, varied.stdout + varied.stderr


@pytest.fixture
def pact_dir(tmp_path: Path) -> Path:
    """web-ui's pact with auth-svc, written by its consumer test (the estate's own client, plain mock)."""
    web_ui = _copy("web-ui", tmp_path / "consumer")
    done = _consumer_tests(web_ui)
    assert done.returncode == 0, done.stdout + done.stderr
    return web_ui / "pacts"


def _serve(folder: Path) -> Iterator[str]:
    """auth-svc (from ``folder``) with provider states on a free port of 127.0.0.1; yields its URL."""
    process = subprocess.Popen(
        [sys.executable, "auth_svc.py", "--port", "0", "--pact-states"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().split(" on ")[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def example_only_auth_svc(tmp_path: Path) -> Iterator[str]:
    """The auth-svc variant that answers only the example request, running."""
    yield from _serve(_copy("auth-svc", tmp_path / "variant", EXAMPLE_REQUEST_ONLY))


@pytest.fixture
def estate_auth_svc(tmp_path: Path) -> Iterator[str]:
    """The estate's own auth-svc, running."""
    yield from _serve(_copy("auth-svc", tmp_path / "estate"))


def _verify(pacts: Path, url: str, *options: str) -> tuple[int, str]:
    done = CliRunner().invoke(
        cli,
        [
            "verify",
            str(pacts),
            "--provider",
            "auth-svc",
            "--provider-url",
            url,
            "--state-change-url",
            "/_pact/state",
            *options,
        ],
    )
    return done.exit_code, done.output


def _untimed(report: str) -> str:
    return re.sub(r"\b[0-9.]+ m?s\b", "… s", report)


def test_a_provider_handling_only_the_example_request_verifies_and_fails_fuzzed_verification(
    pact_dir: Path, example_only_auth_svc: str
) -> None:
    plain_exit, plain = _verify(pact_dir, example_only_auth_svc)
    fuzz_exit, fuzzed = _verify(pact_dir, example_only_auth_svc, "--fuzz", "30", "--seed", "1")

    assert plain_exit == 0, plain
    assert fuzz_exit == 1, fuzzed
    assert "Fuzzed requests (seed 1" in fuzzed
    # The shrunk request: the example's, with the charset the Accept rule allows; the provider answered 406.
    shown = fuzzed.split("smallest failing request", 1)[1]
    assert shown.startswith(" GET /users/7\n    headers Accept: application/json;charset=utf-8\n"), fuzzed
    assert "Expected status 200 but received 406" in shown, fuzzed
    again_exit, again = _verify(pact_dir, example_only_auth_svc, "--fuzz", "30", "--seed", "1")
    assert (again_exit, _untimed(again)) == (fuzz_exit, _untimed(fuzzed))  # the seed repeats the run


def test_the_estates_own_provider_passes_the_same_fuzzed_verification(pact_dir: Path, estate_auth_svc: str) -> None:
    fuzz_exit, fuzzed = _verify(pact_dir, estate_auth_svc, "--fuzz", "30", "--seed", "1")

    assert fuzz_exit == 0, fuzzed
    assert "Fuzzed requests" in fuzzed
