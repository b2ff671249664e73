"""Providers and pacts for the fuzzed verification tests: a users API that handles only some ids."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tests.verifier.providers import get_user

StartResponse = Callable[..., Any]


class UsersById:
    """``GET /users/<id>`` answers ``{"id", "name"}`` for the ids it knows (all ids with ``known=None``),
    and 500 for any other; it records every path it is sent."""

    def __init__(self, known: set[int] | None = None, *, delay: float = 0.0) -> None:
        self.known = known
        self.delay = delay
        self.paths: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        self.paths.append(path)
        if self.delay:
            time.sleep(self.delay)
        tail = path.rsplit("/", 1)[-1]
        if path.startswith("/users/") and tail.isdigit() and (self.known is None or int(tail) in self.known):
            data = json.dumps({"id": int(tail), "name": "alice"}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
            return [data]
        start_response("500 Internal Server Error", [("Content-Type", "text/plain"), ("Content-Length", "4")])
        return [b"boom"]

    def status_for(self, path: str) -> int:
        """The status this provider answers ``path`` with (without recording it)."""
        tail = path.rsplit("/", 1)[-1]
        ok = path.startswith("/users/") and tail.isdigit() and (self.known is None or int(tail) in self.known)
        return 200 if ok else 500


def get_user_by_id(user_id: int = 7, *, description: str = "get user", state: str | None = "user exists") -> dict:
    """A V3 interaction: ``GET /users/<id>`` where the path may be any ``/users/<digits>``."""
    interaction = get_user(user_id, description=description, state=state)
    interaction["request"]["matchingRules"] = {
        "path": {"matchers": [{"match": "regex", "regex": "^/users/[0-9]{1,6}$"}]}
    }
    return interaction


def users_pact_file(directory: Path) -> Path:
    """The pact of web with users (`get_user_by_id` 7, no state) written as ``web-users.json`` in ``directory``."""
    path = directory / "web-users.json"
    path.write_text(json.dumps(pact(get_user_by_id(7, state=None))))
    return path


def user_created_message() -> dict[str, Any]:
    """A V3 message interaction (nothing to fuzz: a message has no request)."""
    return {
        "description": "a user created event",
        "contents": {"id": 7},
        "metadata": {"topic": "users"},
    }


def pact(*interactions: dict[str, Any], spec: str = "3.0.0", messages: bool = False) -> dict[str, Any]:
    """A pact web -> users with the given interactions (or messages)."""
    return {
        "consumer": {"name": "web"},
        "provider": {"name": "users"},
        "messages" if messages else "interactions": list(interactions),
        "metadata": {"pactSpecification": {"version": spec}},
    }
