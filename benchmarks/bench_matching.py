"""Matching engine throughput, cold and warm: comparisons per second for a realistic interaction
(a 50-field JSON body with nested arrays and 20 rules), a headers-and-query interaction, a
datetime-heavy body, a comparison with mismatches, and the Pact conformance corpus.

Cold is what a verifier does: every expected object is read afresh from pact JSON text and compared
once, so no expected object is found again. What is found again is what a verifier's later interactions
find too: the codec hands out one `RuleSet` object for equal rule sets, and the matching engine keeps what
it compiles by rule-set identity and by rule paths, so a "cold" row whose objects all come from the same
text (or the same rules at the same paths) reuses those after its first comparison. "cold, new paths"
gives every interaction its own field names and rule paths, so no compiled rule selection is shared (equal
rule sets still are, as in a pact whose interactions repeat the same rules). Warm reuses one expected object
(what a mock server does for an interaction it serves many times). Objects are parsed outside the timed
loop (reading the pact is the codec's work; its rate is printed on its own line).

No peer: pact-python's Rust matcher is not callable on its own, outside a mock server or verifier.

Run: python benchmarks/bench_matching.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from polycontract.codec import parse_request, parse_response
from polycontract.matching import compare_message, compare_request, compare_response
from polycontract.model import Body, Request, Response

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "pact-spec" / "testcases"
GOAL_COLD = 20_000
POOL = 1_000  # fresh expected objects parsed per timed round


def realistic_body(seed: int, suffix: str = "") -> dict[str, Any]:
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
    body = {
        "id": 1000 + seed,
        "uuid": "3f2c1a9e-8b7d-4c6e-9f10-1234567890ab",
        "status": "PLACED",
        "customer": {
            "id": 42 + seed,
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
    return {key + suffix: value for key, value in body.items()}


def realistic_rules(suffix: str = "") -> dict[str, Any]:
    """20 body rules (and one header rule); ``suffix`` renames the top-level fields they name."""
    s = suffix
    return {
        "body": {
            f"$.id{s}": {"matchers": [{"match": "integer"}]},
            f"$.uuid{s}": {
                "matchers": [
                    {"match": "regex", "regex": "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"}
                ]
            },
            f"$.status{s}": {"matchers": [{"match": "regex", "regex": "PLACED|PAID|SHIPPED"}]},
            f"$.customer{s}": {"matchers": [{"match": "type"}]},
            f"$.customer{s}.email": {"matchers": [{"match": "regex", "regex": "[^@]+@[^@]+"}]},
            f"$.customer{s}.since": {"matchers": [{"match": "date", "format": "yyyy-MM-dd"}]},
            f"$.address{s}.zip": {"matchers": [{"match": "regex", "regex": "\\d{5}"}]},
            f"$.address{s}.lat": {"matchers": [{"match": "decimal"}]},
            f"$.address{s}.lon": {"matchers": [{"match": "decimal"}]},
            f"$.lines{s}": {"matchers": [{"match": "type", "min": 1}]},
            f"$.lines{s}[*].sku": {"matchers": [{"match": "regex", "regex": "SKU-\\d{5}"}]},
            f"$.lines{s}[*].qty": {"matchers": [{"match": "integer"}]},
            f"$.lines{s}[*].price": {"matchers": [{"match": "number"}]},
            f"$.lines{s}[*].added": {"matchers": [{"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ss"}]},
            f"$.tags{s}": {"matchers": [{"match": "type", "min": 1, "max": 10}]},
            f"$.flags{s}.*": {"matchers": [{"match": "type"}]},
            f"$.totals{s}.*": {"matchers": [{"match": "number"}]},
            f"$.version{s}": {"matchers": [{"match": "semver"}]},
            f"$.createdAt{s}": {"matchers": [{"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ss"}]},
            f"$.channel{s}": {"matchers": [{"match": "include", "value": "we"}]},
        },
        "header": {"X-Request-Id": {"matchers": [{"match": "regex", "regex": "[a-z0-9-]+"}]}},
    }


RULES = realistic_rules()


def realistic_text(seed: int = 0, suffix: str = "") -> str:
    """The expected request as it sits in a pact file."""
    return json.dumps(
        {
            "method": "POST",
            "path": "/orders",
            "query": {"dryRun": ["false"]},
            "headers": {"Content-Type": "application/json", "X-Request-Id": "abc-123"},
            "body": realistic_body(seed, suffix),
            "matchingRules": realistic_rules(suffix),
        }
    )


def realistic_actual(suffix: str = "") -> Request:
    actual_body = realistic_body(7, suffix)
    actual_body["lines" + suffix].append(dict(actual_body["lines" + suffix][0], sku="SKU-99999"))
    return Request(
        method="POST",
        path="/orders",
        query={"dryRun": ("false",)},
        headers={"Content-Type": ("application/json",), "X-Request-Id": ("req-42",), "User-Agent": ("test",)},
        body=Body(content=json.dumps(actual_body).encode(), content_type="application/json"),
    )


def realistic_pair() -> tuple[Request, Request]:
    return parse_request(json.loads(realistic_text()), spec="V3"), realistic_actual()


def headers_query_text(seed: int = 0) -> str:
    """A GET with 12 headers and 10 query parameters, half of each under rules, and no body."""
    headers = {f"X-Header-{i}": f"value-{i}" for i in range(10)}
    headers |= {"Accept": "application/json, text/plain;q=0.9", "Authorization": f"Bearer token-{seed}"}
    query = {f"param{i}": [str(i), str(i + 1)] if i % 3 == 0 else [f"v{i}"] for i in range(10)}
    return json.dumps(
        {
            "method": "GET",
            "path": "/search",
            "query": query,
            "headers": headers,
            "matchingRules": {
                "header": {
                    "Authorization": {"matchers": [{"match": "regex", "regex": "Bearer [a-z0-9-]+"}]},
                    **{f"X-Header-{i}": {"matchers": [{"match": "regex", "regex": "value-\\d+"}]} for i in range(5)},
                },
                "query": {
                    "param0": {"matchers": [{"match": "integer"}]},
                    "param1": {"matchers": [{"match": "regex", "regex": "v\\d"}]},
                    "param2": {"matchers": [{"match": "type"}]},
                    "param4": {"matchers": [{"match": "regex", "regex": "v[0-9]+"}]},
                    "param5": {"matchers": [{"match": "include", "value": "v"}]},
                },
            },
        }
    )


def headers_query_actual() -> Request:
    headers = {f"x-header-{i}": (f"value-{i * 7 if i < 5 else i}",) for i in range(10)}
    headers |= {"accept": ("application/json, text/plain; q=0.9",), "authorization": ("Bearer abc-42",)}
    headers |= {"User-Agent": ("bench",), "Host": ("127.0.0.1",)}
    query = {f"param{i}": (str(i), str(i + 1)) if i % 3 == 0 else (f"v{i}",) for i in range(10)}
    return Request(method="get", path="/search", query=query, headers=headers)


def datetime_text(seed: int = 0) -> str:
    """A response with 24 date, time and datetime fields (Java patterns) and 6 regex fields."""
    days = [f"2026-0{1 + (seed + i) % 9}-{10 + i:02d}" for i in range(8)]
    body: dict[str, Any] = {f"day{i}": d for i, d in enumerate(days)}
    body |= {f"at{i}": f"{d}T1{i}:30:00" for i, d in enumerate(days)}
    body |= {f"offset{i}": f"{d}T0{i}:15:00.123+01:00" for i, d in enumerate(days[:4])}
    body |= {f"clock{i}": f"1{i}:4{i}" for i in range(4)}
    body |= {f"code{i}": f"AB-{seed + i:04d}" for i in range(6)}
    rules: dict[str, Any] = {f"$.day{i}": {"matchers": [{"match": "date", "format": "yyyy-MM-dd"}]} for i in range(8)}
    rules |= {f"$.at{i}": {"matchers": [{"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ss"}]} for i in range(8)}
    rules |= {
        f"$.offset{i}": {"matchers": [{"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"}]}
        for i in range(4)
    }
    rules |= {f"$.clock{i}": {"matchers": [{"match": "time", "format": "HH:mm"}]} for i in range(4)}
    rules |= {f"$.code{i}": {"matchers": [{"match": "regex", "regex": "[A-Z]{2}-\\d{4}"}]} for i in range(6)}
    return json.dumps(
        {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": body,
            "matchingRules": {"body": rules},
        }
    )


def datetime_actual() -> Response:
    expected = json.loads(datetime_text(3))
    return Response(
        status=200,
        headers={"content-type": ("application/json; charset=utf-8",)},
        body=Body(content=json.dumps(expected["body"]).encode(), content_type="application/json; charset=utf-8"),
    )


def timed(run: Callable[[], object], count: int) -> float:
    """Seconds for ``count`` calls of ``run`` (one timed loop)."""
    start = time.perf_counter()
    for _ in range(count):
        run()
    return time.perf_counter() - start


def _next_compared(objects: Iterator[Any], compare: Callable[[Any], object]) -> object:
    return compare(next(objects))


def warm_rate(compare: Callable[[], object], seconds: float) -> list[float]:
    """Per-round rates of one comparison repeated (the expected object reused)."""
    compare()
    rates: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(rates) < 3:
        rates.append(POOL / timed(compare, POOL))
    return rates


def cold_rate(
    fresh: Callable[[int], Any], compare: Callable[[Any], object], seconds: float
) -> tuple[list[float], list[float]]:
    """Per-round rates of comparisons, each with a fresh expected object (``fresh(i)``, parsed from
    JSON text outside the timed loop), and per-round rates of that parsing."""
    rates: list[float] = []
    parse_rates: list[float] = []
    deadline, n = time.perf_counter() + seconds, 0
    while time.perf_counter() < deadline or len(rates) < 3:
        start = time.perf_counter()
        pool = [fresh(n + i) for i in range(POOL)]
        parse_rates.append(POOL / (time.perf_counter() - start))
        n += POOL
        rates.append(POOL / timed(partial(_next_compared, iter(pool), compare), POOL))
    return rates, parse_rates


def show(label: str, rates: list[float], goal: str = "") -> None:
    best, median = max(rates), statistics.median(rates)
    suffix = f"   goal {goal}" if goal else ""
    print(f"  {label:<44} {median:>9,.0f}/s median, {best:>9,.0f}/s best ({len(rates)} rounds){suffix}")


def corpus_cases() -> list[tuple[Callable[..., Any], dict[str, Any], dict[str, Any], str]]:
    specs = {"v1": "V1", "v1.1": "V1.1", "v2": "V2", "v3": "V3", "v4": "V4"}
    kinds = {"request": compare_request, "response": compare_response, "message": compare_message}
    out = []
    for path in sorted(CORPUS.rglob("*.json")):
        version, kind = path.relative_to(CORPUS).parts[:2]
        case = json.loads(path.read_text(encoding="utf-8-sig"))
        out.append((kinds[kind], case["expected"], case["actual"], specs[version]))
    return out


def suites(seconds: float) -> Iterator[tuple[str, Callable[[], None]]]:
    """(title, run) for each interaction kind measured."""
    text, actual = realistic_text(), realistic_actual()

    def realistic() -> None:
        expected = parse_request(json.loads(text), spec="V3")
        assert compare_request(expected, actual) == [], compare_request(expected, actual)
        show("warm (one expected object reused)", warm_rate(lambda: compare_request(expected, actual), seconds))
        rates, parse_rates = cold_rate(
            lambda i: parse_request(json.loads(text), spec="V3"), lambda e: compare_request(e, actual), seconds
        )
        show("cold (fresh object from the same pact text)", rates, f">= {GOAL_COLD:,}/s, as fast as warm")
        rates, _ = cold_rate(
            lambda i: (parse_request(json.loads(realistic_text(i, f"_{i}")), spec="V3"), realistic_actual(f"_{i}")),
            lambda pair: compare_request(*pair),
            seconds,
        )
        show("cold, new paths (every object its own rules)", rates, f">= {GOAL_COLD:,}/s")
        show("reading the pact JSON (codec, not timed above)", parse_rates)

    yield "realistic request: 50 fields, 20 body rules, a header rule, bytes body", realistic

    hq_text, hq_actual = headers_query_text(), headers_query_actual()

    def headers_query() -> None:
        expected = parse_request(json.loads(hq_text), spec="V4")
        assert compare_request(expected, hq_actual) == [], compare_request(expected, hq_actual)
        show("warm", warm_rate(lambda: compare_request(expected, hq_actual), seconds))
        rates, _ = cold_rate(
            lambda i: parse_request(json.loads(hq_text), spec="V4"), lambda e: compare_request(e, hq_actual), seconds
        )
        show("cold", rates, f">= {GOAL_COLD:,}/s")

    yield "headers and query: 12 headers, 10 query parameters, 11 rules, no body", headers_query

    dt_texts, dt_actual = [datetime_text(i) for i in range(POOL)], datetime_actual()

    def datetimes() -> None:
        expected = parse_response(json.loads(dt_texts[0]), spec="V3")
        assert compare_response(expected, dt_actual) == [], compare_response(expected, dt_actual)
        show("warm", warm_rate(lambda: compare_response(expected, dt_actual), seconds))
        rates, _ = cold_rate(
            lambda i: parse_response(json.loads(dt_texts[i % POOL]), spec="V3"),
            lambda e: compare_response(e, dt_actual),
            seconds,
        )
        show("cold (distinct dates in each object)", rates, f">= {GOAL_COLD:,}/s")

    yield "datetime-heavy response: 24 date/time/datetime rules, 6 regex rules", datetimes

    bad_actual = Request(
        method="POST",
        path="/orders",
        query={"dryRun": ("false",)},
        headers={"Content-Type": ("application/json",), "X-Request-Id": ("REQ!",)},
        body=Body(content=b'{"id": "x"}', content_type="application/json"),
    )

    def mismatches() -> None:
        expected = parse_request(json.loads(text), spec="V3")
        show("warm", warm_rate(lambda: compare_request(expected, bad_actual), seconds))
        rates, _ = cold_rate(
            lambda i: parse_request(json.loads(text), spec="V3"), lambda e: compare_request(e, bad_actual), seconds
        )
        show("cold", rates)

    yield "realistic request with mismatches (every mismatch worded)", mismatches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per figure (at least 3 rounds each)")
    args = parser.parse_args()
    print("peer: none (pact-python's Rust matcher is not callable on its own)")
    for title, run in suites(args.seconds):
        print(title)
        run()
    if CORPUS.is_dir():
        cases = corpus_cases()

        def run_corpus() -> None:
            for compare, exp, act, spec in cases:
                compare(exp, act, spec=spec)

        first = len(cases) / timed(run_corpus, 1)
        rates = [len(cases) / timed(run_corpus, 1) for _ in range(max(3, int(args.seconds * 20)))]
        print(f"conformance corpus ({len(cases)} cases, parsing included)")
        print(f"  {'first pass in this process':<44} {first:>9,.0f}/s")
        show("again (dicts parsed afresh; caches keyed by rule paths and patterns warm)", rates)
    else:
        print(f"conformance corpus not found at {CORPUS}: skipped")


if __name__ == "__main__":
    main()
