"""Schema compatibility speed: an OpenAPI diff of two 1,000-operation documents with ~50 changes,
and an Avro schema of 500 fields checked FULL_TRANSITIVE against 20 earlier versions.

Floors (issue 7): OpenAPI diff ≤ 1 s, Avro transitive check ≤ 200 ms.

Run: python benchmarks/bench_compat.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import copy
import time
from collections.abc import Callable
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
        extra = [{"name": f"x{j}", "type": ["null", "string"], "default": None} for j in range(v)]
        out.append({"type": "record", "name": "Big", "namespace": "bench", "fields": base + extra})
    return out


def timed(label: str, fn: Callable[[], object], repeat: int, floor: float) -> None:
    best = min(_once(fn) for _ in range(repeat))
    verdict = "ok" if best <= floor else "SLOWER THAN FLOOR"
    print(f"{label}: best of {repeat} {best * 1000:.1f} ms (floor {floor * 1000:.0f} ms) {verdict}")


def _once(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    old = openapi_document(1000)
    new = changed(old, 50)
    report = openapi.diff(old, new, validate=False)
    print(f"openapi: {len(report.changes)} changes, {len(report.errors)} ERR")
    start = time.perf_counter()
    openapi.diff(old, new)
    print(f"openapi diff, both documents validated cold: {(time.perf_counter() - start) * 1000:.0f} ms")
    timed("openapi diff, validation cached (1,000 ops, ~50 changes)", lambda: openapi.diff(old, new), args.repeat, 1.0)
    timed("openapi diff, validate=False", lambda: openapi.diff(old, new, validate=False), args.repeat, 1.0)
    *previous, latest = avro_versions(500, 20)
    assert avro.check_level(latest, previous, "FULL_TRANSITIVE").compatible
    timed(
        "avro FULL_TRANSITIVE (500 fields x 20 versions)",
        lambda: avro.check_level(latest, previous, "FULL_TRANSITIVE"),
        args.repeat,
        0.2,
    )
    timed(
        "avro BACKWARD_TRANSITIVE (500 fields x 20 versions)",
        lambda: avro.check_level(latest, previous, "BACKWARD_TRANSITIVE"),
        args.repeat,
        0.2,
    )


if __name__ == "__main__":
    main()
