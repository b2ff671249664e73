"""`requests_for`, `responses_for`, `messages_for`: whole requests, responses and messages drawn within an
interaction's rules pass the request matching the mock does and the response matching the verifier does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from pact_spec import params, require

from polycontract import Pact, match
from polycontract.codec import load_pact, parse_message, parse_request, parse_response
from polycontract.errors import UsageError
from polycontract.matching import compare_message, compare_request, compare_response
from polycontract.model import (
    AsynchronousMessage,
    HttpInteraction,
    Matcher,
    MessageContents,
    Request,
    RuleSet,
    SynchronousMessage,
)
from polycontract.strategies import messages_for, requests_for, responses_for
from polycontract.strategies._http import build_message, build_request, build_response

#: What `find` needs (generate, then shrink), without the example database or the explain phase.
FIND = settings(database=None, phases=[Phase.generate, Phase.shrink])
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SPECS = {"v1": "V1", "v1.1": "V1.1", "v2": "V2", "v3": "V3", "v4": "V4"}
PROOF = settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
PARSERS = {"request": parse_request, "response": parse_response, "message": parse_message}
BUILDERS = {"request": build_request, "response": build_response, "message": build_message}
COMPARE = {"request": compare_request, "response": compare_response, "message": compare_message}


def _ruled_cases(testcases: Path, *, self_matching: bool = True) -> list[Any]:
    """The specification's cases whose expected side declares matching rules (the ones with room to vary).

    ``self_matching``: those whose example matches its own rules; else the others (nothing can be drawn
    for those: the example is the simplest value and it does not match).
    """
    out = []
    for path in sorted(testcases.rglob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8-sig"))
        if "matchingRules" not in json.dumps(case["expected"]):
            continue
        name = str(path.relative_to(testcases))
        version, kind = name.split("/")[:2]
        model = PARSERS[kind](case["expected"], spec=SPECS[version])
        if (not COMPARE[kind](model, model, spec=SPECS[version])) == self_matching:
            out.append(pytest.param(name, case["expected"], id=name))
    return out


RULED = params("testcases", _ruled_cases, width=2)


def test_the_specification_cases_whose_example_breaks_its_own_rules_are_few_and_known() -> None:
    testcases = require("testcases")
    broken = [p.values[0] for p in _ruled_cases(testcases, self_matching=False)]

    assert broken == [  # each declares min=2 on an array whose example holds one item
        f"{version}/request/body/array size less than required{xml}.json"
        for version in ("v2", "v3", "v4")
        for xml in (" xml", "")
    ]


@pytest.mark.parametrize(("name", "expected"), RULED)
@PROOF
@given(data=st.data())
def test_every_request_response_and_message_drawn_for_a_specification_case_matches_it(
    name: str, expected: Any, data: st.DataObject
) -> None:
    require("testcases")
    version, kind = name.split("/")[:2]
    spec = SPECS[version]
    model = PARSERS[kind](expected, spec=spec)

    drawn = data.draw(BUILDERS[kind](model), label="unjudged")

    assert [str(m) for m in COMPARE[kind](model, drawn, spec=spec)] == []


def _example_pact() -> Any:
    return load_pact(EXAMPLES / "pacts" / "web-users.json")


def test_responses_from_the_example_pact_file_match_and_vary() -> None:
    interaction = _example_pact().interactions[0]
    assert isinstance(interaction, HttpInteraction)
    names = set()

    @PROOF
    @given(build_response(interaction.response))
    def check(response: Any) -> None:
        assert compare_response(interaction.response, response) == []
        names.add(response.body.content["name"])

    check()
    assert len(names) > 3


def dsl_pact() -> Pact:
    """An HTTP interaction and a message declared with rules on every part: path, query, headers, status, body."""
    pact = Pact(consumer="web", provider="orders")
    (
        pact.upon_receiving("a search for orders")
        .with_request(
            "GET",
            match.regex(r"/orders/\d+", "/orders/7"),
            query={"page": match.regex(r"\d+", "1"), "sort": match.regex("asc|desc", "asc"), "fixed": "yes"},
            headers={"X-Request-Id": match.uuid(), "Accept": "application/json", "X-Flag": match.regex("on|off", "on")},
        )
        .will_respond_with(
            match.status_code("success", 200),
            headers={"X-Total": match.regex(r"[0-9]+", "3"), "Content-Type": "application/json"},
            body={
                "orders": match.each_like({"id": match.integer(1), "at": match.datetime("2024-05-01T10:00:00+00:00")})
            },
        )
    )
    pact.expects_to_receive("an order placed event").with_content(
        {"orderId": match.integer(1), "total": match.decimal(9.5), "tags": match.each_like("new")},
        metadata={"topic": "orders", "version": match.regex(r"v\d+", "v1")},
    )
    return pact


def test_requests_declared_with_the_dsl_match_with_every_part_varied() -> None:
    interaction = dsl_pact().to_model().interactions[0]
    assert isinstance(interaction, HttpInteraction)
    paths, pages, ids = set(), set(), set()

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(build_request(interaction.request))
    def check(request: Request) -> None:
        assert [str(m) for m in compare_request(interaction.request, request)] == []
        assert request.query["fixed"] == ("yes",)
        paths.add(request.path)
        pages.add(request.query["page"])
        ids.add(request.headers["X-Request-Id"])

    check()
    assert min(len(paths), len(pages), len(ids)) > 3


def test_responses_declared_with_the_dsl_match_with_status_headers_and_body_varied() -> None:
    interaction = dsl_pact().to_model().interactions[0]
    assert isinstance(interaction, HttpInteraction)
    statuses = set()

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(build_response(interaction.response))
    def check(response: Any) -> None:
        assert [str(m) for m in compare_response(interaction.response, response)] == []
        assert 200 <= response.status <= 299
        statuses.add(response.status)

    check()
    assert len(statuses) > 3


def test_messages_declared_with_the_dsl_match_with_contents_and_metadata_varied() -> None:
    message = dsl_pact().to_model().interactions[1]
    assert isinstance(message, AsynchronousMessage)

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(build_message(message.message))
    def check(contents: MessageContents) -> None:
        assert [str(m) for m in compare_message(message.message, contents)] == []
        assert contents.metadata["topic"] == "orders"

    check()


def test_the_public_strategies_give_the_example_first() -> None:
    document = dsl_pact().to_model()
    interaction, message = document.interactions
    assert isinstance(interaction, HttpInteraction) and isinstance(message, AsynchronousMessage)

    assert find(requests_for(interaction), lambda r: True, settings=FIND) == interaction.request
    assert find(responses_for(interaction), lambda r: True, settings=FIND) == interaction.response
    assert find(messages_for(message), lambda m: True, settings=FIND) == message.message


def test_a_failing_condition_shrinks_to_a_request_one_step_from_the_example() -> None:
    interaction = dsl_pact().to_model().interactions[0]
    assert isinstance(interaction, HttpInteraction)

    found = find(requests_for(interaction), lambda r: r.query["page"] != ("1",), settings=FIND)

    assert found.path == "/orders/7"
    assert found.query["sort"] == ("asc",)
    assert found.headers == interaction.request.headers
    assert found.query["page"] in (("0",), ("2",))


def test_draws_repeat_under_a_fixed_seed() -> None:
    interaction = dsl_pact().to_model().interactions[0]
    assert isinstance(interaction, HttpInteraction)
    strategy = responses_for(interaction)

    def run() -> list[Any]:
        seen: list[Any] = []

        @settings(max_examples=10, derandomize=True, database=None)
        @given(strategy)
        def collect(response: Any) -> None:
            seen.append(response)

        collect()
        return seen

    assert run() == run()


def test_a_path_under_a_type_rule_is_always_a_path() -> None:
    rules = {"path": {"": RuleSet(matchers=(Matcher(match="type"),))}}
    request = Request(method="GET", path="/users/7", matching_rules=rules)

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(build_request(request))
    def check(drawn: Request) -> None:
        assert drawn.path.startswith("/")
        assert compare_request(request, drawn) == []

    check()


def _rules(**by_name: Matcher) -> dict[str, RuleSet]:
    return {name: RuleSet(matchers=(matcher,)) for name, matcher in by_name.items()}


def test_numbers_and_booleans_in_query_and_headers_are_drawn_as_the_text_the_engine_reads() -> None:
    rules = {
        "query": _rules(page=Matcher(match="integer"), ratio=Matcher(match="decimal"), n=Matcher(match="number")),
        "header": _rules(
            **{"x-flag": Matcher(match="boolean"), "x-day": Matcher(match="date", params={"format": "dd.MM.yyyy"})}
        ),
    }
    request = Request(
        method="GET",
        path="/",
        query={"page": ("1", "2"), "ratio": ("0.5",), "n": ("3",)},
        headers={"X-Flag": ("true",), "X-Day": ("01.05.2024",)},
        matching_rules=rules,
    )
    seen = set()

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(build_request(request))
    def check(drawn: Request) -> None:
        assert [str(m) for m in compare_request(request, drawn)] == []
        assert len(drawn.query["page"]) == 2
        seen.add((drawn.query["page"], drawn.headers["X-Day"]))

    check()
    assert len(seen) > 10


def test_a_synchronous_message_is_refused_with_what_to_pass_instead() -> None:
    sync = SynchronousMessage(description="ask", request=MessageContents(contents={"q": 1}))

    with pytest.raises(UsageError, match=r"pass message\.request"):
        messages_for(sync)


def test_a_message_cannot_be_passed_where_an_http_interaction_belongs() -> None:
    with pytest.raises(UsageError, match="requests_for: MessageContents given"):
        requests_for(MessageContents(contents={}))  # type: ignore[arg-type]
