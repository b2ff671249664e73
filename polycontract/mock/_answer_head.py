"""The head of an answer as ``http.server`` writes it: the status line's reason phrase, ``Server`` and ``Date``."""

from __future__ import annotations

import email.utils
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

__all__ = ["SERVER", "date", "reason"]

#: The ``Server`` header ``http.server`` sends.
SERVER = f"{BaseHTTPRequestHandler.server_version} {BaseHTTPRequestHandler.sys_version}"
_REASONS = {status: phrase for status, (phrase, _) in BaseHTTPRequestHandler.responses.items()}
_clock: list[Any] = [0, ""]  # the whole second last formatted, and its Date header value


def reason(status: int) -> str:
    """The reason phrase ``http.server`` writes after ``status`` (empty for a status it does not name)."""
    return _REASONS.get(status, "")


def date() -> str:
    """The ``Date`` header value for now, formatted once a second (as ``date_time_string`` formats it)."""
    now = time.time()
    second = int(now)
    if _clock[0] != second:
        _clock[1] = email.utils.formatdate(second, usegmt=True)
        _clock[0] = second
    return str(_clock[1])
