"""Internal interface: what the verifier offers the pytest plugin.

Not part of the public API. The ``pact_verification`` marker takes the same sources as `Verifier`
(`Source`), expands them into pacts with `resolve_sources`, and keeps the pacts for the provider
with `triage`, as a verification session does.
"""

from __future__ import annotations

from polycontract.verifier._sources import Source, resolve_sources, triage

__all__ = ["Source", "resolve_sources", "triage"]
