"""What came over the wire, as a `model.Request`: the method, the path as sent, the query decoded, the headers grouped.

Both adapters (the socket server and the httpx transports) build the request they hand to
`MockProvider.handle` here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlsplit

from polycontract.model import ABSENT, Body, Request, from_fields

__all__ = ["group_headers", "normalise_request", "request_of"]


def normalise_request(method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> Request:
    """A `model.Request` from what came over the wire: the path as sent, the query decoded into a multimap.

    The path keeps its percent escapes, as the Pact mock server compares it: a pact path
    ``/a/Pricing%20Service`` matches what a client sends for it, a pact path with a raw space never does.

    >>> request = normalise_request("get", "/a%20b?x=1&x=2", [("Accept", "text/plain")], b"")
    >>> request.path, request.query
    ('/a%20b', {'x': ('1', '2')})
    """
    grouped, content_type = group_headers(headers)
    return request_of(method, target, grouped, content_type, body)


def group_headers(headers: Sequence[tuple[str, str]]) -> tuple[dict[str, tuple[str, ...]], str | None]:
    """The headers by name (repeats in order, names as sent) and the first ``Content-Type``, if any.

    >>> group_headers([("Accept", "a"), ("Content-Type", "text/plain"), ("Accept", "b")])
    ({'Accept': ('a', 'b'), 'Content-Type': ('text/plain',)}, 'text/plain')
    """
    grouped: dict[str, tuple[str, ...]] = {}
    content_type = None
    for name, value in headers:
        if name in grouped:
            grouped[name] = (*grouped[name], value)
        else:
            grouped[name] = (value,)
            if content_type is None and name.lower() == "content-type":
                content_type = value
    return grouped, content_type


def request_of(
    method: str, target: str, headers: Mapping[str, tuple[str, ...]], content_type: str | None, body: bytes
) -> Request:
    """`normalise_request` with the headers already grouped (`group_headers`); the request keeps ``headers``."""
    if target.startswith("/") and "#" not in target:  # origin-form, as clients send it: no need to parse
        path, _, query_string = target.partition("?")
    else:
        parts = urlsplit(target)
        path, query_string = parts.path, parts.query
    # The path stays as it came (percent escapes kept), as the reference mock server compares it: its
    # request path is hyper's ``PathAndQuery::path()``, the undecoded target, and ``pact_matching``'s
    # ``match_path`` compares it to the pact's path as strings. The query alone is decoded.
    query: dict[str, tuple[str, ...]] = {}
    if query_string:
        if "%" in query_string or "+" in query_string:
            pairs = parse_qsl(query_string, keep_blank_values=True)
        else:  # nothing to unquote: what parse_qsl gives, without its per-field work
            pairs = [part.partition("=")[::2] for part in query_string.split("&") if part]
        for key, value in pairs:
            query[key] = (*query[key], value) if key in query else (value,)
    # ``Request(method=..., path=..., query=..., headers=..., body=Body(...))``: built for one request.
    return from_fields(
        Request,
        {
            "method": method.upper(),
            "path": path or "/",
            "query": query,
            "headers": headers,
            "body": from_fields(
                Body, {"content": body, "content_type": content_type, "encoded": False, "content_type_hint": None}
            )
            if body
            else ABSENT,
            "matching_rules": {},
            "generators": {},
            "raw_query": None,
            "extra": {},
        },
    )
