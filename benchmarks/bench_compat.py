"""Schema compatibility speed where users wait: each diff in a fresh process, as `polycontract compat`
runs in a pipeline, and the same work again in a warm process.

- OpenAPI diff of two documents of 1,000 operations (and of 100), ~50 changes: the CLI on JSON and on
  YAML files, and the Python API (`openapi.diff` on the files' text), each in a new process.
  Nothing is cached between processes: polycontract keeps no validation cache on disk, so every
  fresh-process figure is a cold one (both documents validated with openapi-spec-validator's rules).
- The same documents validated by openapi-spec-validator itself, in a fresh process: the reference
  polycontract's validator replaces (the "before" of issue 17, measured in the same run).
- Warm: the same diff again in one process (documents already validated by content).
- Avro FULL_TRANSITIVE (500 fields x 20 versions) and a JSON Schema diff (500 properties), fresh process.

Goals (issue 17 row 7, issue 7): OpenAPI diff of 1,000 operations in a fresh process <= 1 s;
Avro transitive check <= 200 ms in process. Peer: oasdiff (Go), measured when `oasdiff` is on PATH.

Run: python benchmarks/bench_compat.py [--repeat 5] [--yaml-repeat 2]
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from polycontract.compat import avro, openapi


def openapi_document(operations: int) -> dict[str, Any]:
    """``operations`` operations over ``operations / 2`` paths, each with a parameter, a body and a response."""
    item_schema = {
        "type": "object",
        "required": ["id", "name"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string", "maxLength": 80},
            "status": {"type": "string", "enum": ["a", "b", "c"]},
            "count": {"type": "integer", "minimum": 0},
        },
    }
    paths: dict[str, Any] = {}
    for i in range(operations // 2):
        paths[f"/r{i}/{{id}}"] = {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                    }
                },
            },
            "put": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/In{i}"}}},
                },
                "responses": {"204": {"description": "done"}},
            },
        }
    schemas: dict[str, Any] = {"Item": item_schema}
    for i in range(operations // 2):
        schemas[f"In{i}"] = copy.deepcopy(item_schema)
    return {
        "openapi": "3.0.3",
        "info": {"title": "big", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def changed(doc: dict[str, Any], count: int) -> dict[str, Any]:
    """Apply ``count`` assorted changes (removals, new required fields, enum edits, bounds)."""
    new = copy.deepcopy(doc)
    schemas = new["components"]["schemas"]
    for i in range(count):
        kind = i % 5
        if kind == 0:
            new["paths"].pop(f"/r{i}/{{id}}")
        elif kind == 1:
            schemas[f"In{i}"]["required"].append("status")
        elif kind == 2:
            schemas[f"In{i}"]["properties"]["status"]["enum"].remove("c")
        elif kind == 3:
            schemas[f"In{i}"]["properties"]["name"]["maxLength"] = 40
        else:
            new["paths"][f"/r{i}/{{id}}"]["get"]["parameters"][0]["required"] = True
    return new


def avro_versions(fields: int, versions: int) -> list[dict[str, Any]]:
    """``versions`` + 1 schemas of a record; each version adds a field with a default."""
    base = [{"name": f"f{i}", "type": ["null", "long", "string"][i % 3] if i % 3 else "int"} for i in range(fields)]
    out = []
    for v in range(versions + 1):
        extra: list[dict[str, Any]] = [{"name": f"x{j}", "type": ["null", "string"], "default": None} for j in range(v)]
        out.append({"type": "record", "name": "Big", "namespace": "bench", "fields": base + extra})
    return out


def jsonschema_pair(properties: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """An object schema of ``properties`` properties, and a version that adds one required and narrows one."""
    old: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {f"p{i}": {"type": ["string", "integer", "boolean"][i % 3]} for i in range(properties)},
        "required": ["p0"],
    }
    new = copy.deepcopy(old)
    new["properties"]["p1"]["minimum"] = 0
    new["properties"]["extra"] = {"type": "string"}
    new["required"].append("extra")
    return old, new


def fresh(argv: list[str], repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` runs of ``argv`` in a new process each (exit 0 or 1 expected).

    The child's CPU seconds (user + system) are kept in `_CPU` for `report`: on a loaded machine
    they move less than the wall clock.
    """
    times = []
    _CPU.clear()
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        _CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{argv} failed ({done.returncode}): {done.stderr[-2000:]}")
    return times


_CPU: list[float] = []


def report(label: str, times: list[float], goal: float | None, *, cpu: bool = True) -> None:
    best, median = min(times), statistics.median(times)
    if cpu and _CPU:
        label += f" [cpu min {min(_CPU) * 1000:.0f} ms]"
    if goal is None:
        verdict = "(reference, no goal)"
    else:
        verdict = f"goal <= {goal * 1000:.0f} ms: {'met' if best <= goal else 'NOT MET'}"
    print(f"{label}: min {best * 1000:.0f} ms, median {median * 1000:.0f} ms of {len(times)}; {verdict}", flush=True)


def in_process(fn: Callable[[], object], repeat: int) -> list[float]:
    _CPU.clear()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def write(folder: Path, name: str, document: Any) -> Path:
    path = folder / name
    if name.endswith(".yaml"):
        import yaml

        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    else:
        path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


_API = """
import sys
from pathlib import Path
from polycontract.compat import openapi
report = openapi.diff(Path(sys.argv[1]).read_text(), Path(sys.argv[2]).read_text())
print(len(report.changes))
"""

_REFERENCE = """
import json, sys
from openapi_spec_validator import validate
for name in sys.argv[1:]:
    validate(json.loads(open(name).read()))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per JSON figure")
    parser.add_argument("--yaml-repeat", type=int, default=2, help="fresh processes per YAML figure")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "polycontract.cli"]
    env_note = os.environ.get("OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND", "default")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, openapi-spec-validator backend: {env_note}")
    with tempfile.TemporaryDirectory(prefix="bench-compat-") as tmp:
        folder = Path(tmp)
        for operations in (1000, 100):
            old = openapi_document(operations)
            new = changed(old, min(50, operations // 2))
            changes = openapi.diff(old, new, validate=False).changes
            print(f"\nOpenAPI, {operations} operations, {len(changes)} changes")
            old_json, new_json = (
                write(folder, f"old{operations}.json", old),
                write(folder, f"new{operations}.json", new),
            )
            goal = 1.0
            report(
                "  CLI, JSON files, fresh process (cold)",
                fresh([*cli, "compat", "openapi", str(old_json), str(new_json)], args.repeat),
                goal,
            )
            api = [sys.executable, "-c", _API, str(old_json), str(new_json)]
            report("  Python API, JSON text, fresh process (cold)", fresh(api, args.repeat), goal)
            old_yaml, new_yaml = (
                write(folder, f"old{operations}.yaml", old),
                write(folder, f"new{operations}.yaml", new),
            )
            yaml_argv = [*cli, "compat", "openapi", str(old_yaml), str(new_yaml)]
            report("  CLI, YAML files, fresh process (cold)", fresh(yaml_argv, args.yaml_repeat), goal)
            reference = [sys.executable, "-c", _REFERENCE, str(old_json), str(new_json)]
            report("  openapi-spec-validator alone on both, fresh process", fresh(reference, 1), None)
            openapi.diff(old, new)
            report(
                "  in process, warm (both validated before)",
                in_process(functools.partial(openapi.diff, old, new), 3),
                goal,
            )
            oasdiff = shutil.which("oasdiff")
            if oasdiff is None:
                print("  peer oasdiff (Go): not measured (oasdiff is not installed here)")
            else:
                report(
                    "  peer oasdiff breaking, fresh process",
                    fresh([oasdiff, "breaking", str(old_json), str(new_json)], args.repeat),
                    None,
                )
        print("\nAvro, 500 fields x 20 versions")
        versions = avro_versions(500, 20)
        paths = [str(write(folder, f"v{i:02}.avsc.json", schema)) for i, schema in enumerate(versions)]
        argv = [*cli, "compat", "avro", *paths, "--level", "FULL_TRANSITIVE"]
        report("  CLI FULL_TRANSITIVE, fresh process", fresh(argv, args.repeat), 1.0)
        *previous, latest = versions
        report(
            "  in process FULL_TRANSITIVE",
            in_process(lambda: avro.check_level(latest, previous, "FULL_TRANSITIVE"), args.repeat),
            0.2,
        )
        print("\nJSON Schema, 500 properties")
        js_old, js_new = jsonschema_pair(500)
        old_path, new_path = write(folder, "old.schema.json", js_old), write(folder, "new.schema.json", js_new)
        report(
            "  CLI BACKWARD, fresh process",
            fresh([*cli, "compat", "jsonschema", str(old_path), str(new_path)], args.repeat),
            1.0,
        )


if __name__ == "__main__":
    main()
