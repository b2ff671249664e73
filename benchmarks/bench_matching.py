"""Matching engine throughput: request comparisons per second for a realistic interaction
(a 50-field JSON body with nested arrays and 20 rules) and for the Pact conformance corpus.

Run: python benchmarks/bench_matching.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from polycontract.codec import parse_request
from polycontract.matching import compare_message, compare_request, compare_response
from polycontract.model import Body, Request

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "pact-spec" / "testcases"


def realistic_body(seed: int) -> dict[str, Any]:
    """50 leaf fields: a customer, an address, 3 order lines of 6 fields, tags and flags."""
    lines = [
        {
            "sku": f"SKU-{seed + i:05d}",
            "qty": i + 1,
            "price": 9.99 + i,
            "currency": "EUR",
            "gift": False,
            "added": "2026-11-30T10:00:00",
        }
        for i in range(3)
    ]
    return {
        "id": 1000 + seed,
        "uuid": "3f2c1a9e-8b7d-4c6e-9f10-1234567890ab",
        "status": "PLACED",
        "customer": {
            "id": 42,
            "name": "Alice Example",
            "email": "alice@example.com",
            "phone": "+4912345678",
            "vip": True,
            "since": "2020-01-31",
            "segment": "retail",
            "score": 87.5,
        },
        "address": {
            "street": "1 Main St",
            "city": "Berlin",
            "zip": "10115",
            "country": "DE",
            "lat": 52.52,
            "lon": 13.405,
            "notes": "",
        },
        "lines": lines,
        "tags": ["new", "priority", "web"],
        "flags": {"fraudCheck": "passed", "express": False, "insured": True},
        "totals": {"net": 32.97, "vat": 6.26, "gross": 39.23, "items": 3},
        "channel": "web",
        "version": "1.4.2",
        "createdAt": "2026-11-30T10:00:00",
        "note": None,
    }


RULES = {
    "body": {
        "$.id": {"matchers": [{"match": "integer"}]},
        "$.uuid": {
            "matchers": [{"match": "regex", "regex": "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"}]
        },
        "$.status": {"matchers": [{"match": "regex", "regex": "PLACED|PAID|SHIPPED"}]},
        "$.customer": {"matchers": [{"match": "type"}]},
        "$.customer.email": {"matchers": [{"match": "regex", "regex": "[^@]+@[^@]+"}]},
        "$.customer.since": {"matchers": [{"match": "date", "format": "yyyy-MM-dd"}]},
        "$.address.zip": {"matchers": [{"match": "regex", "regex": "\\d{5}"}]},
        "$.address.lat": {"matchers": [{"match": "decimal"}]},
        "$.address.lon": {"matchers": [{"match": "decimal"}]},
        "$.lines": {"matchers": [{"match": "type", "min": 1}]},
        "$.lines[*].sku": {"matchers": [{"match": "regex", "regex": "SKU-\\d{5}"}]},
        "$.lines[*].qty": {"matchers": [{"match": "integer"}]},
        "$.lines[*].price": {"matchers": [{"match": "number"}]},
        "$.lines[*].added": {"matchers": [{"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ss"}]},
        "$.tags": {"matchers": [{"match": "type", "min": 1, "max": 10}]},
        "$.flags.*": {"matchers": [{"match": "type"}]},
        "$.totals.*": {"matchers": [{"match": "number"}]},
        "$.version": {"matchers": [{"match": "semver"}]},
        "$.createdAt": {"matchers": [{"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ss"}]},
        "$.channel": {"matchers": [{"match": "include", "value": "we"}]},
    },
    "header": {"X-Request-Id": {"matchers": [{"match": "regex", "regex": "[a-z0-9-]+"}]}},
}


def realistic_pair() -> tuple[Request, Request]:
    expected = parse_request(
        {
            "method": "POST",
            "path": "/orders",
            "query": {"dryRun": ["false"]},
            "headers": {"Content-Type": "application/json", "X-Request-Id": "abc-123"},
            "body": realistic_body(0),
            "matchingRules": RULES,
        },
        spec="V3",
    )
    actual_body = realistic_body(7)
    actual_body["lines"].append(dict(actual_body["lines"][0], sku="SKU-99999"))
    actual = Request(
        method="POST",
        path="/orders",
        query={"dryRun": ("false",)},
        headers={"Content-Type": ("application/json",), "X-Request-Id": ("req-42",), "User-Agent": ("test",)},
        body=Body(content=json.dumps(actual_body).encode(), content_type="application/json"),
    )
    return expected, actual


def rate(fn: Callable[[], object], seconds: float) -> tuple[float, int]:
    fn()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            fn()
        count += 50
    return count / elapsed, count


def corpus_cases() -> list[tuple[Callable[..., Any], dict[str, Any], dict[str, Any], str]]:
    specs = {"v1": "V1", "v1.1": "V1.1", "v2": "V2", "v3": "V3", "v4": "V4"}
    kinds = {"request": compare_request, "response": compare_response, "message": compare_message}
    out = []
    for path in sorted(CORPUS.rglob("*.json")):
        version, kind = path.relative_to(CORPUS).parts[:2]
        case = json.loads(path.read_text(encoding="utf-8-sig"))
        out.append((kinds[kind], case["expected"], case["actual"], specs[version]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    expected, actual = realistic_pair()
    assert compare_request(expected, actual) == [], compare_request(expected, actual)
    per_second, count = rate(lambda: compare_request(expected, actual), args.seconds)
    print(f"realistic request (50 fields, 20 rules, bytes body): {per_second:,.0f} comparisons/s ({count} runs)")
    bad_actual = Request(
        method="POST",
        path="/orders",
        query={"dryRun": ("false",)},
        headers={"Content-Type": ("application/json",), "X-Request-Id": ("REQ!",)},
        body=Body(content=b'{"id": "x"}', content_type="application/json"),
    )
    per_second, count = rate(lambda: compare_request(expected, bad_actual), args.seconds)
    print(f"realistic request with mismatches: {per_second:,.0f} comparisons/s ({count} runs)")
    if CORPUS.is_dir():
        cases = corpus_cases()

        def run_corpus() -> None:
            for compare, exp, act, spec in cases:
                compare(exp, act, spec=spec)

        per_second, count = rate(run_corpus, args.seconds)
        print(f"conformance corpus ({len(cases)} cases, parsing included): {per_second * len(cases):,.0f} cases/s")
    else:
        print(f"conformance corpus not found at {CORPUS}: skipped")


if __name__ == "__main__":
    main()
