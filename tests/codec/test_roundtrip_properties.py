"""Property: any pact survives dump and load unchanged, in V4 and (where it fits) V3."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from polycontract.codec import content_hash, dump_pact, load_pact
from polycontract.model import (
    AsynchronousMessage,
    Body,
    Generator,
    HttpInteraction,
    Matcher,
    MessageContents,
    PactDocument,
    ProviderState,
    Request,
    Response,
    RuleSet,
    SynchronousMessage,
)

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
idents = st.from_regex(r"[a-z][a-zA-Z0-9_]{0,8}", fullmatch=True)
scalars = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=10)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(idents, inner, max_size=3),
    max_leaves=8,
)
json_bodies = st.builds(
    Body,
    content=st.dictionaries(idents, json_values, max_size=4) | st.lists(json_values, max_size=3),
    content_type=st.just("application/json"),
)
bodies = json_bodies | st.builds(Body, content=st.binary(min_size=1, max_size=8), content_type=st.just("image/png"))
matchers = st.sampled_from(
    [
        Matcher(match="type"),
        Matcher(match="type", params={"min": 1}),
        Matcher(match="regex", params={"regex": "[a-z]+"}),
        Matcher(match="integer"),
        Matcher(match="date", params={"format": "yyyy-MM-dd"}),
        Matcher(match="semver"),
    ]
)
rule_sets = st.builds(
    RuleSet, matchers=st.lists(matchers, min_size=1, max_size=2).map(tuple), combine=st.sampled_from(["AND", "OR"])
)
body_rules = st.dictionaries(idents.map(lambda k: f"$.{k}"), rule_sets, max_size=2).map(
    lambda d: {"body": d} if d else {}
)
generators = st.dictionaries(
    idents.map(lambda k: f"$.{k}"), st.just(Generator(type="RandomInt", params={"min": 0, "max": 9})), max_size=1
).map(lambda d: {"body": d} if d else {})
headers = st.dictionaries(
    st.sampled_from(["Accept", "X-Id", "Content-Type"]),
    st.lists(st.text("abc/;= ", min_size=1, max_size=6), min_size=1, max_size=2).map(tuple),
    max_size=2,
)
states = st.lists(
    st.builds(ProviderState, name=names, params=st.dictionaries(idents, scalars, max_size=2)), max_size=2
).map(tuple)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    from polycontract.model import ABSENT

    return st.just(ABSENT) | strategy


requests = st.builds(
    Request,
    method=st.sampled_from(["GET", "POST", "PUT"]),
    path=st.from_regex(r"/[a-z0-9/]{0,10}", fullmatch=True),
    query=st.dictionaries(idents, st.lists(st.text(max_size=5), min_size=1, max_size=2).map(tuple), max_size=2),
    headers=headers,
    body=_maybe(bodies),
    matching_rules=body_rules,
    generators=generators,
)
responses = st.builds(
    Response,
    status=st.integers(100, 599),
    headers=headers,
    body=_maybe(bodies),
    matching_rules=body_rules,
    generators=generators,
)
contents = st.builds(
    MessageContents,
    contents=json_bodies,
    metadata=st.dictionaries(idents, scalars, max_size=2),
    matching_rules=body_rules,
)
common = {
    "description": names,
    "provider_states": states,
    "pending": st.booleans(),
    "comments": st.just({}) | st.just({"text": ["a note"]}),
}
interactions = (
    st.builds(HttpInteraction, request=requests, response=responses, **common)
    | st.builds(AsynchronousMessage, message=contents, **common)
    | st.builds(SynchronousMessage, request=contents, response=st.lists(contents, max_size=2).map(tuple), **common)
)
pacts = st.builds(
    PactDocument,
    consumer=names,
    provider=names,
    interactions=st.lists(interactions, max_size=3).map(tuple),
    metadata=st.just({}) | st.just({"tool": {"name": "x"}}),
)


@settings(max_examples=60, deadline=None)
@given(pacts)
def test_v4_dump_then_load_returns_the_same_pact(pact: PactDocument) -> None:
    assert load_pact(dump_pact(pact)) == pact


@settings(max_examples=40, deadline=None)
@given(pacts)
def test_content_hash_survives_a_v4_round_trip(pact: PactDocument) -> None:
    assert content_hash(load_pact(dump_pact(pact))) == content_hash(pact)


@settings(max_examples=40, deadline=None)
@given(pacts)
def test_v3_conversion_round_trips_or_says_why_not(pact: PactDocument) -> None:
    from polycontract.errors import UsageError

    try:
        v3 = dump_pact(pact, spec="V3")
    except UsageError as exc:
        assert "cannot be written as V3" in str(exc)
        return
    assert content_hash(load_pact(v3)) == content_hash(pact)


def _json_dumps_text(pact: PactDocument, spec: str, indent: int = 2) -> str:
    import json

    return json.dumps(dump_pact(pact, spec=spec), indent=indent, ensure_ascii=False)


@settings(max_examples=150, deadline=None)
@given(pacts, st.sampled_from([1, 2, 4]))
def test_pact_text_is_what_json_dumps_writes_of_the_pact_document(pact: PactDocument, copies: int) -> None:
    from polycontract.codec import dumps_pact

    # The same interactions several times over: rule sets, headers and states written once are reused.
    pact = PactDocument(consumer=pact.consumer, provider=pact.provider, interactions=pact.interactions * copies)
    assert dumps_pact(pact) == _json_dumps_text(pact, "V4")
    assert dumps_pact(pact, indent=4) == _json_dumps_text(pact, "V4", indent=4)


def test_pact_text_of_unusual_http_interactions_is_what_json_dumps_writes() -> None:
    from polycontract.codec import dumps_pact

    shared = RuleSet(matchers=(Matcher(match="regex", params={"regex": "\\d+"}),))
    interactions = (
        HttpInteraction(
            description="raw query, key, markup",
            key="k1",
            interaction_markup={"markup": "# hi"},
            plugin_configuration={"p": {"x": 1}},
            request=Request(
                path="/a",
                raw_query="a=1",
                headers={"X": ("1", "2")},
                matching_rules={"path": {"": shared}, "query": {}, "header": {"X": shared}},
                generators={"path": {"": Generator(type="RandomInt")}},
            ),
            response=Response(
                status=200,
                body=Body(content='{"a": 1}', content_type="application/json", encoded="json"),
                matching_rules={"status": {"": shared}, "body": {"$.a": shared, "$['b c']": shared}},
            ),
        ),
        HttpInteraction(
            description="text and binary bodies, extras",
            request=Request(method="PUT", body=Body(content="é\u2028", content_type_hint="TEXT"), extra={"x": 1}),
            response=Response(body=Body(content=b"\x00\x01", content_type="image/png")),
            extra={"description": "replaced"},
        ),
        HttpInteraction(
            description="a float, a null body and state params of every kind",
            provider_states=(ProviderState(name="s", params={"n": 1.5, "l": [1, None], "d": {"e": True}}),),
            request=Request(headers={"Accept": ("a/b",)}, body=Body(content=None)),
            response=Response(status=201, headers={"Accept": ("a/b",)}, body=Body(content=[1.25, -0.0, "x"])),
        ),
    )
    pact = PactDocument(consumer="c", provider="p", interactions=interactions * 2)
    assert dumps_pact(pact) == _json_dumps_text(pact, "V4")


def test_pact_text_of_every_branch_of_the_direct_writer_is_what_json_dumps_writes() -> None:
    from types import MappingProxyType

    from polycontract.codec import dumps_pact, dumps_pact_parts

    shared = RuleSet(matchers=(Matcher(match="type"),))
    other = RuleSet(matchers=(Matcher(match="integer"),), combine="OR")
    interactions = (
        HttpInteraction(
            description="states: several, without params, params of every kind and a mapping that is not a dict",
            provider_states=(
                ProviderState(name="a"),
                ProviderState(name="a", params={"id": 1, "name": "x"}),
                ProviderState(name="b", params={"flag": True, "none": None, "n": 1.5, "l": [1], "d": {"e": "f"}}),
                ProviderState(name="c", params=MappingProxyType({"id": 2})),
                ProviderState(name="c", params={"é\u2028": "\x00"}),
            ),
            pending=True,
            comments={"text": ["a note"]},
            request=Request(method="PATCH", path="/x", query={"a": ("1", "2"), "b": ()}, headers={"X": ()}),
        ),
        HttpInteraction(
            description="bodies: guessed, from a header, with a hint; generators with and without rules",
            request=Request(
                headers={"content-type": ("application/vnd+json",)},
                body=Body(content={"tags": ["one"], "ids": [1], "nested": [["a"]], "n": 2**70, "f": -0.0}),
                generators={"body": {"$.n": Generator(type="RandomInt")}},
            ),
            response=Response(
                body=Body(content="<?xml version='1.0'?><a/>", content_type_hint="TEXT"),
                matching_rules={"body": {"$": shared}},
                generators={"body": {"$": Generator(type="RandomInt")}},
            ),
        ),
        HttpInteraction(
            description="scalar bodies and the same rule sets under other keys and categories",
            request=Request(body=Body(content=7), matching_rules={"body": {"$.a": shared, "$.b": other}}),
            response=Response(
                body=Body(content=None, content_type="application/json"),
                matching_rules={"header": {"$.a": shared, "$.b": other}},
            ),
        ),
        HttpInteraction(
            description="the same rule sets in several categories, one of them empty, one with a single rule set",
            request=Request(
                raw_query="",
                query={},
                matching_rules={"body": {"$.a": shared}, "header": {"$.b": other}, "query": {}},
            ),
            response=Response(
                status=204,
                matching_rules={"status": {"": shared}, "body": {"$.a": shared, "$.b": other}},
            ),
        ),
        HttpInteraction(
            description="values the fast path leaves to the general one",
            request=Request(query={"a": ["1"]}, headers={"X": ["1", "2"], "Y": ("1",)}),  # type: ignore[dict-item]
            response=Response(headers={"X": ("1", 2)}, body=Body(content={"a": "b"}, content_type=None)),  # type: ignore[dict-item]
        ),
    )
    for copies in (1, 3):
        pact = PactDocument(consumer="c", provider="p", interactions=interactions * copies)
        assert dumps_pact(pact) == _json_dumps_text(pact, "V4")
        assert dumps_pact(pact, indent=4) == _json_dumps_text(pact, "V4", indent=4)
        assert "".join(dumps_pact_parts(pact)) == dumps_pact(pact)


def test_pact_text_falls_back_to_json_dumps_for_values_it_does_not_write_itself() -> None:
    from polycontract.codec import dumps_pact

    class Name(str):
        pass

    for interaction in (
        HttpInteraction(description="n", provider_states=(ProviderState(name=Name("s")),)),
        HttpInteraction(description="n", provider_states=(ProviderState(name="s", params={"x": float("nan")}),)),
        HttpInteraction(description="n", response=Response(body=Body(content={"a": [float("inf")]}))),
        HttpInteraction(description="n", request=Request(query={"a": (Name("1"),)})),
        HttpInteraction(description="n", request=Request(matching_rules={"body": {1: RuleSet(matchers=())}})),  # type: ignore[dict-item]
    ):
        pact = PactDocument(consumer="c", provider="p", interactions=(interaction, interaction))
        assert dumps_pact(pact) == _json_dumps_text(pact, "V4")
