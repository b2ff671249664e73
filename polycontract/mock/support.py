"""Internal interface: what the mock package offers the pact DSL (`polycontract.pact`).

Not part of the public API. ``Pact.messages`` and ``Pact.verify_message`` hand the declared messages
to the consumer with `example_messages`, `deliver` and `async_deliver`; ``Pact.verify`` puts
`NO_REQUESTS` first when a mock provider received nothing. ``Pact.serve(vary=...)`` and the pytest
plugin's ``vary=N`` runs use `source_for`, `varying` and `describe_served` (see `polycontract.mock._vary`).
"""

from __future__ import annotations

from polycontract.mock._messages import async_deliver, deliver, example_messages
from polycontract.mock._report import NO_REQUESTS
from polycontract.mock._vary import ResponseSource, describe_served, source_for, varying

__all__ = [
    "NO_REQUESTS",
    "ResponseSource",
    "async_deliver",
    "deliver",
    "describe_served",
    "example_messages",
    "source_for",
    "varying",
]
