"""``polycontract verify --fuzz N --seed S``: exit codes, report sections, JSON, publishing, against a real socket."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from polycontract.cli import cli
from tests.verifier.fuzz_providers import UsersById, users_pact_file
from tests.verifier.providers import serve


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["verify", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def any_user() -> Iterator[str]:
    with serve(UsersById()) as url:
        yield url


def test_a_correct_provider_exits_0_with_a_fuzzed_requests_section(tmp_path: Path, any_user: str) -> None:
    code, out, err = _run("--provider", "users", "--provider-url", any_user, "--fuzz", "20", "--seed", "1",
                          str(users_pact_file(tmp_path)))  # fmt: skip

    assert code == 0, out + err
    assert "web -> users: get user ... ok" in out
    assert "Fuzzed requests (seed 1, up to 20 per HTTP interaction" in out
    assert "get user ... ok (20 requests sent)" in out
    assert out.strip().splitlines()[-1].startswith("Verified")


def test_a_provider_handling_only_the_example_exits_1_and_says_fuzz(tmp_path: Path, only_seven: str) -> None:
    code, out, err = _run("--provider", "users", "--provider-url", only_seven, "--fuzz", "20", "--seed", "1",
                          str(users_pact_file(tmp_path)))  # fmt: skip

    assert code == 1, out + err
    example_line, *_ = (line for line in out.splitlines() if "web -> users: get user ..." in line)
    assert example_line.startswith("  web -> users: get user ... ok")  # the example still passes
    assert "smallest failing request GET /users/" in out
    assert "smallest failing request GET /users/7\n" not in out
    assert out.strip().splitlines()[-1].startswith("Failed (fuzz)")
    assert "Repeat this fuzz run with --seed 1" in out


def test_json_output_has_a_separate_fuzz_key_and_repeats_with_the_seed(tmp_path: Path, only_seven: str) -> None:
    args = ("--provider", "users", "--provider-url", only_seven, "--fuzz", "20", "--seed", "4", "--output", "json")

    first = _run(*args, str(users_pact_file(tmp_path)))
    again = _run(*args, str(users_pact_file(tmp_path)))

    code, out, err = first
    assert code == 1
    data = json.loads(out)
    assert (data["outcome"], data["exampleOutcome"]) == ("failed", "verified")
    assert [i["outcome"] for i in data["interactions"]] == ["verified"]
    assert "fuzz: failed; the example verification: verified" in err

    def smallest(output: str) -> Any:
        return json.loads(output)["fuzz"]["interactions"][0]["smallestFailingRequest"]

    assert smallest(out)["path"] != "/users/7"
    assert smallest(again[1]) == smallest(out)


def test_junit_has_a_fuzz_test_case(tmp_path: Path, only_seven: str) -> None:
    junit = tmp_path / "junit.xml"
    code, _, _ = _run("--provider", "users", "--provider-url", only_seven, "--fuzz", "10", "--seed", "1",
                      "--junit-xml", str(junit), str(users_pact_file(tmp_path)))  # fmt: skip

    assert code == 1
    assert 'name="fuzz: get user"' in junit.read_text()


def test_an_unreachable_provider_exits_2(tmp_path: Path) -> None:
    with serve(UsersById()) as url:
        pass  # stopped: the port refuses connections

    code, out, err = _run("--provider", "users", "--provider-url", url, "--fuzz", "5", str(users_pact_file(tmp_path)))

    assert code == 2, out + err
    assert "not fuzzed (its example could not be verified" in out


def test_seed_without_fuzz_is_a_usage_error(tmp_path: Path, any_user: str) -> None:
    code, _, err = _run(
        "--provider", "users", "--provider-url", any_user, "--seed", "3", str(users_pact_file(tmp_path))
    )

    assert code == 2
    assert "--seed and --fuzz-deadline go with --fuzz N" in err


def test_publish_records_the_example_result_and_the_fuzz_result_apart(tmp_path: Path, only_seven: str) -> None:
    from polycontract.broker import connect
    from polycontract.codec import load_pact

    path = users_pact_file(tmp_path)
    url = f"sqlite:///{tmp_path / 'broker.db'}"
    with connect(url) as broker:
        broker.publish_pact(load_pact(path), consumer_version="c1")

    code, out, err = _run(
        "--provider", "users", "--provider-url", only_seven, "--provider-version", "p1", "--publish",
        "--broker", url, "--fuzz", "10", "--seed", "1", str(path),
    )  # fmt: skip

    assert code == 1, out + err
    assert "published: web -> users verified" in err
    assert "published fuzz verification: web -> users failed" in err
    with connect(url) as broker:
        [row] = broker.matrix("web")  # example results only, as can-i-deploy counts them by default
    assert (row.consumer_version, row.provider_version, row.success) == ("c1", "p1", True)


def test_fuzz_without_hypothesis_exits_2_naming_the_extra(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['hypothesis'] = None\n"
        "from polycontract.cli import cli\n"
        "cli(['verify', '--provider', 'users', '--provider-url', 'http://127.0.0.1:9', '--fuzz', '5', sys.argv[1]])\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(users_pact_file(tmp_path))], capture_output=True, text=True)

    assert done.returncode == 2
    assert "fuzzed verification needs hypothesis, the optional extra 'hypothesis'" in done.stderr


def test_publish_with_nothing_fuzzed_announces_and_records_no_fuzz_result(tmp_path: Path, any_user: str) -> None:
    from polycontract.broker import connect
    from polycontract.codec import load_pact
    from tests.verifier.fuzz_providers import pact
    from tests.verifier.providers import get_user

    path = tmp_path / "web-users.json"
    path.write_text(json.dumps(pact(get_user(7, state=None))))  # no matching rules: nothing to fuzz
    url = f"sqlite:///{tmp_path / 'broker.db'}"
    with connect(url) as broker:
        broker.publish_pact(load_pact(path), consumer_version="c1")

    code, out, err = _run(
        "--provider", "users", "--provider-url", any_user, "--provider-version", "p1", "--publish",
        "--broker", url, "--fuzz", "5", "--seed", "1", str(path),
    )  # fmt: skip

    assert code == 2, out + err  # the examples verified, but the fuzz measured nothing
    assert "published: web -> users verified" in err
    assert "fuzz verification not published: web -> users" in err
    assert "publishing the fuzz results" not in err
    assert "published fuzz verification" not in err
    with connect(url) as broker:
        assert [r.kind for r in broker.matrix("web", include_fuzz=True)] == ["example"]
