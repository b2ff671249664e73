"""The consumer DSL: declarations become model interactions, and bad arguments fail when given."""

from __future__ import annotations

from typing import Any

import pytest

import polycontract
from polycontract import Pact, match
from polycontract.codec import dump_pact, load_pact
from polycontract.errors import UsageError
from polycontract.model import ABSENT, AsynchronousMessage, Body, HttpInteraction, SynchronousMessage
from polycontract.pact import __all__ as pact_all


def users() -> Pact:
    return Pact(consumer="web", provider="users")


def http(pact: Pact, index: int = 0) -> HttpInteraction:
    interaction = pact.interactions[index]
    assert isinstance(interaction, HttpInteraction)
    return interaction


def test_public_names_are_pinned() -> None:
    assert pact_all == ["Pact"]
    assert polycontract.Pact is Pact


def test_http_interaction_becomes_a_model_interaction() -> None:
    pact = users()
    pact.given("user 7 exists", id=7).upon_receiving("a request for user 7").with_request(
        "get", "/users/7", query={"fields": "name"}, headers={"Accept": "application/json"}
    ).will_respond_with(200, headers={"X-Id": "7"}, body={"id": match.integer(7)})
    interaction = http(pact)
    assert interaction.description == "a request for user 7"
    assert [(s.name, dict(s.params)) for s in interaction.provider_states] == [("user 7 exists", {"id": 7})]
    assert interaction.request.method == "GET"
    assert interaction.request.query == {"fields": ("name",)}
    assert interaction.request.headers == {"Accept": ("application/json",)}
    assert interaction.request.body is ABSENT
    assert interaction.response.body == Body(content={"id": 7}, content_type="application/json")
    assert interaction.response.matching_rules["body"]["$.id"].matchers[0].match == "integer"


def test_given_after_upon_receiving_is_the_same_declaration() -> None:
    first, second = users(), users()
    first.given("s").upon_receiving("d").with_request("GET", "/").will_respond_with(200)
    second.upon_receiving("d").given("s").with_request("GET", "/").will_respond_with(200)
    assert first.to_model() == second.to_model()


def test_several_provider_states_keep_their_order() -> None:
    pact = users().given("a").given("b", {"user-id": 1}).upon_receiving("d")
    pact.with_request("GET", "/").will_respond_with(200)
    assert [(s.name, dict(s.params)) for s in http(pact).provider_states] == [("a", {}), ("b", {"user-id": 1})]


def test_matchers_in_path_query_and_headers_get_rules_in_their_categories() -> None:
    pact = users().upon_receiving("search")
    pact.with_request(
        "GET",
        match.regex(r"/users/\d+", "/users/7"),
        query={"page": match.regex(r"\d+", "2"), "tag": ["a", "b"]},
        headers={"X-Request-Id": match.uuid()},
    ).will_respond_with(match.status_code("success", 200), headers={"Date": match.string("today")})
    request, response = http(pact).request, http(pact).response
    assert request.path == "/users/7"
    assert request.matching_rules["path"][""].matchers[0].match == "regex"
    assert request.matching_rules["query"]["page"].matchers[0].params == {"regex": r"\d+"}
    assert request.query["tag"] == ("a", "b")
    assert request.matching_rules["header"]["X-Request-Id"].matchers[0].match == "regex"
    assert "X-Request-Id" in request.generators["header"]
    assert response.status == 200
    assert response.matching_rules["status"][""].matchers[0].match == "statusCode"
    assert response.matching_rules["header"]["Date"].matchers[0].match == "type"


def test_query_string_is_parsed_into_a_multimap() -> None:
    pact = users().upon_receiving("d").with_request("GET", "/", query="a=1&a=2&b=").will_respond_with(200)
    assert http(pact).request.query == {"a": ("1", "2"), "b": ("",)}


def test_body_content_types_follow_the_value_or_the_header() -> None:
    pact = users()
    pact.upon_receiving("text").with_request("POST", "/t", body="hello").will_respond_with(200, body=b"\x00\x01")
    pact.upon_receiving("json text").with_request(
        "POST", "/j", headers={"Content-Type": "application/json"}, body='{"a": 1}'
    ).will_respond_with(200, body=[1, 2])
    text, raw = http(pact, 0).request.body, http(pact, 0).response.body
    assert (text.content, text.content_type) == ("hello", "text/plain")
    assert raw.content_type == "application/octet-stream"
    assert http(pact, 1).request.body.content == {"a": 1}
    assert http(pact, 1).response.body.content_type == "application/json"


def test_identical_redeclaration_is_kept_once() -> None:
    pact = users()
    for _ in range(2):
        pact.given("s").upon_receiving("d").with_request("GET", "/").will_respond_with(200)
    assert len(pact.interactions) == 1


def test_same_description_in_another_state_is_a_different_interaction() -> None:
    pact = users()
    pact.given("s1").upon_receiving("d").with_request("GET", "/").will_respond_with(200)
    pact.given("s2").upon_receiving("d").with_request("GET", "/").will_respond_with(404)
    assert len(pact.interactions) == 2


def test_asynchronous_message_with_metadata_matchers() -> None:
    pact = users().given("an order exists").expects_to_receive("an order event")
    pact.with_content({"id": match.integer(1)}, metadata={"topic": match.regex("orders.*", "orders.v1")})
    message = pact.interactions[0]
    assert isinstance(message, AsynchronousMessage)
    assert message.message.contents == Body(content={"id": 1}, content_type="application/json")
    assert message.message.metadata == {"topic": "orders.v1"}
    assert message.message.matching_rules["metadata"]["topic"].matchers[0].match == "regex"
    assert message.message.matching_rules["body"]["$.id"].matchers[0].match == "integer"


def test_synchronous_message() -> None:
    pact = users().upon_receiving("a stock query").with_request_message({"sku": "A1"})
    pact.will_respond_with_message({"count": match.integer(3)}, metadata={"contentType": "application/json"})
    message = pact.interactions[0]
    assert isinstance(message, SynchronousMessage)
    assert message.request.contents.content == {"sku": "A1"}
    assert message.response[0].contents.content == {"count": 3}


def test_the_model_round_trips_through_the_codec_in_every_version() -> None:
    pact = Pact(consumer="web", provider="users", spec="V3")
    pact.given("s", id=1).upon_receiving("d").with_request(
        "POST", "/u", query={"q": match.regex("[a-z]+", "abc")}, body={"name": match.string("Ann")}
    ).will_respond_with(201, body={"id": match.integer(1), "tags": match.each_like("x")})
    model = pact.to_model()
    for spec in ("V3", "V4"):
        reloaded = load_pact(dump_pact(model, spec=spec)).interactions[0]
        assert isinstance(reloaded, HttpInteraction)
        assert reloaded.request.query == {"q": ("abc",)}
    assert dump_pact(model, spec="V3")["interactions"][0]["response"]["matchingRules"]["body"]["$.tags"]


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("spec", ["V5", "V1", "", "x"])
def test_unknown_or_unwritable_spec_is_refused(spec: str) -> None:
    with pytest.raises(UsageError, match=repr(spec).replace("(", r"\(")):
        Pact(consumer="a", provider="b", spec=spec)


@pytest.mark.parametrize(("name", "value"), [("consumer", ""), ("provider", None)])
def test_consumer_and_provider_are_named(name: str, value: Any) -> None:
    kwargs = {"consumer": "a", "provider": "b", name: value}
    with pytest.raises(UsageError, match=f"{name}={value!r}"):
        Pact(**kwargs)


@pytest.mark.parametrize("method", [7, "", "GET /x", None])
def test_method_must_be_a_method_name(method: Any) -> None:
    with pytest.raises(UsageError, match=f"method={method!r}"):
        users().upon_receiving("d").with_request(method, "/")


@pytest.mark.parametrize("path", ["users", "/u?a=1", 5])
def test_path_must_be_absolute_without_a_query(path: Any) -> None:
    with pytest.raises(UsageError, match="path="):
        users().upon_receiving("d").with_request("GET", path)


@pytest.mark.parametrize("status", [99, 600, "200", True, match.integer(700)])
def test_status_must_be_an_http_status(status: Any) -> None:
    with pytest.raises(UsageError, match="status="):
        users().upon_receiving("d").with_request("GET", "/").will_respond_with(status)


def test_duplicate_description_and_state_with_different_content_is_refused() -> None:
    pact = users()
    pact.given("s").upon_receiving("d").with_request("GET", "/").will_respond_with(200)
    with pytest.raises(UsageError, match=r"description='d' with 's' is already declared with different content"):
        pact.given("s").upon_receiving("d").with_request("GET", "/").will_respond_with(404)


def test_body_that_is_not_json_serialisable_is_refused() -> None:
    with pytest.raises(UsageError, match=r"with_request: body: value at path=.\$\.at.: <object"):
        users().upon_receiving("d").with_request("POST", "/", body={"at": object()})


def test_non_json_text_declared_as_json_is_refused() -> None:
    with pytest.raises(UsageError, match="body='not json' is declared as 'application/json' but is not JSON"):
        users().upon_receiving("d").with_request(
            "POST", "/", headers={"Content-Type": "application/json"}, body="not json"
        )


def test_structured_body_with_a_non_json_content_type_is_refused() -> None:
    with pytest.raises(UsageError, match="'text/plain' is not JSON"):
        users().upon_receiving("d").with_request("POST", "/", headers={"Content-Type": "text/plain"}, body=[1])


def test_header_values_must_be_strings() -> None:
    with pytest.raises(UsageError, match=r"headers\['X-Count'\]=3 must be a string"):
        users().upon_receiving("d").with_request("GET", "/", headers={"X-Count": 3})


def test_provider_state_params_must_be_json() -> None:
    with pytest.raises(UsageError, match=r"params=\{'when': <object"):
        users().given("s", when=object())


def test_response_before_request_is_refused() -> None:
    with pytest.raises(UsageError, match=r"call with_request\(...\) first"):
        users().upon_receiving("d").will_respond_with(200)


def test_request_needs_a_description_first() -> None:
    with pytest.raises(UsageError, match=r"upon_receiving\(description\)"):
        users().with_request("GET", "/")


def test_a_new_description_before_the_last_one_is_finished_is_refused() -> None:
    pact = users().upon_receiving("first").with_request("GET", "/")
    with pytest.raises(UsageError, match=r"'first' is not finished: it still needs will_respond_with"):
        pact.upon_receiving("second")


def test_unfinished_declaration_is_reported_by_to_model() -> None:
    pact = users().upon_receiving("half").with_request("GET", "/")
    with pytest.raises(UsageError, match="'half' is not finished"):
        pact.to_model()


def test_messages_need_a_spec_that_holds_them() -> None:
    with pytest.raises(UsageError, match="spec='V2' cannot hold asynchronous messages"):
        Pact(consumer="a", provider="b", spec="V2").expects_to_receive("e")
    with pytest.raises(UsageError, match="spec='V3' cannot hold synchronous messages"):
        Pact(consumer="a", provider="b", spec="V3").upon_receiving("q").with_request_message({})


def test_v3_keeps_http_and_messages_apart() -> None:
    pact = Pact(consumer="a", provider="b", spec="V3")
    pact.upon_receiving("d").with_request("GET", "/").will_respond_with(200)
    with pytest.raises(UsageError, match="V3 pact holds either HTTP interactions or messages"):
        pact.expects_to_receive("e")


def test_message_needs_contents() -> None:
    with pytest.raises(UsageError, match="body=None; a message needs contents"):
        users().expects_to_receive("e").with_content(None)


def test_matchers_nested_inside_a_header_value_are_refused() -> None:
    with pytest.raises(UsageError, match="may not contain matchers inside it"):
        users().upon_receiving("d").with_request("GET", "/", headers={"X": match.like({"a": match.integer(1)})})


def test_declared_http_interactions_are_the_model_objects_init_builds_with_every_field() -> None:
    from dataclasses import fields, replace

    from polycontract import model

    pact = Pact(consumer="web", provider="users")
    pact.given("u", id=1).upon_receiving("get").with_request("GET", "/u", headers={"A": "b"}).will_respond_with(
        200, body={"id": match.integer(1)}
    )
    [interaction] = pact.interactions
    for made, cls in ((interaction, model.HttpInteraction), (interaction.request, model.Request),
                      (interaction.response, model.Response), (interaction.response.body, model.Body)):  # fmt: skip
        assert type(made) is cls
        names = {f.name for f in fields(cls)}
        if hasattr(made, "__dict__"):  # a model class without slots: the fields, nothing else
            assert set(vars(made)) == names
        assert made == cls(**{name: getattr(made, name) for name in names})  # every field is set
        assert made == replace(made) and repr(made) == repr(replace(made))


def test_fields_the_dsl_leaves_empty_are_read_only_and_equal_an_empty_dict() -> None:
    from polycontract.model import NO_ENTRIES

    pact = Pact(consumer="web", provider="users")
    pact.upon_receiving("ping").with_request("GET", "/ping").will_respond_with(204)
    [interaction] = pact.interactions
    assert interaction.comments is NO_ENTRIES and interaction.request.query == {}
    with pytest.raises(TypeError, match="read-only"):
        interaction.request.headers["X"] = ("1",)  # type: ignore[index]


def test_plain_state_params_get_the_canonical_json_text() -> None:
    """`params_text` (the shortcut for plain parameters) writes what ``json.dumps(sort_keys=True)`` writes."""
    import enum
    import json

    from hypothesis import given
    from hypothesis import strategies as st

    from polycontract.pact._values import params_text

    plain = st.none() | st.booleans() | st.integers() | st.text()
    others = st.floats(allow_nan=False) | st.lists(st.integers(), max_size=2)

    @given(st.dictionaries(st.text(), plain | others, max_size=4))
    def check(params: dict[str, Any]) -> None:
        text = params_text(params)
        if all(type(v) in (str, int, bool, type(None)) for v in params.values()):
            assert text == json.dumps(params, sort_keys=True)
        else:
            assert text is None

    check()

    class Level(enum.IntEnum):
        ONE = 1

    assert params_text({"a": Level.ONE}) is None and params_text({1: 1}) is None  # the general path takes these


def test_states_with_params_equal_as_json_identify_one_interaction() -> None:
    """The key of an interaction is its description and each state's name and canonical JSON params."""
    import enum

    class Level(enum.IntEnum):
        ONE = 1

    pact = users()
    pact.given("s", n=1).upon_receiving("d").with_request("GET", "/").will_respond_with(200)
    pact.given("s", n=Level.ONE).upon_receiving("d").with_request("GET", "/").will_respond_with(200)  # same JSON
    pact.given("s", {"n": 2}).upon_receiving("d").with_request("GET", "/").will_respond_with(200)
    pact.given("s", n=1.0).upon_receiving("d").with_request("GET", "/").will_respond_with(200)  # 1.0 is not 1
    pact.upon_receiving("d").with_request("GET", "/").will_respond_with(200)
    pact.given("s").given("t", a="x").upon_receiving("d").with_request("GET", "/").will_respond_with(200)
    pact.given("s", a="x").given("t").upon_receiving("d").with_request("GET", "/").will_respond_with(200)
    assert [[(s.name, dict(s.params)) for s in i.provider_states] for i in pact.interactions] == [
        [("s", {"n": 1})], [("s", {"n": 2})], [("s", {"n": 1.0})], [], [("s", {}), ("t", {"a": "x"})],
        [("s", {"a": "x"}), ("t", {})],
    ]  # fmt: skip
    with pytest.raises(UsageError, match="already declared with different content"):
        pact.given("s", n=Level.ONE).upon_receiving("d").with_request("GET", "/").will_respond_with(201)


def test_declared_interactions_equal_those_built_from_the_model_classes() -> None:
    """The DSL's shortcuts (no `_start`, no `multimap` for absent headers...) build what the model's constructors do."""
    from polycontract.model import Generator, ProviderState, Request, Response, RuleSet

    def body(value: Any) -> tuple[Body, dict[str, RuleSet], dict[str, Generator]]:
        compiled = match.compile(value)
        return Body(content=compiled.example, content_type="application/json"), compiled.rules, compiled.generators

    template = {
        "id": match.integer(3),
        "tags": match.each_like("a"),
        "when": match.datetime("2024-01-02T03:04:05+0000"),
        "n": 1.5,
        "at": match.regex(r"\d+", "12"),
        "s": match.string(),
        "d": match.decimal(2.5),
    }
    for spec in ("V2", "V3", "V4"):
        pact = Pact(consumer="web", provider="users", spec=spec)
        pact.given("u", id=3, name="x").upon_receiving("get").with_request(
            "GET", "/u/3", query={"q": match.regex(r"\d+", "1")}, headers={"Accept": "application/json"}
        ).will_respond_with(200, body=template)
        pact.upon_receiving("post").with_request(
            "post", "/u", headers={"Authorization": match.regex(r"Bearer \w+", "Bearer a")}, body={"name": "x"}
        ).will_respond_with(201, headers={"Location": match.regex(r"/u/\d+", "/u/1")}, body={"id": match.integer(1)})
        pact.upon_receiving("delete").with_request("DELETE", "/u/3").will_respond_with(204)
        response_body, response_rules, response_gens = body(template)
        post_body, post_rules, _ = body({"id": match.integer(1)})
        regex = match.regex(r"\d+", "1").rule_set
        expected = (
            HttpInteraction(
                description="get",
                provider_states=(ProviderState(name="u", params={"id": 3, "name": "x"}),),
                request=Request(
                    method="GET",
                    path="/u/3",
                    query={"q": ("1",)},
                    headers={"Accept": ("application/json",)},
                    matching_rules={"query": {"q": regex}},
                ),
                response=Response(
                    status=200,
                    body=response_body,
                    matching_rules={"body": response_rules},
                    generators={"body": response_gens},
                ),
            ),
            HttpInteraction(
                description="post",
                request=Request(
                    method="POST",
                    path="/u",
                    headers={"Authorization": ("Bearer a",)},
                    body=Body(content={"name": "x"}, content_type="application/json"),
                    matching_rules={"header": {"Authorization": match.regex(r"Bearer \w+", "Bearer a").rule_set}},
                ),
                response=Response(
                    status=201,
                    headers={"Location": ("/u/1",)},
                    body=post_body,
                    matching_rules={
                        "header": {"Location": match.regex(r"/u/\d+", "/u/1").rule_set},
                        "body": post_rules,
                    },
                ),
            ),
            HttpInteraction(
                description="delete", request=Request(method="DELETE", path="/u/3"), response=Response(status=204)
            ),
        )
        assert pact.interactions == expected
        assert [list(i.response.matching_rules) for i in pact.interactions] == [["body"], ["header", "body"], []]
        assert dump_pact(pact.to_model()) == dump_pact(
            pact.to_model().__class__(consumer="web", provider="users", interactions=expected, spec=pact.spec)
        )


# ------------------------------------------------------------------- what the test exercised


def test_verify_names_each_declared_interaction_no_mock_provider_was_asked_for() -> None:
    pact = users()
    pact.upon_receiving("user 7").with_request("GET", "/users/7").will_respond_with(200)
    pact.upon_receiving("an event").with_request_message({"id": 7}).will_respond_with_message({"ok": True})

    with pytest.raises(AssertionError) as raised:
        pact.verify()

    text = str(raised.value)
    assert text.startswith("web -> users: 2 declared interactions were never exercised:")
    assert "- 'user 7' (GET /users/7)" in text and "- 'an event' (a synchronous message)" in text
    assert "no mock provider was started" in text


def test_an_interaction_exercised_through_a_transport_is_the_only_one_in_the_exercised_model() -> None:
    import httpx

    pact = users()
    pact.upon_receiving("user 7").with_request("GET", "/users/7").will_respond_with(200)
    pact.upon_receiving("user 8", optional=True).with_request("GET", "/users/8").will_respond_with(200)
    httpx.Client(transport=pact.transport(), base_url="http://users").get("/users/7")

    pact.verify()  # the optional one may stay unused
    assert [i.description for i in pact.to_model(only_exercised=True).interactions] == ["user 7"]
    assert [i.description for i in pact.to_model().interactions] == ["user 7", "user 8"]


def test_a_message_handed_to_the_consumer_is_exercised() -> None:
    pact = users()
    pact.expects_to_receive("an event").with_content({"id": 7})
    assert [i.description for i in pact.unexercised()] == ["an event"]

    pact.verify_message(lambda contents: None)

    assert pact.unexercised() == ()


def test_optional_must_be_a_bool() -> None:
    with pytest.raises(UsageError, match=r"upon_receiving: optional='yes' must be True or False"):
        users().upon_receiving("x", optional="yes")  # type: ignore[arg-type]
