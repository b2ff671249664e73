"""Declaring an HTTP interaction: its description, the request the consumer sends and the response it expects."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Self
from urllib.parse import parse_qsl

from polycontract import match
from polycontract.errors import UsageError
from polycontract.model import (
    ABSENT,
    NO_ENTRIES,
    Generator,
    HttpInteraction,
    Request,
    Response,
    RuleSet,
    from_fields,
)
from polycontract.pact import _usage, _values
from polycontract.pact._draft import HTTP_ANY, Declaring

__all__ = ["HttpDeclarations"]

_METHOD = re.compile(r"[A-Za-z][A-Za-z-]*")
#: Method names `_METHOD` accepts, known without running it.
_USUAL_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


class HttpDeclarations(Declaring):
    """`Pact.upon_receiving`, `Pact.with_request` and `Pact.will_respond_with`."""

    def upon_receiving(self, description: str, *, optional: bool = False) -> Self:
        """Name the interaction being declared (unique per provider state within the pact).

        ``optional=True``: the consumer may leave it unused (a retry, a fallback); unused, it is no error
        and is not written to the pact.
        """
        draft = self._draft
        if type(description) is str and draft.description is None and description.strip():
            draft.description = description  # the usual case, as `_set_description` would do it
        else:
            self._set_description("upon_receiving", description)
        if optional is not False:
            draft.optional = _usage.flag("upon_receiving", optional)
        return self

    def with_request(
        self,
        method: str,
        path: str | match.MatchingValue,
        *,
        query: Mapping[str, Any] | str | None = None,
        headers: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> Self:
        """The HTTP request the consumer sends; ``body=None`` means the request has no body."""
        draft = self._draft
        if draft.kind is None and draft.description is not None and self.spec in HTTP_ANY:
            draft.kind = "http"  # the usual case, as `_start` would do it
        else:
            self._start("with_request", "http")
        if type(method) is str and method in _USUAL_METHODS:
            pass  # already upper case
        elif not isinstance(method, str) or not _METHOD.fullmatch(method):
            raise UsageError(f"with_request: method={method!r} must be an HTTP method name such as 'GET'")
        else:
            method = method.upper()
        rules: dict[str, dict[str, RuleSet]] = {}
        gens: dict[str, dict[str, Generator]] = {}
        example_path = (
            path if type(path) is str else _values.scalar("with_request", "path", path, rules, gens, "path", "")
        )
        if not isinstance(example_path, str) or not example_path.startswith("/") or "?" in example_path:
            raise UsageError(f"with_request: path={example_path!r} must start with '/' (put the query in query=)")
        header_values: Mapping[str, tuple[str, ...]] = (
            NO_ENTRIES
            if headers is None
            else _values.multimap("with_request", "headers", headers, rules, gens, "header")
        )
        query_values: Mapping[str, tuple[str, ...]] = NO_ENTRIES
        if query is not None:
            if isinstance(query, str):
                pairs: dict[str, list[str]] = {}
                for key, value in parse_qsl(query, keep_blank_values=True):
                    pairs.setdefault(key, []).append(value)
                query = pairs
            query_values = _values.multimap("with_request", "query", query, rules, gens, "query")
        draft.request = from_fields(
            Request,
            {
                "method": method,
                "path": example_path,
                "query": query_values or NO_ENTRIES,
                "headers": header_values or NO_ENTRIES,
                "body": ABSENT if body is None else _values.to_body("with_request", body, header_values, rules, gens),
                "matching_rules": _values.shared_rules(rules),
                "generators": gens or NO_ENTRIES,
                "raw_query": None,
                "extra": NO_ENTRIES,
            },
        )
        return self

    def will_respond_with(self, status: int | match.MatchingValue, *, headers: Mapping[str, Any] | None = None,
                          body: Any = None) -> Self:  # fmt: skip
        """The response the provider gives; completes the HTTP interaction."""
        draft = self._draft
        if draft.kind != "http" or draft.request is None:
            self._require("will_respond_with", "http", "with_request")  # raises
        rules: dict[str, dict[str, RuleSet]] = {}
        gens: dict[str, dict[str, Generator]] = {}
        code = (
            status
            if type(status) is int
            else _values.scalar("will_respond_with", "status", status, rules, gens, "status", "")
        )
        if (type(code) is not int and (not isinstance(code, int) or isinstance(code, bool))) or not 100 <= code <= 599:
            raise UsageError(f"will_respond_with: status={code!r} must be an HTTP status code from 100 to 599")
        header_values: Mapping[str, tuple[str, ...]] = (
            NO_ENTRIES
            if headers is None
            else _values.multimap("will_respond_with", "headers", headers, rules, gens, "header")
        )
        response = from_fields(
            Response,
            {
                "status": code,
                "headers": header_values or NO_ENTRIES,
                "body": ABSENT
                if body is None
                else _values.to_body("will_respond_with", body, header_values, rules, gens),
                "matching_rules": _values.shared_rules(rules),
                "generators": gens or NO_ENTRIES,
                "extra": NO_ENTRIES,
            },
        )
        request = draft.request
        assert isinstance(request, Request)
        self._complete(
            from_fields(
                HttpInteraction,
                {
                    **self._common(draft, {}),
                    "plugin_configuration": NO_ENTRIES,
                    "interaction_markup": NO_ENTRIES,
                    "extra": NO_ENTRIES,
                    "request": request,
                    "response": response,
                },
            )
        )
        return self
