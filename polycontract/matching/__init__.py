"""Deciding, as the Pact specification says, whether an actual request, response or message
satisfies an expected one with its matching rules.

Each function takes model objects or plain dicts in the pact JSON shape of ``spec`` and
returns every `Mismatch` found, most important first; an empty list means a match.

>>> compare_response({"status": 200, "body": {"id": 1}}, {"status": 200, "body": {"id": 2}}, spec="V3")[0].path
'$.body.id'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from polycontract.codec import normalise_spec, parse_message, parse_request, parse_response
from polycontract.matching._body import compare_body
from polycontract.matching._http import (
    compare_headers,
    compare_metadata,
    compare_method,
    compare_path,
    compare_query,
    compare_status,
)
from polycontract.model import MessageContents, Mismatch, Request, Response

__all__ = ["Mismatch", "compare_message", "compare_request", "compare_response"]

_ORDER = {"status": 0, "method": 0, "path": 1, "query": 2, "header": 3, "metadata": 3, "body": 4}


#: Spec names already in their normal form, looked up before `normalise_spec` parses one.
_NORMAL = {spec: spec for spec in ("V1", "V1.1", "V2", "V3", "V4")}


def _sorted(found: list[Mismatch]) -> list[Mismatch]:
    if len(found) < 2:
        return found
    return sorted(found, key=lambda m: _ORDER.get(m.kind, 9))


def _version(spec: str) -> str:
    return _NORMAL.get(spec) or normalise_spec(spec)


def _v1_query(text: str) -> list[str]:
    from urllib.parse import unquote_plus

    return [unquote_plus(part) for part in text.split("&")]


def _request(value: Request | Mapping[str, Any], spec: str) -> Request:
    return value if isinstance(value, Request) else parse_request(value, spec=spec)


def _headers_and_body(
    exp: Request | Response, act: Request | Response, version: str, *, lenient: bool, cache: bool
) -> list[Mismatch]:
    """The parts requests and responses share: headers, then the body (lenient for responses)."""
    rules = exp.matching_rules
    found = list(compare_headers(exp.headers, act.headers, rules.get("header"), media_types=version in ("V3", "V4")))
    found += compare_body(
        exp.body,
        act.body,
        expected_headers=exp.headers,
        actual_headers=act.headers,
        rules=rules.get("body"),
        lenient=lenient,
        cache=cache,
    )
    return found


def compare_request(
    expected: Request | Mapping[str, Any], actual: Request | Mapping[str, Any], *, spec: str = "V4"
) -> list[Mismatch]:
    """Mismatches of an actual HTTP request against an expected one (strict: no unexpected body keys)."""
    version = _version(spec)
    exp, act = _request(expected, version), _request(actual, version)
    rules = exp.matching_rules
    path_rules = rules.get("path")
    if exp.method == act.method and exp.path == act.path and not path_rules:
        found: list[Mismatch] = []  # what `compare_method` and `compare_path` find for equal ones
    else:
        found = list(compare_method(exp.method, act.method))
        found += compare_path(exp.path, act.path, path_rules)
    if version == "V1":
        exp_q, act_q = exp.raw_query or "", act.raw_query or ""
        if exp.raw_query is None and exp.query:
            from urllib.parse import urlencode

            exp_q = urlencode([(k, v) for k, vs in exp.query.items() for v in vs])
        if _v1_query(exp_q) != _v1_query(act_q) and (exp.raw_query is not None or exp.query):
            found.append(
                Mismatch(
                    kind="query",
                    path="$.query",
                    expected=exp_q,
                    actual=act_q,
                    message=f"Expected query string {exp_q!r} but received {act_q!r}",
                )
            )
    elif exp.query or act.query:
        found += compare_query(exp.query, act.query, rules.get("query"))
    found += _headers_and_body(exp, act, version, lenient=False, cache=exp is expected)
    return _sorted(found)


def compare_response(
    expected: Response | Mapping[str, Any], actual: Response | Mapping[str, Any], *, spec: str = "V4"
) -> list[Mismatch]:
    """Mismatches of an actual HTTP response against an expected one (lenient: extra keys allowed)."""
    version = _version(spec)
    exp = expected if isinstance(expected, Response) else parse_response(expected, spec=version)
    act = actual if isinstance(actual, Response) else parse_response(actual, spec=version)
    rules = exp.matching_rules
    found = list(compare_status(exp.status, act.status, rules.get("status")))
    found += _headers_and_body(exp, act, version, lenient=True, cache=exp is expected)
    return _sorted(found)


def compare_message(
    expected: MessageContents | Mapping[str, Any], actual: MessageContents | Mapping[str, Any], *, spec: str = "V4"
) -> list[Mismatch]:
    """Mismatches of actual message contents and metadata against expected ones."""
    version = _version(spec)
    exp = expected if isinstance(expected, MessageContents) else parse_message(expected, spec=version)
    act = actual if isinstance(actual, MessageContents) else parse_message(actual, spec=version)
    rules = exp.matching_rules
    found = list(compare_metadata(exp.metadata, act.metadata, rules.get("metadata")))
    found += compare_body(
        exp.contents,
        act.contents,
        expected_headers={},
        actual_headers={},
        rules=rules.get("body"),
        lenient=True,
        path="$.contents",
        cache=exp is expected,
    )
    return _sorted(found)
