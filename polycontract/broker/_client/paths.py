"""URL paths of the broker server's resources, built from names the caller gives (each name one path segment)."""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["pact_path", "seg", "version_path"]


def seg(value: str) -> str:
    """``value`` as one URL path segment."""
    return quote(value, safe="")


def version_path(pacticipant: str, version: str) -> str:
    """``/pacticipants/{p}/versions/{v}``."""
    return f"/pacticipants/{seg(pacticipant)}/versions/{seg(version)}"


def pact_path(provider: str, consumer: str, content_hash: str) -> str:
    """``/pacts/provider/{p}/consumer/{c}/pact-version/{hash}``: one pact content between two pacticipants."""
    return f"/pacts/provider/{seg(provider)}/consumer/{seg(consumer)}/pact-version/{seg(content_hash)}"
