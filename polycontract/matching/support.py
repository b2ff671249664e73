"""Internal interface: what the matching package offers its neighbours inside polycontract.

Not part of the public API. The mock provider decides quickly whether a request fits an
interaction (`request_matches`, with the body decoded once by `loads_json`, or `UNDECODED` when it
was not), and the ``content_type`` matcher detects a media type from bytes (`sniff_media_type`).
"""

from __future__ import annotations

from polycontract.matching._body import UNDECODED
from polycontract.matching._content import loads_json, sniff_media_type
from polycontract.matching._quick import request_matches

__all__ = ["UNDECODED", "loads_json", "request_matches", "sniff_media_type"]
