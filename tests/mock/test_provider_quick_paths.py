"""The mock provider's quick ways (one JSON decoding per request, direct reply encoding) answer as before."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polycontract import Pact, match, model
from polycontract.matching import compare_request
from polycontract.mock._discriminator import frozen
from polycontract.mock._provider import MockProvider
from polycontract.mock._wire_reply import reply_of

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from([0.5, 1e300, -0.0]) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(content=_json, content_type=st.sampled_from([None, "application/json", "text/plain"]))
def test_a_reply_body_is_the_json_text_of_the_response_body(content: Any, content_type: str | None) -> None:
    body = model.Body(content=content, content_type=content_type)
    reply = reply_of(model.Response(status=200, headers={"X-A": ("1", "2")}, body=body))
    if isinstance(content, dict | list):
        assert reply.body == json.dumps(content, ensure_ascii=False).encode("utf-8")
    expected_headers = [("X-A", "1"), ("X-A", "2")] + ([("Content-Type", content_type)] if content_type else [])
    assert reply.headers == expected_headers


def test_a_reply_keeps_the_declared_content_type_header_whatever_its_case() -> None:
    body = model.Body(content={"a": "é"}, content_type="application/json")
    reply = reply_of(model.Response(status=201, headers={"content-TYPE": ("application/hal+json",)}, body=body))
    assert reply.headers == [("content-TYPE", "application/hal+json")]
    assert reply.body == '{"a": "é"}'.encode()


@settings(max_examples=200, deadline=None)
@given(value=_json)
def test_frozen_stand_ins_are_equal_for_equal_values_in_any_key_order(value: Any) -> None:
    if isinstance(value, dict):
        reordered = dict(reversed(list(value.items())))
        assert frozen(value) == frozen(reordered)
    assert frozen(value) == frozen(json.loads(json.dumps(value)))


def _shared_path_pact() -> Pact:
    pact = Pact(consumer="a", provider="b")
    for n in range(5):
        pact.upon_receiving(f"create {n}").with_request(
            "POST",
            "/users",
            headers={"Authorization": match.regex(r"Bearer \w+", "Bearer abc")},
            body={"name": f"user {n}", "n": n},
        ).will_respond_with(201, body={"id": n})
    return pact


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(["user 1", "user 3", "user 9", 1]),
    n=st.sampled_from([1, 1.0, 3, True, "1"]),
    auth=st.sampled_from(["Bearer xyz", "Basic x"]),
    extra=st.booleans(),
    content_type=st.sampled_from(["application/json", "text/plain", None]),
)
def test_a_request_on_a_shared_path_gets_the_interaction_compare_request_accepts(
    name: Any, n: Any, auth: str, extra: bool, content_type: str | None
) -> None:
    pact = _shared_path_pact().to_model()
    provider = MockProvider(pact)
    doc = {"name": name, "n": n, **({"x": 1} if extra else {})}
    headers = {"Authorization": (auth,), **({"Content-Type": (content_type,)} if content_type else {})}
    body = model.Body(content=json.dumps(doc).encode(), content_type=content_type)
    request = model.Request(method="POST", path="/users", headers=headers, body=body)
    reply = provider.handle(request)
    accepted = [i for i, it in enumerate(pact.interactions) if compare_request(it.request, request) == []]
    if accepted:
        assert reply.status == 201
        assert json.loads(reply.body) == {"id": accepted[0]}
    else:
        assert reply.status == 500
        assert provider.problems(include_unused=False)[0].kind == "mismatch"


def test_the_body_of_a_request_on_a_shared_path_is_decoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from polycontract.matching import _body, _content

    calls: list[bytes] = []
    real = _content.json.loads

    def counting(data: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(data)
        return real(data, *args, **kwargs)

    provider = MockProvider(_shared_path_pact().to_model())
    monkeypatch.setattr(_content.json, "loads", counting)
    monkeypatch.setattr(_content, "_DECODER", _CountingDecoder(calls))
    assert _body.loads_json is _content.loads_json
    request = model.Request(
        method="POST",
        path="/users",
        headers={"Authorization": ("Bearer x",)},
        body=model.Body(content=b'{"name": "user 2", "n": 2}', content_type="application/json"),
    )
    reply = provider.handle(request)
    assert len(calls) == 1
    assert reply.body == b'{"id": 2}'


class _CountingDecoder(json.JSONDecoder):
    def __init__(self, calls: list[Any]) -> None:
        super().__init__()
        self.calls = calls

    def raw_decode(self, s: str, idx: int = 0) -> tuple[Any, int]:
        self.calls.append(s)
        return super().raw_decode(s, idx)
