"""can-i-deploy of an OpenAPI provider: two 1,000-operation documents, validated once at publish time.

The provider publishes its OpenAPI document for version 1 (deployed to prod) and version 2 (~50
changes); a consumer version live in prod reads the version-1 document. can-i-deploy of version 2
diffs the two documents. openapi-spec-validator runs at ``publish-schema`` time only (the stored
content is the validated content), so the diff at can-i-deploy time runs with ``validate=False``.

Printed: the publish time (validation included), the CLI ``can-i-deploy`` as a whole fresh process,
and the same with the diff forced to re-validate both documents cold (the cost the publish-time
validation removes from every can-i-deploy).

Run: python benchmarks/bench_schema_can_i_deploy.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_compat import changed, openapi_document

from polycontract.broker import connect

#: Run in a fresh process: the CLI's can-i-deploy, optionally with the schema diff re-validating cold.
_CHILD = """
import sys
from polycontract.cli import cli
if sys.argv[1] == "revalidate":
    import polycontract.compat.openapi as openapi
    real = openapi.diff
    openapi.diff = lambda old, new, **kw: real(old, new, **{**kw, "validate": True})
sys.argv = ["polycontract", "can-i-deploy", "-a", "api", "-e", "2", "--to", "prod", "--broker", sys.argv[2]]
try:
    cli()
except SystemExit:
    pass
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    old = openapi_document(1000)
    new = changed(old, 50)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'broker.db'}"
        with connect(url) as broker:
            broker.create_environment("prod", production=True)
            start = time.perf_counter()
            broker.publish_schema("api", "1", subject="api", kind="openapi", schema=old)
            first = time.perf_counter() - start
            start = time.perf_counter()
            broker.publish_schema("api", "2", subject="api", kind="openapi", schema=json.dumps(new))
            second = time.perf_counter() - start
            broker.record_schema_use("web", "1", subject="api", from_version="1")
            broker.record_deployment("api", "1", "prod")
            broker.record_deployment("web", "1", "prod")
            start = time.perf_counter()
            decision = broker.can_i_deploy("api", "2", to_environment="prod")
            in_process = time.perf_counter() - start
        print(f"publish-schema (validation included): {first * 1000:.0f} ms, {second * 1000:.0f} ms")
        print(f"can-i-deploy in-process (warm validator cache irrelevant, validate=False): {in_process * 1000:.0f} ms")
        print(f"answer: {decision.ok}, {sum(r.status == 'failed' for r in decision.reasons)} failed reason(s)")
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        for mode in ("stored-fact", "revalidate"):
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                subprocess.run([sys.executable, "-c", _CHILD, mode, url], env=env, check=True, capture_output=True)
                times.append(time.perf_counter() - start)
            label = "validate=False (validated at publish)" if mode == "stored-fact" else "re-validating both cold"
            print(f"CLI can-i-deploy, fresh process, {label}: best {min(times) * 1000:.0f} ms of {args.runs}")


if __name__ == "__main__":
    main()
