"""The metadata segment of a pact's URL (``…/metadata/{m}``): how the Pact Broker marks a work-in-progress pact.

The server writes it into the URLs of WIP pacts for verification and reads it back from the URL a result is
published to; the HTTP client publishes a WIP pact's result to such a URL.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs

__all__ = ["metadata_is_wip", "wip_metadata"]

#: The metadata segment of a WIP pact's URL. pact_broker lib/pact_broker/api/pact_broker_urls.rb:
#: build_metadata_for_pact_for_verification gives ``{"w" => true}`` for a WIP pact and encode_metadata is
#: ``Base64.strict_encode64(Rack::Utils.build_nested_query(metadata))``, i.e. base64 of ``w=true``.
_WIP_METADATA = base64.b64encode(b"w=true").decode("ascii")


def wip_metadata() -> str:
    """The ``/metadata/{m}`` segment value that marks a work-in-progress pact (what the Pact Broker sends)."""
    return _WIP_METADATA


def metadata_is_wip(raw: str | None) -> bool:
    """True when a pact URL's metadata segment says the pact is WIP (``w=true``, as the Pact Broker decodes it).

    pact_broker lib/pact_broker/api/resources/verifications.rb: ``wip?`` is ``metadata[:wip] == "true"``; metadata
    that cannot be decoded counts as none (decode_pact_metadata answers ``{}``).
    """
    if not raw:
        return False
    try:
        query = base64.b64decode(raw, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    parsed = parse_qs(query)
    return "true" in parsed.get("w", []) or "true" in parsed.get("wip", [])
