"""The demo estate behind ``polycontract demo``: three small services and their contract tests.

`polycontract.demo._services` holds the services (two WSGI providers and web-ui's client code),
`polycontract.demo._contracts` their consumer tests and provider verifications, and
`polycontract.demo._story` the story of independent releases that the command narrates. The command
takes `Estate` and `tell` from here.
"""

from __future__ import annotations

from polycontract.demo._story import Estate, tell

__all__ = ["Estate", "tell"]
