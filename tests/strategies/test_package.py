"""The public surface of `polycontract.strategies`, and hypothesis staying an optional, lazily loaded extra."""

from __future__ import annotations

import subprocess
import sys

import polycontract.strategies as strategies

#: Blocks importing hypothesis (``import hypothesis`` raises ImportError), as if the extra were not installed.
HIDE_HYPOTHESIS = "import sys\nsys.modules['hypothesis'] = None\n"


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_public_names_are_pinned() -> None:
    assert sorted(strategies.__all__) == [
        "from_avro",
        "from_json_schema",
        "from_matchers",
        "from_rules",
        "messages_for",
        "requests_for",
        "responses_for",
    ]
    for name in strategies.__all__:
        assert getattr(strategies, name).__doc__, name


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        strategies.from_openapi  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "from_openapi" in str(exc)
    else:
        raise AssertionError("no AttributeError")


def test_importing_polycontract_and_the_package_loads_no_hypothesis() -> None:
    out = _run("import sys, polycontract, polycontract.strategies; print('hypothesis' in sys.modules)")

    assert out.stdout.strip() == "False", out.stderr


def test_without_hypothesis_the_import_error_names_the_extra() -> None:
    out = _run(HIDE_HYPOTHESIS + "import polycontract.strategies")

    assert out.returncode != 0
    assert "the optional extra 'hypothesis'" in out.stderr
    assert "pip install -e '.[hypothesis]'" in out.stderr


def test_without_hypothesis_polycontract_itself_still_imports() -> None:
    out = _run(HIDE_HYPOTHESIS + "import polycontract, polycontract.match; print('ok')")

    assert out.stdout.strip() == "ok", out.stderr
