"""Internal interface: the broker's JSON forms the CLI writes and reads.

Not part of the public API. The JSON output of ``polycontract can-i-deploy`` and ``polycontract
matrix`` shows failure reports, reasons and failed interactions as the broker's HTTP API does (`report_json`,
`reasons_json`, `failures_json`), and ``polycontract create-webhook --header`` reads ``"Name: value"`` lines as the
broker does (`parse_header`, loaded on first use: can-i-deploy needs none of the webhook code).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from polycontract.broker._values.test_results import failures_json, reasons_json, report_json

if TYPE_CHECKING:
    from polycontract.broker._webhooks.events import parse_header

__all__ = ["failures_json", "parse_header", "reasons_json", "report_json"]


def __getattr__(name: str) -> Any:
    if name == "parse_header":
        from polycontract.broker._webhooks.events import parse_header

        return parse_header
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
