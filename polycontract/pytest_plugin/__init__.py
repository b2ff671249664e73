"""The pytest plugin (entry point ``pytest11``): consumer fixtures and provider verification items.

The consumer side (fixture ``pact``, marker ``pytest.mark.pact``, pact files written at session end)
and the provider side (one pytest item per interaction) live in their own modules; this module only
registers them with pytest.
"""

from __future__ import annotations

pytest_plugins: list[str] = [
    "polycontract.pytest_plugin._provider",
    "polycontract.pytest_plugin._consumer",
]
