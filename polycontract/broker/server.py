"""Internal interface: what the CLI needs to serve the broker over HTTP.

Not part of the public API. ``polycontract broker serve`` builds the ASGI app with `create_app`,
reads the token file named by `AUTH_FILE_ENV` with `load_auth`, and checks the public URL
(`PUBLIC_URL_ENV`) with `parse_public_url`; it sets SQLite's durability for every process with
`SQLITE_SYNCHRONOUS_ENV`, and which webhook targets are allowed with `WebhookPolicy` (handed to workers in
`WEBHOOK_POLICY_ENV`). Importing this module loads Starlette, so the CLI
imports it only when it serves.
"""

from __future__ import annotations

from polycontract.broker._api.app import create_app
from polycontract.broker._api.auth import AUTH_FILE_ENV, load_auth
from polycontract.broker._api.base_url import PUBLIC_URL_ENV, parse_public_url
from polycontract.broker._store.engine import SQLITE_SYNCHRONOUS_ENV
from polycontract.broker._webhooks.targets import POLICY_ENV as WEBHOOK_POLICY_ENV
from polycontract.broker._webhooks.targets import WebhookPolicy

__all__ = [
    "AUTH_FILE_ENV",
    "PUBLIC_URL_ENV",
    "SQLITE_SYNCHRONOUS_ENV",
    "WEBHOOK_POLICY_ENV",
    "WebhookPolicy",
    "create_app",
    "load_auth",
    "parse_public_url",
]
