"""The pytest plugin (entry point ``pytest11``): consumer fixtures and provider verification items.

The consumer side (fixture ``pact``, marker ``pytest.mark.pact``, pact files written at session end)
and the provider side (one pytest item per interaction) live in their own modules; this module only
registers them with pytest. ``pact_verification`` (one pytest item per interaction of a verifier's
pacts) is re-exported here: ``from polycontract.pytest_plugin import pact_verification``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from polycontract.pytest_plugin._provider import PactInteraction, pact_verification

__all__ = ["PactInteraction", "pact_verification"]

pytest_plugins: list[str] = [
    "polycontract.pytest_plugin._provider",
    "polycontract.pytest_plugin._consumer",
]


def __getattr__(name: str) -> Any:
    # Loaded on use: importing the submodule here, before pytest registers it through
    # `pytest_plugins`, would stop pytest from rewriting its assertions (and warn about it).
    if name in __all__:
        from polycontract.pytest_plugin import _provider

        return getattr(_provider, name)
    raise AttributeError(f"module 'polycontract.pytest_plugin' has no attribute {name!r}")
