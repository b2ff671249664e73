"""Whole-process start of the ``polycontract`` command line, beside the official Pact CLI, in one run.

Measured (each a fresh process of the real console script ``.venv/bin/polycontract``, so the script's own
start-up and ``site`` count):

- ``polycontract --help``                                   goal <= 100 ms
- ``polycontract version``                                   goal <= 100 ms (no goal in the issue; --help's)
- ``polycontract can-i-deploy --broker http://127.0.0.1:PORT`` goal <= 150 ms
- the Pact CLI's ``pact-broker can-i-deploy`` (node wrapper) and its native binary ``pact broker can-i-deploy``,
  the same question against the same server: the peer figures.

The broker is ``polycontract broker serve --port 0`` over an SQLite file seeded first through the embedded
broker (a small estate: 8 services, 5 versions each, pacts between neighbours, every provider version
verifying every consumer version, one version of each deployed to prod). Both CLIs ask whether svc-3 1.0.4
may go to prod (yes), and the benchmark checks that both answer yes (exit 0) before timing.

"cold" is the first run of each command in this benchmark: a fresh process with the OS file cache warm and
the ``.pyc`` files present, as after ``pip install`` (which compiles them). "no pyc" is one more run with
``PYTHONPYCACHEPREFIX`` set to an empty folder, so every module (standard library included) is compiled from
source: the worst first start, after a checkout without bytecode. "warm" is ``--runs`` further runs,
interleaved command by command so load on the machine hits all alike, reported as min and median; a goal is
met when the warm median is within it. "cpu median" is the median CPU time (user + system) of those runs,
which other load on the machine disturbs less than the wall clock. Figures are noisy on a shared machine:
compare the ratios within one run.

``--baseline EXE`` adds the same can-i-deploy question asked by another ``polycontract`` executable (say, a
script running an earlier checkout), interleaved with the rest, for a before/after in one run.

Run:
    python benchmarks/bench_cli_start.py [--runs 15] [--baseline EXE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
POLYCONTRACT = str(BIN / "polycontract")
NODE_BIN = ROOT / ".ci/node/node_modules/.bin"
PACT_NODE = os.environ.get("PACT_BROKER_CLI") or str(NODE_BIN / "pact-broker")
PACT_NATIVE = str(ROOT / ".ci/node/node_modules/@pact-foundation/pact-cli-linux-x64/standalone/pact")
GOALS_MS = {"--help": 100.0, "version": 100.0, "can-i-deploy": 150.0}
SERVICES = 8
VERSIONS = 5


def seed(url: str) -> None:
    """The small estate described in the module docstring, written through the embedded broker."""
    from polycontract.broker import connect
    from polycontract.model import HttpInteraction, PactDocument, Request, Response

    names = [f"svc-{i}" for i in range(SERVICES)]
    with connect(url) as broker:
        broker.create_environment("prod", production=True)
        for v in range(VERSIONS):
            for name in names:
                broker.create_version(name, f"1.0.{v}", branch="main")
        for i, consumer in enumerate(names[:-1]):
            for provider in names[i + 1 : i + 3]:
                for cv in range(VERSIONS):
                    body = {"id": cv, "consumer": consumer}
                    interaction = HttpInteraction(
                        description=f"get {provider} for {consumer}",
                        request=Request(method="GET", path=f"/{provider}/{cv}"),
                        response=Response(status=200, body=body),
                    )
                    pact = PactDocument(consumer=consumer, provider=provider, interactions=(interaction,))
                    broker.publish_pact(pact, consumer_version=f"1.0.{cv}", branch="main")
                    for pv in range(VERSIONS):
                        broker.publish_verification(
                            provider=provider,
                            provider_version=f"1.0.{pv}",
                            consumer=consumer,
                            consumer_version=f"1.0.{cv}",
                            success=True,
                            branch="main",
                        )
        for name in names:
            broker.record_deployment(name, f"1.0.{VERSIONS - 2}", "prod")


@contextmanager
def served(db_url: str) -> Iterator[str]:
    """``polycontract broker serve --port 0`` on the database; yields its URL (read from the JSON line)."""
    env = {**os.environ, "PACT_DO_NOT_TRACK": "true"}
    process = subprocess.Popen(
        [POLYCONTRACT, "broker", "serve", "--db", db_url, "--port", "0", "--output", "json", "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the broker server exited before listening")
        yield str(json.loads(line)["url"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def commands(url: str, baseline: str | None = None) -> dict[str, list[str]]:
    """Each measured command line; the Pact CLI's only where it is installed."""
    question = ["--pacticipant", "svc-3", "--version", "1.0.4", "--to-environment", "prod"]
    out = {
        "--help": [POLYCONTRACT, "--help"],
        "version": [POLYCONTRACT, "version"],
        "can-i-deploy": [POLYCONTRACT, "can-i-deploy", *question, "--broker", url],
    }
    if baseline is not None:
        out["can-i-deploy (baseline)"] = [baseline, "can-i-deploy", *question, "--broker", url]
    if Path(PACT_NODE).exists():
        out["pact-broker can-i-deploy (node)"] = [PACT_NODE, "can-i-deploy", *question, "--broker-base-url", url]
    if Path(PACT_NATIVE).exists():
        out["pact broker can-i-deploy (native)"] = [
            PACT_NATIVE,
            "broker",
            "can-i-deploy",
            *question,
            "--broker-base-url",
            url,
        ]
    return out


def once(command: list[str], **extra_env: str) -> tuple[float, int, float]:
    """Seconds from spawn to exit, the exit code, and the CPU seconds (user + system) the process used."""
    env = {**os.environ, "PACT_DO_NOT_TRACK": "true", "NO_COLOR": "1", **extra_env}
    env.pop("POLYCONTRACT_BROKER", None)
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, process.returncode, usage.ru_utime + usage.ru_stime


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="warm runs of each command (>= 10)")
    parser.add_argument("--baseline", default=None, metavar="EXE", help="another polycontract to compare with")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores; {args.runs} warm runs, interleaved")
    with tempfile.TemporaryDirectory() as folder:
        db_url = f"sqlite:///{Path(folder) / 'broker.db'}"
        seed(db_url)
        with served(db_url) as url:
            lines = commands(url, args.baseline)
            cold: dict[str, float] = {}
            for name, command in lines.items():  # both CLIs must give the same answer: yes
                cold[name], code, _ = once(command)
                if code != 0:
                    raise SystemExit(f"{name} exited {code}: {' '.join(command)}")
            no_pyc: dict[str, float] = {}
            for name, command in lines.items():
                if not name.startswith("pact"):
                    with tempfile.TemporaryDirectory() as empty:
                        no_pyc[name] = once(command, PYTHONPYCACHEPREFIX=empty)[0]
            warm: dict[str, list[float]] = {name: [] for name in lines}
            cpu: dict[str, list[float]] = {name: [] for name in lines}
            for _ in range(args.runs):
                for name, command in lines.items():
                    elapsed, _, used = once(command)
                    warm[name].append(elapsed)
                    cpu[name].append(used)
    print(
        f"{'command (ms)':36} {'no pyc':>7} {'cold':>7} {'warm min':>9} {'warm median':>12} {'cpu median':>11}"
        f" {'goal':>8}"
    )
    for name, times in warm.items():
        goal = GOALS_MS.get(name)
        shown = f"<= {goal:.0f}" if goal is not None else "peer"
        verdict = "" if goal is None else ("  met" if statistics.median(times) * 1000 <= goal else "  NOT met")
        print(
            f"{name:36} {_ms(no_pyc.get(name)):>7} {cold[name] * 1000:7.1f} {min(times) * 1000:9.1f}"
            f" {statistics.median(times) * 1000:12.1f} {statistics.median(cpu[name]) * 1000:11.1f} {shown:>8}{verdict}"
        )
    ours = statistics.median(warm["can-i-deploy"])
    for peer in ("can-i-deploy (baseline)", "pact-broker can-i-deploy (node)", "pact broker can-i-deploy (native)"):
        if peer in warm:
            print(f"can-i-deploy median / {peer} median: {ours / statistics.median(warm[peer]):.2f}x")


if __name__ == "__main__":
    main()
