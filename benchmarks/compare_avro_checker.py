"""Measure Apache avro's ``ReaderWriterCompatibilityChecker`` against polycontract's Avro rules.

Runs every row of ``tests/compat/test_avro_compat.py`` through both checkers and lists the rows
where they disagree. Needs ``pip install avro`` (a dev-time comparison, not a dependency).

Run: python benchmarks/compare_avro_checker.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "compat"))

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from test_avro_compat import CASES

from polycontract.compat import avro as ours


def apache_verdict(reader: object, writer: object) -> bool:
    checker = ReaderWriterCompatibilityChecker()
    result = checker.get_compatibility(avro.schema.parse(json.dumps(reader)), avro.schema.parse(json.dumps(writer)))
    return result.compatibility is SchemaCompatibilityType.compatible


def main() -> None:
    disagreements = []
    for case_id, reader, writer, expected, _rules in CASES:
        mine = ours.can_read(reader, writer).compatible
        try:
            theirs: bool | str = apache_verdict(reader, writer)
        except Exception as exc:  # the Apache parser rejects some schemas fastavro accepts
            theirs = f"error: {type(exc).__name__}: {exc}"
        assert mine == expected, case_id
        if theirs != mine:
            disagreements.append((case_id, mine, theirs))
    print(f"{len(CASES)} cases, Apache avro agrees on {len(CASES) - len(disagreements)}")
    for case_id, mine, theirs in disagreements:
        print(f"  {case_id}: polycontract={mine} apache={theirs}")


if __name__ == "__main__":
    main()
