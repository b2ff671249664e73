"""Declare what a consumer expects of an order with matchers, then check two provider responses.

Run: python examples/check_a_response.py
"""

from __future__ import annotations

from polycontract import match
from polycontract.matching import compare_response
from polycontract.model import Body, Response

expected_body = match.compile(
    {
        "id": match.integer(42),
        "status": match.regex("PLACED|PAID|SHIPPED", "PLACED"),
        "placedAt": match.datetime("2026-11-30T10:00:00+0000", format="%Y-%m-%dT%H:%M:%S%z"),
        "lines": match.each_like({"sku": match.string("SKU-1"), "qty": match.integer(1)}, min=1),
    }
)
expected = Response(
    status=200,
    headers={"Content-Type": ("application/json",)},
    body=Body(content=expected_body.example, content_type="application/json"),
    matching_rules={"body": expected_body.rules},
)

good = Response(
    status=200,
    headers={"Content-Type": ("application/json; charset=utf-8",)},
    body=Body(
        content=b'{"id": 7, "status": "PAID", "placedAt": "2026-12-01T08:15:00+0100",'
        b' "lines": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}], "extra": true}',
        content_type="application/json",
    ),
)
bad = Response(
    status=200,
    headers={"Content-Type": ("application/json",)},
    body=Body(
        content=b'{"id": "7", "status": "LOST", "placedAt": "yesterday", "lines": []}',
        content_type="application/json",
    ),
)

for name, actual in (("good", good), ("bad", bad)):
    mismatches = compare_response(expected, actual)
    print(f"{name} response: {'satisfies the contract' if not mismatches else f'{len(mismatches)} mismatch(es)'}")
    for m in mismatches:
        print(f"  {m.path}: {m.message}")
