"""Plain JSON data for a value drawn from a schema (what a report prints and serialises)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["plain"]


def plain(value: Any) -> Any:
    """``value`` as JSON data: bytes as ISO-8859-1 text (Avro's JSON encoding), decimals, times and UUIDs as text.

    >>> plain({"b": b"\\xff", "d": Decimal("1.50")})
    {'b': 'ÿ', 'd': '1.50'}
    """
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("iso-8859-1")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value
