"""Provider verification: replay consumers' pacts against the provider and report every interaction.

>>> from polycontract.verifier import Verifier
>>> verifier = Verifier(provider="users-api", base_url="http://127.0.0.1:8000")
>>> @verifier.state("user alice exists")
... def alice(params):
...     return {"id": 1}          # values for ProviderState generators (optional)
>>> # result = verifier.verify("pacts/"); assert result.ok, result.report()

Pacts come from files, directories, `model.PactDocument` objects or any `PactSource` (the broker provides
one). HTTP interactions are replayed with httpx (over a socket, or in-process to an ASGI/WSGI app);
messages are verified by calling the producer registered with `Verifier.message` (or in a
`MessageRegistry`), a ``message_producer``, or a ``message_url`` endpoint. Every result has an
``outcome``: ``"verified"``, ``"failed"`` (the provider broke the pact) or ``"could-not-verify"``.
"""

from __future__ import annotations

from typing import Any

from polycontract._renamed import old_name
from polycontract.verifier._messages import MessageRegistry, ProducedMessage
from polycontract.verifier._result import InteractionResult, PactOutcome, SourceError, VerificationResult
from polycontract.verifier._sources import PactSource, SourcedPact, SourcedPactLike
from polycontract.verifier._verifier import VerificationSession, Verifier

__all__ = [
    "InteractionResult",
    "MessageRegistry",
    "PactOutcome",
    "PactSource",
    "ProducedMessage",
    "SourceError",
    "SourcedPact",
    "SourcedPactLike",
    "VerificationResult",
    "VerificationSession",
    "Verifier",
]

#: Old names of this package, kept for one release: old name -> (new name, what it is).
_RENAMED = {
    "Message": ("ProducedMessage", "a message a producer made; polycontract.mock.ExampleMessage is a pact's example"),
}


def __getattr__(name: str) -> Any:
    """``verifier.Message``: the old name of `ProducedMessage`, kept for one release with a `DeprecationWarning`."""
    return old_name(__name__, name, _RENAMED, globals())
