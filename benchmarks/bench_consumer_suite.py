"""A whole consumer test suite under pytest: polycontract's plugin against pact-python 4, same tests, same plugins.

Generates two test modules of N tests each, one interaction per test (the four shapes of
``bench_consumer.py``: regex, integer, decimal, datetime, each_like, query, header and body rules, provider
states with parameters), each test starting a mock provider on a real socket on 127.0.0.1 and sending its
request with httpx:

* polycontract: the ``pact`` fixture of its pytest plugin and ``pact.serve()``; the plugin writes the pact
  file at the end of the session;
* pact-python 4: a new ``Pact`` per test, ``pact.serve()`` and ``pact.write_file()`` per test, as its
  documentation's function-scoped fixture does.

Each suite runs as its own ``python -m pytest`` process with the same pytest plugins on both sides, so the
figure is what a user waits for: whole-process wall time, collection and pytest's own overhead included.
Two plugin sets are measured: ``installed`` (every plugin installed in this environment loads, as pytest
does by default: here also hypothesis, schemathesis, xdist and anyio, dev tools of this project) and
``contract`` (plugin autoloading off, only polycontract's and pact-python's plugins, in both runs). Both
pact files are checked to hold N interactions afterwards. pact-python runs at the same N (no sampling).

``--floor`` also times pytest alone with the same plugins (N empty tests, and a 1-test suite for its start
and finish), so the split of a test's time between pytest and polycontract is printed from the same run.

Run: python benchmarks/bench_consumer_suite.py [N] [--repeat R] [--skip-pact-python] [--floor]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Issue 17: the polycontract suite at least this many times pact-python's, measured in the same run.
GOAL_RATIO = 25.0
BENCHMARKS = Path(__file__).resolve().parent

POLYCONTRACT_SUITE = """
import httpx
import pytest
from bench_consumer import declare, exercise

N = {n}

@pytest.fixture(scope="session")
def client():
    with httpx.Client() as c:
        yield c

@pytest.mark.pact(consumer="web", provider="api")
@pytest.mark.parametrize("i", range(N))
def test_interaction(pact, client, i):
    declare(pact, i)
    with pact.serve() as server:
        exercise(client, server.url, i)
"""

#: pytest's own share: the same collection, fixture and plugins, a test that does nothing (``--floor``).
FLOOR_SUITE = """
import httpx
import pytest

N = {n}

@pytest.fixture(scope="session")
def client():
    with httpx.Client() as c:
        yield c

@pytest.mark.parametrize("i", range(N))
def test_interaction(client, i):
    pass
"""

PACT_PYTHON_SUITE = """
import httpx
import pytest
from pact import Pact
from bench_consumer import declare_pact_python, exercise

N = {n}
PACT_DIR = {pact_dir!r}

@pytest.fixture(scope="session")
def client():
    with httpx.Client() as c:
        yield c

@pytest.fixture
def pact():
    pact = Pact("web", "api").with_specification("V4")
    yield pact
    pact.write_file(PACT_DIR)

@pytest.mark.parametrize("i", range(N))
def test_interaction(pact, client, i):
    declare_pact_python(pact, i)
    with pact.serve(addr="127.0.0.1") as server:
        exercise(client, str(server.url).rstrip("/"), i)
"""


#: Plugin set -> (environment additions, pytest arguments); the same set for both tools.
PLUGIN_SETS: dict[str, tuple[dict[str, str], list[str]]] = {
    "installed": ({}, []),
    "contract": (
        {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        ["-p", "polycontract.pytest_plugin", "-p", "pact.testing.pytest"],
    ),
}


def run_suite(directory: Path, module: str, n: int, plugins: str) -> tuple[float, float]:
    """Run one generated suite in a fresh pytest process: (wall seconds, child CPU seconds)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(BENCHMARKS), os.environ.get("PYTHONPATH", "")]))
    extra_env, extra_args = PLUGIN_SETS[plugins]
    env.update(extra_env)
    env["PACT_DO_NOT_TRACK"] = "true"
    # Python's default, as on a user's machine: compiled and assertion-rewritten modules are cached on disk.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *extra_args, module]
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    if done.returncode != 0 or f"{n} passed" not in done.stdout:
        raise SystemExit(f"{module} did not pass all {n} tests:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def interactions_in(path: Path) -> int:
    """How many interactions the pact file at ``path`` holds (fails the run if it is missing)."""
    if not path.is_file():
        raise SystemExit(f"no pact file was written at {path}")
    return len(json.loads(path.read_text())["interactions"])


def floor(root: Path, n: int, plugins: str, repeat: int, polycontract_median: float) -> float:
    """pytest alone with the same plugins: a suite of N empty tests and one of 1 (start and finish); prints
    the per-test split and returns the median N-test floor in seconds."""
    (root / "test_floor_suite.py").write_text(FLOOR_SUITE.format(n=n))
    (root / "test_floor_one.py").write_text(FLOOR_SUITE.format(n=1))
    walls = sorted(run_suite(root, "test_floor_suite.py", n, plugins)[0] for _ in range(repeat))
    starts = sorted(run_suite(root, "test_floor_one.py", 1, plugins)[0] for _ in range(repeat))
    floor_median, start = statistics.median(walls), statistics.median(starts)
    per_test = (floor_median - start) / max(n - 1, 1)
    above = (polycontract_median - floor_median) / n
    print(
        f"  pytest floor (same plugins, {n} empty tests): median {floor_median:.2f} s; a 1-test suite "
        f"{start:.2f} s (start and finish), so {per_test * 1e3:.2f} ms per test is pytest's own; "
        f"polycontract's suite adds {above * 1e3:.2f} ms per test (mock provider, declaration, pact file "
        f"and the test's httpx request)"
    )
    return floor_median


def measure(root: Path, n: int, plugins: str, repeat: int, skip_pact_python: bool, with_floor: bool) -> None:
    """Warm up, then run polycontract's suite ``repeat`` times and pact-python's once with one plugin set."""
    warm = root / f"warm-up-{plugins}"
    warm.mkdir()
    (warm / "pytest.ini").write_text((root / "pytest.ini").read_text())
    (warm / "test_polycontract_suite.py").write_text(POLYCONTRACT_SUITE.format(n=4))
    run_suite(warm, "test_polycontract_suite.py", 4, plugins)
    if not skip_pact_python:
        (warm / "test_pact_python_suite.py").write_text(
            PACT_PYTHON_SUITE.format(n=4, pact_dir=str(warm / "pact-python-pacts"))
        )
        run_suite(warm, "test_pact_python_suite.py", 4, plugins)
    runs = [run_suite(root, "test_polycontract_suite.py", n, plugins) for _ in range(repeat)]
    written = interactions_in(root / "pacts" / "web-api.json")
    if written != n:
        raise SystemExit(f"polycontract's pact file holds {written} interactions, expected {n}")
    walls = [wall for wall, _ in runs]
    cold_wall, cold_cpu = runs[0]
    median = statistics.median(walls)
    print(
        f"consumer suite under pytest, N={n} tests, one interaction and one real-socket mock provider each; "
        f"plugins: {plugins}"
    )
    print(
        f"  polycontract: first run {cold_wall:.2f} s ({n / cold_wall:,.0f} tests/s, CPU {cold_cpu:.2f} s); "
        f"of {len(runs)} runs best {min(walls):.2f} s ({n / min(walls):,.0f} tests/s), "
        f"median {median:.2f} s ({n / median:,.0f} tests/s); whole pytest process, collection included"
    )
    floor_median = floor(root, n, plugins, repeat, median) if with_floor else None
    if skip_pact_python:
        print("  pact-python: not run (--skip-pact-python)")
        return
    pact_dir = root / "pact-python-pacts"
    if pact_dir.exists():
        shutil.rmtree(pact_dir)
    theirs, their_cpu = run_suite(root, "test_pact_python_suite.py", n, plugins)
    their_written = interactions_in(pact_dir / "web-api.json")
    print(
        f"  pact-python 4: {theirs:.2f} s ({n / theirs:,.1f} tests/s, CPU {their_cpu:.2f} s), "
        f"pact file with {their_written} interactions"
    )
    ratio = theirs / median
    verdict = "met" if ratio >= GOAL_RATIO else "NOT met"
    print(
        f"  polycontract is {ratio:.1f}x pact-python (median run; best {theirs / min(walls):.1f}x); "
        f"goal >= {GOAL_RATIO:.0f}x: {verdict}"
    )
    if floor_median is not None:
        print(
            f"  at zero cost for polycontract (the pytest floor alone) the ratio would be {theirs / floor_median:.1f}x"
        )


def main(argv: list[str] | None = None) -> None:
    """Generate both suites, run polycontract's ``--repeat`` times and pact-python's once, print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=1000, help="tests (one interaction each); default 1000")
    parser.add_argument("--repeat", type=int, default=3, help="polycontract runs; the median and best are printed")
    parser.add_argument("--skip-pact-python", action="store_true", help="do not run pact-python's suite")
    parser.add_argument(
        "--floor", action="store_true", help="also time pytest alone (empty tests, same plugins): its share per test"
    )
    parser.add_argument(
        "--plugins", nargs="+", choices=sorted(PLUGIN_SETS), default=["installed", "contract"], help="plugin sets"
    )
    args = parser.parse_args(argv)
    n: int = args.n
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pytest.ini").write_text("[pytest]\npact_dir = pacts\npact_write_mode = overwrite\n")
        (root / "test_polycontract_suite.py").write_text(POLYCONTRACT_SUITE.format(n=n))
        (root / "test_pact_python_suite.py").write_text(
            PACT_PYTHON_SUITE.format(n=n, pact_dir=str(root / "pact-python-pacts"))
        )
        for plugins in args.plugins:
            measure(root, n, plugins, args.repeat, args.skip_pact_python, args.floor)


if __name__ == "__main__":
    main()
