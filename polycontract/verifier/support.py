"""Internal interface: what the verifier offers the pytest plugin.

Not part of the public API. The ``pact_verification`` marker takes the same sources as `Verifier`
(`Source`), expands them into pacts with `resolve_sources`, and keeps the pacts for the provider
with `triage`, as a verification session does. With ``Verifier(fuzz=N)`` it fuzzes each HTTP interaction
with `fuzz_interaction` (`not_fuzzable` says which cannot be); those load on first use, so only fuzzing
imports hypothesis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from polycontract.verifier._sources import Source, resolve_sources, triage

if TYPE_CHECKING:
    from polycontract.verifier._fuzz import FuzzResult, fuzz_interaction, not_fuzzable

__all__ = ["FuzzResult", "Source", "fuzz_interaction", "not_fuzzable", "resolve_sources", "triage"]

_FUZZ = ("FuzzResult", "fuzz_interaction", "not_fuzzable")


def __getattr__(name: str) -> Any:
    """Load the fuzzing names on first use (they import hypothesis)."""
    if name in _FUZZ:
        from polycontract.verifier import _fuzz

        return getattr(_fuzz, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
