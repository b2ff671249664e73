"""Internal interface: reading matching rules from pact JSON, for the matching package.

Not part of the public API. ``arrayContains`` variants carry their own rules, which matching reads
with `parse_rule_category`; `Where` names the place in the document a `PactFormatError` points at.
"""

from __future__ import annotations

from polycontract.codec._rules import parse_rule_category
from polycontract.codec._where import Where

__all__ = ["Where", "parse_rule_category"]
