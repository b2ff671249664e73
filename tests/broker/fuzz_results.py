"""A verification result as a provider publishes it, of either kind, for the tests of fuzz verifications."""

from __future__ import annotations

from typing import Any

__all__ = ["verification_result"]


def verification_result(content_hash: str, success: bool, kind: str = "example", **more: Any) -> dict[str, Any]:
    """One result for ``content_hash``: one interaction, failing on its status unless ``success``; ``more`` adds
    fields (a ``consumer``)."""
    mismatch = {"attribute": "status", "identifier": "$.status", "description": "expected 200 but was 404"}
    entry = {
        "interactionId": "k1",
        "interactionDescription": "get /users (fuzz, seed 1: smallest failing request GET /users/0)",
        "success": success,
        "mismatches": [] if success else [mismatch],
    }
    return {**more, "content_hash": content_hash, "success": success, "kind": kind, "test_results": [entry]}
