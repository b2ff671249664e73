"""Reading and writing pact files: versions, round trips, conversions, bad input and the content hash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pact_spec import require, root

from polycontract.codec import content_hash, dump_pact, dumps_pact, load_pact
from polycontract.errors import PactFormatError, UsageError
from polycontract.model import (
    ABSENT,
    AsynchronousMessage,
    Body,
    HttpInteraction,
    MessageContents,
    PactDocument,
    ProviderState,
    Request,
    SynchronousMessage,
)

FIXTURES = root() / "compatibility-suite" / "fixtures"


def v3_pact() -> dict[str, Any]:
    return {
        "consumer": {"name": "web-ui"},
        "provider": {"name": "auth-svc"},
        "interactions": [
            {
                "description": "a request for user 1",
                "providerStates": [{"name": "user exists", "params": {"id": 1}}],
                "request": {
                    "method": "GET",
                    "path": "/users/1",
                    "query": {"fields": ["name", "email"]},
                    "headers": {"Accept": "application/json"},
                },
                "response": {
                    "status": 200,
                    "headers": {"Content-Type": "application/json"},
                    "body": {"id": 1, "name": "alice", "tags": ["a"]},
                    "matchingRules": {
                        "body": {
                            "$.name": {"matchers": [{"match": "type"}], "combine": "AND"},
                            "$.tags": {"matchers": [{"match": "type", "min": 1}], "combine": "AND"},
                        }
                    },
                    "generators": {"body": {"$.id": {"type": "RandomInt", "min": 1, "max": 9}}},
                },
                "_vendor": {"kept": True},
            }
        ],
        "metadata": {"pactSpecification": {"version": "3.0.0"}, "tool": {"name": "x"}},
    }


def test_v3_pact_reads_states_query_rules_and_generators() -> None:
    pact = load_pact(v3_pact())
    assert pact.spec == "V3"
    interaction = pact.interactions[0]
    assert isinstance(interaction, HttpInteraction)
    assert interaction.provider_states == (ProviderState(name="user exists", params={"id": 1}),)
    assert interaction.request.query == {"fields": ("name", "email")}
    assert interaction.response.matching_rules["body"]["$.tags"].matchers[0].params == {"min": 1}
    assert interaction.response.generators["body"]["$.id"].type == "RandomInt"
    assert interaction.extra == {"_vendor": {"kept": True}}


def test_v3_to_v4_and_back_keeps_content_and_unknown_fields() -> None:
    pact = load_pact(v3_pact())
    v4 = dump_pact(pact, spec="V4")
    assert v4["interactions"][0]["type"] == "Synchronous/HTTP"
    assert v4["interactions"][0]["response"]["body"]["contentType"] == "application/json"
    assert v4["interactions"][0]["_vendor"] == {"kept": True}
    assert v4["metadata"]["tool"] == {"name": "x"}
    back = dump_pact(load_pact(v4), spec="V3")
    assert back["interactions"][0]["response"]["body"] == v3_pact()["interactions"][0]["response"]["body"]
    assert back["interactions"][0]["request"]["query"] == {"fields": ["name", "email"]}


def test_v2_flat_rules_are_upgraded_to_categories() -> None:
    doc = {
        "consumer": {"name": "c"},
        "provider": {"name": "p"},
        "interactions": [
            {
                "description": "d",
                "providerState": "s",
                "request": {"method": "GET", "path": "/a", "query": "x=1&y=2"},
                "response": {
                    "status": 200,
                    "body": {"a": "1"},
                    "matchingRules": {"$.body.a": {"regex": "\\d+"}, "$.headers.X-Id": {"match": "type"}},
                },
            }
        ],
        "metadata": {"pactSpecification": {"version": "2.0.0"}},
    }
    pact = load_pact(doc)
    interaction = pact.interactions[0]
    assert isinstance(interaction, HttpInteraction)
    rules = interaction.response.matching_rules
    assert rules["body"]["$.a"].matchers[0].match == "regex"
    assert rules["header"]["X-Id"].matchers[0].match == "type"
    assert interaction.request.query == {"x": ("1",), "y": ("2",)}
    assert dump_pact(pact, spec="V2")["interactions"][0]["response"]["matchingRules"]["$.body.a"] == {
        "match": "regex",
        "regex": "\\d+",
    }


def test_v1_snake_case_provider_state_is_read() -> None:
    doc = {
        "consumer": {"name": "c"},
        "provider": {"name": "p"},
        "interactions": [{"description": "d", "provider_state": "s", "request": {}, "response": {}}],
        "metadata": {"pactSpecificationVersion": "1.0.0"},
    }
    pact = load_pact(doc)
    assert pact.spec == "V1"
    assert pact.interactions[0].provider_states[0].name == "s"


def test_v3_message_pact_reads_and_writes_back_as_messages() -> None:
    doc = {
        "consumer": {"name": "c"},
        "provider": {"name": "p"},
        "messages": [
            {
                "description": "an order placed event",
                "contents": {"id": 1},
                "metaData": {"contentType": "application/json"},
                "matchingRules": {"body": {"$.id": {"matchers": [{"match": "integer"}]}}},
            }
        ],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }
    pact = load_pact(doc)
    message = pact.interactions[0]
    assert isinstance(message, AsynchronousMessage)
    assert message.message.contents == Body(content={"id": 1}, content_type="application/json")
    v3 = dump_pact(pact, spec="V3")
    assert v3["messages"][0]["metaData"] == {"contentType": "application/json"}
    v4 = dump_pact(pact)
    assert v4["interactions"][0]["matchingRules"] == {
        "content": {"$.id": {"matchers": [{"match": "integer"}], "combine": "AND"}}
    }


def test_synchronous_message_cannot_be_written_as_v3() -> None:
    pact = PactDocument(
        consumer="c",
        provider="p",
        interactions=(
            SynchronousMessage(
                description="ask",
                request=MessageContents(contents=Body(content={"q": 1})),
                response=(MessageContents(contents=Body(content={"a": 1})),),
            ),
        ),
    )
    with pytest.raises(UsageError, match="synchronous messages exist only in V4"):
        dump_pact(pact, spec="V3")


def test_a_matcher_introduced_in_v4_is_written_into_v3_as_the_reference_writes_it() -> None:
    # pact_models writes every matcher type into V3 files (MatchingRule::to_json is not gated by spec).
    doc = dump_pact(load_pact(v3_pact()))
    doc["interactions"][0]["response"]["matchingRules"]["body"]["$.name"]["matchers"] = [{"match": "semver"}]
    v3 = dump_pact(load_pact(doc), spec="V3")
    assert v3["interactions"][0]["response"]["matchingRules"]["body"]["$.name"]["matchers"] == [{"match": "semver"}]


@pytest.mark.parametrize("name", ["pact-broker_c2.json"])
def test_real_v4_pact_round_trips_to_identical_json(name: str) -> None:
    require("compatibility-suite/fixtures")
    original = json.loads((FIXTURES / name).read_text())
    pact = load_pact(FIXTURES / name)
    again = json.loads(dumps_pact(pact))
    assert load_pact(again) == pact
    assert again["interactions"][0]["request"]["body"] == original["interactions"][0]["request"]["body"]
    assert {k: v for k, v in again["metadata"].items() if k != "pactSpecification"} == {
        k: v for k, v in original["metadata"].items() if k != "pactSpecification"
    }


def test_pact_with_a_regex_invalid_in_every_dialect_names_the_rule() -> None:
    require("compatibility-suite/fixtures")
    # pact-broker_c1.json carries '.(*\\/pacts...)$', which no regex engine accepts.
    with pytest.raises(PactFormatError) as info:
        load_pact(FIXTURES / "pact-broker_c1.json")
    assert info.value.path == "$.interactions[1].response.matchingRules.body['$._links.self.href'].matchers[0].regex"


def test_java_quoted_regex_is_translated() -> None:
    doc = v3_pact()
    doc["interactions"][0]["response"]["matchingRules"]["body"]["$.name"]["matchers"] = [
        {"match": "regex", "regex": "\\Q{a}\\E-\\d+"}
    ]
    from polycontract.matching import compare_response

    interaction = load_pact(doc).interactions[0]
    assert isinstance(interaction, HttpInteraction)
    ok = dict(doc["interactions"][0]["response"], body={"id": 1, "name": "{a}-12", "tags": ["a"]})
    bad = dict(ok, body={"id": 1, "name": "xa}-12", "tags": ["a"]})
    assert compare_response(interaction.response, ok) == []
    assert [m.path for m in compare_response(interaction.response, bad)] == ["$.body.name"]


def test_binary_body_round_trips_through_base64() -> None:
    pact = PactDocument(
        consumer="c",
        provider="p",
        interactions=(HttpInteraction(description="img"),),
    )
    from dataclasses import replace

    interaction = pact.interactions[0]
    assert isinstance(interaction, HttpInteraction)
    interaction = replace(
        interaction, response=replace(interaction.response, body=Body(content=b"\x89PNG", content_type="image/png"))
    )
    pact = replace(pact, interactions=(interaction,))
    doc = dump_pact(pact)
    assert doc["interactions"][0]["response"]["body"]["encoded"] == "base64"
    assert load_pact(doc) == pact


# -- bad input -------------------------------------------------------------------------------


def test_not_json_names_the_file_and_position(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"consumer": ')
    with pytest.raises(PactFormatError) as info:
        load_pact(bad)
    assert str(bad) in str(info.value)
    assert "not valid JSON" in str(info.value)


def test_missing_file_is_a_pact_format_error(tmp_path: Path) -> None:
    with pytest.raises(PactFormatError, match="cannot read the file"):
        load_pact(tmp_path / "nope.json")


@pytest.mark.parametrize(
    ("mutate", "path", "expected"),
    [
        (lambda d: d.pop("consumer"), "$.consumer", "name"),
        (lambda d: d["interactions"][0].update(description=3), "$.interactions[0].description", "a string"),
        (
            lambda d: d["interactions"][0]["response"].update(status="200"),
            "$.interactions[0].response.status",
            "integer",
        ),
        (
            lambda d: d["interactions"][0]["response"]["matchingRules"]["body"]["$.name"].update(
                matchers=[{"match": "fuzzy"}]
            ),
            "$.interactions[0].response.matchingRules.body['$.name'].matchers[0].match",
            "one of",
        ),
        (
            lambda d: d["interactions"][0]["response"]["matchingRules"]["body"]["$.name"].update(
                matchers=[{"match": "regex", "regex": "(unclosed"}]
            ),
            "$.interactions[0].response.matchingRules.body['$.name'].matchers[0].regex",
            "valid regex",
        ),
        (
            lambda d: d["interactions"][0]["response"]["matchingRules"]["body"].update({"$.a[": {"matchers": []}}),
            "$.interactions[0].response.matchingRules.body['$.a[']",
            "path like",
        ),
        (
            lambda d: d["interactions"][0]["request"].update(headers={"Accept": 1}),
            "$.interactions[0].request.headers.Accept",
            "string",
        ),
        (
            lambda d: d["interactions"][0]["response"]["generators"]["body"]["$.id"].update(type="Nope"),
            "$.interactions[0].response.generators.body['$.id'].type",
            "one of",
        ),
    ],
    ids=["no consumer", "description", "status", "unknown matcher", "bad regex", "bad path", "header", "generator"],
)
def test_malformed_pact_names_source_path_and_expectation(mutate: Any, path: str, expected: str) -> None:
    doc = v3_pact()
    mutate(doc)
    with pytest.raises(PactFormatError) as info:
        load_pact(json.dumps(doc), name="pacts/web-ui-auth-svc.json")
    error = info.value
    assert error.source == "pacts/web-ui-auth-svc.json"
    assert error.path == path
    assert expected in error.expected
    assert str(error).startswith(f"pacts/web-ui-auth-svc.json: {path}: ")


def test_unknown_spec_version_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="spec='V9'"):
        dump_pact(load_pact(v3_pact()), spec="V9")


# -- content hash ----------------------------------------------------------------------------


def test_content_hash_ignores_key_order_interaction_order_and_metadata() -> None:
    doc = v3_pact()
    second = json.loads(json.dumps(doc["interactions"][0]))
    second["description"] = "another request"
    doc["interactions"].append(second)
    reordered = json.loads(json.dumps(doc, sort_keys=True))
    reordered["interactions"].reverse()
    reordered["metadata"] = {"pactSpecification": {"version": "3.0.0"}, "tool": {"name": "other", "version": "9"}}
    assert content_hash(load_pact(doc)) == content_hash(load_pact(reordered))


def test_content_hash_is_the_same_for_v3_and_v4_forms_of_one_contract() -> None:
    pact = load_pact(v3_pact())
    assert content_hash(pact) == content_hash(load_pact(dump_pact(pact, spec="V4")))


def test_content_hash_changes_when_the_contract_changes() -> None:
    doc = v3_pact()
    changed = v3_pact()
    changed["interactions"][0]["response"]["body"]["name"] = "bob"
    assert content_hash(load_pact(doc)) != content_hash(load_pact(changed))


def _upload_pact(request_type: str, response_type: str) -> dict[str, Any]:
    body = '--XyZ\r\nContent-Disposition: form-data; name="f"\r\n\r\nhi\r\n--XyZ--\r\n'
    return {
        "consumer": {"name": "web"},
        "provider": {"name": "upload"},
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
        "interactions": [
            {
                "description": "an upload",
                "request": {
                    "method": "POST",
                    "path": "/files",
                    "headers": {"Content-Type": request_type},
                    "body": body,
                },
                "response": {"status": 201, "headers": {"Content-Type": response_type}, "body": {"id": 1}},
            }
        ],
    }


def test_content_hash_counts_content_type_parameters_as_pact_models_does() -> None:
    # pact-reference rust/pact_models/src/content_types.rs: ContentType::parse (the mime crate) keeps type, subtype,
    # a BTreeMap of parameters (names lower case, charset value lower case, see its parse_test) and compares those,
    # so the spacing the Pact CLI rewrites on publish ("a; b=c" -> "a;b=c", its Display) is not a change.
    published = content_hash(load_pact(_upload_pact("multipart/form-data; boundary=XyZ", "application/json")))
    for request_type in ("multipart/form-data;boundary=XyZ", "Multipart/Form-Data ; Boundary = XyZ"):
        assert content_hash(load_pact(_upload_pact(request_type, "application/json"))) == published
    assert content_hash(load_pact(_upload_pact("multipart/form-data; boundary=xyz", "application/json"))) != published
    charset = content_hash(load_pact(_upload_pact("text/plain", "application/json; charset=utf-8; v=2")))
    assert content_hash(load_pact(_upload_pact("text/plain", "application/json;v=2;charset=UTF-8"))) == charset


def test_content_hash_of_a_pact_without_content_type_parameters_is_unchanged() -> None:
    # Hashes stored by brokers must not move: these were computed before content-type parameters were compared
    # as pact_models compares them; a value already spelled "type/sub; name=value" keeps its hash too.
    plain = load_pact(_upload_pact("text/plain", "application/json"))
    assert content_hash(plain) == "ea7d33a14378c36c4e56f8e1e15628a5d5d6f4db61bcfb86bfef4a3b99c4eb1f"
    spaced = load_pact(_upload_pact("multipart/form-data; boundary=XyZ", "application/json; charset=utf-8"))
    assert content_hash(spaced) == "911d59a127dcd123cb6586357fc2c8d7a52150d010838d5ddeb97e4444c52ac6"


def test_absent_body_is_distinct_from_null_body() -> None:
    doc = v3_pact()
    doc["interactions"][0]["request"]["body"] = None
    pact = load_pact(doc)
    interaction = pact.interactions[0]
    assert isinstance(interaction, HttpInteraction)
    assert interaction.request.body == Body(content=None)
    assert interaction.response.body is not ABSENT
    del doc["interactions"][0]["request"]["body"]
    interaction = load_pact(doc).interactions[0]
    assert isinstance(interaction, HttpInteraction)
    assert interaction.request.body is ABSENT


def test_body_content_type_that_v3_cannot_record_is_refused() -> None:
    pact = PactDocument(
        consumer="c",
        provider="p",
        interactions=(
            HttpInteraction(
                description="d",
                request=Request(
                    headers={"Content-Type": ("text/plain",)},
                    body=Body(content={}, content_type="application/json"),
                ),
            ),
        ),
    )
    with pytest.raises(UsageError, match="only V4 records a body's own content type"):
        dump_pact(pact, spec="V3")
    assert load_pact(dump_pact(pact)) == pact
