"""Names in paths as the handlers see them: a ``%2F``-encoded ``/`` stays inside its segment, and text is NFC.

A version number, branch or tag may hold ``/`` (``feature/login``), as in the Pact Broker, which routes
``/pacticipants/web/branches/feature%2Flogin`` to the branch ``feature/login``. The ASGI server decodes
the path before routing, so `RouteNames` rebuilds it from the raw path with each encoded ``/`` replaced by
`SLASH` (a control character, which `AccessLog` refuses in every incoming path, so none can be forged), and
`restore_slashes` makes every route's parameters turn it back into ``/``. Non-ASCII paths are
NFC-normalised, as names are before they are stored (`polycontract.broker._values.names`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from starlette.convertors import Convertor, PathConvertor, StringConvertor
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["SLASH", "RouteNames", "restore_slashes"]

#: What an encoded ``/`` inside a path segment becomes while the path is routed.
SLASH = "\x1f"


class _SlashedString(StringConvertor):
    """A ``{name}`` parameter, `SLASH` turned back into ``/``."""

    def convert(self, value: str) -> str:
        return value.replace(SLASH, "/")


class _SlashedPath(PathConvertor):
    """A ``{name:path}`` parameter, `SLASH` turned back into ``/``."""

    def convert(self, value: str) -> str:
        return value.replace(SLASH, "/")


_SLASHED: dict[type[Convertor[Any]], Convertor[Any]] = {
    StringConvertor: _SlashedString(),
    PathConvertor: _SlashedPath(),
}


def restore_slashes(routes: Iterable[BaseRoute]) -> None:
    """Make the string and path parameters of ``routes`` (and mounted ones) hold ``/`` where the path had ``%2F``."""
    for route in routes:
        if isinstance(route, Route | Mount):
            route.param_convertors = {name: _SLASHED.get(type(c), c) for name, c in route.param_convertors.items()}
        if isinstance(route, Mount):
            restore_slashes(route.routes)


def routed_path(scope: Scope) -> str | None:
    """The path to route ``scope`` by, when it differs from the decoded one (an encoded ``/`` or non-NFC text)."""
    path = str(scope.get("path", ""))
    raw = scope.get("raw_path")
    changed = None
    if isinstance(raw, bytes) and b"%2f" in raw.lower():
        text = raw.split(b"?", 1)[0].decode("latin-1")
        changed = path = "/".join(unquote(part).replace("/", SLASH) for part in text.split("/"))
    if not path.isascii():
        normal = unicodedata.normalize("NFC", path)
        changed = normal if normal != path else changed
    return changed


class RouteNames:
    """ASGI middleware: route by `routed_path` (see the module docstring); place it inside `AccessLog`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (path := routed_path(scope)) is not None:
            scope = {**scope, "path": path}
        await self.app(scope, receive, send)
