"""Internal interface: what the mock package offers the pact DSL (`polycontract.pact`).

Not part of the public API. ``Pact.messages`` and ``Pact.verify_message`` hand the declared messages
to the consumer with `example_messages`, `deliver` and `async_deliver`; ``Pact.verify`` puts
`NO_REQUESTS` first when a mock provider received nothing.
"""

from __future__ import annotations

from polycontract.mock._messages import async_deliver, deliver, example_messages
from polycontract.mock._report import NO_REQUESTS

__all__ = ["NO_REQUESTS", "async_deliver", "deliver", "example_messages"]
