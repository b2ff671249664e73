"""`VerificationResult.fuzz_verifications`: what ``verify --fuzz --publish`` records apart from the example result,
and, fail closed, what it leaves out (nothing measured: no result)."""

from __future__ import annotations

from polycontract.codec import load_pact
from polycontract.model import Mismatch
from polycontract.verifier import PactOutcome, VerificationResult
from polycontract.verifier._fuzz_result import FAILED, NOT_FUZZED, PASSED, FuzzedRequest, FuzzResult, FuzzRun
from tests.verifier.fuzz_providers import get_user_by_id, pact

ORIGIN = "web-users.json"


def _outcome(*descriptions: str) -> PactOutcome:
    document = pact(*(get_user_by_id(7, description=d, state=None) for d in descriptions))
    return PactOutcome(pact=load_pact(document), origin=ORIGIN, ok=True, consumer_version="c1")


def _fuzzed(outcome: PactOutcome, description: str, result: str, **more: object) -> FuzzResult:
    [interaction] = [i for i in outcome.pact.interactions if i.description == description]
    return FuzzResult(
        description=description,
        consumer="web",
        provider="users",
        outcome=result,
        examples=20,
        seed=1,
        origin=ORIGIN,
        key=interaction.key,
        **more,  # type: ignore[arg-type]
    )


def _result(outcome: PactOutcome, *fuzzed: FuzzResult) -> VerificationResult:
    run = FuzzRun(examples=20, seed=1, results=fuzzed)
    return VerificationResult(provider="users", provider_version="p1", pacts=(outcome,), fuzz=run)


def test_every_interaction_passing_publishes_a_fuzz_success() -> None:
    outcome = _outcome("a", "b")

    [item], notes = _result(outcome, _fuzzed(outcome, "a", PASSED), _fuzzed(outcome, "b", PASSED)).fuzz_verifications()

    assert notes == []
    assert (item["kind"], item["success"], item["content_hash"]) == ("fuzz", True, outcome.content_hash)
    assert [t["success"] for t in item["test_results"]] == [True, True]


def test_a_failure_publishes_a_fuzz_failure_naming_the_smallest_request_and_its_mismatches() -> None:
    outcome = _outcome("a")
    mismatch = Mismatch(kind="status", path="$.status", message="expected 200 but was 500", expected=200, actual=500)
    smallest = FuzzedRequest(method="GET", path="/users/0", query={}, headers={}, body=None, mismatches=(mismatch,))

    [item], _ = _result(outcome, _fuzzed(outcome, "a", FAILED, smallest=smallest)).fuzz_verifications()

    assert item["success"] is False
    [entry] = item["test_results"]
    assert "smallest failing request GET /users/0" in entry["interactionDescription"]
    assert entry["mismatches"][0]["description"] == "expected 200 but was 500"


def test_a_deadline_reached_before_any_request_publishes_nothing_and_says_why() -> None:
    outcome = _outcome("a")
    stopped = _fuzzed(outcome, "a", NOT_FUZZED, reason="the fuzz deadline was reached before it", deadline_reached=True)

    items, notes = _result(outcome, stopped).fuzz_verifications()

    assert items == []
    assert notes == [
        f"web -> users, pact {outcome.content_hash[:8]}: not fuzzed (the fuzz deadline was reached before it),"
        " so there is no fuzz result to record"
    ]


def test_a_pass_with_an_interaction_left_unfuzzed_is_not_published_as_a_pass() -> None:
    outcome = _outcome("a", "b")
    left = _fuzzed(outcome, "b", NOT_FUZZED, reason="the fuzz deadline was reached before it")

    items, notes = _result(outcome, _fuzzed(outcome, "a", PASSED), left).fuzz_verifications()

    assert items == [] and len(notes) == 1


def test_a_pass_with_an_interaction_missing_from_the_fuzz_run_is_not_published_as_a_pass() -> None:
    outcome = _outcome("a", "b")

    items, notes = _result(outcome, _fuzzed(outcome, "a", PASSED)).fuzz_verifications()  # "b" has no result at all

    assert items == []
    assert notes == [
        f"web -> users, pact {outcome.content_hash[:8]}: not fuzzed (an HTTP interaction of it has no fuzz result),"
        " so there is no fuzz result to record"
    ]


def test_a_failure_is_published_even_when_another_interaction_was_left_unfuzzed() -> None:
    outcome = _outcome("a", "b")
    smallest = FuzzedRequest(method="GET", path="/users/0", query={}, headers={}, body=None)
    left = _fuzzed(outcome, "b", NOT_FUZZED, reason="the fuzz deadline was reached before it")

    [item], _ = _result(outcome, _fuzzed(outcome, "a", FAILED, smallest=smallest), left).fuzz_verifications()

    assert item["success"] is False
    assert len(item["test_results"]) == 1  # only what was measured


def test_without_fuzzing_there_is_nothing() -> None:
    assert VerificationResult(provider="users", pacts=(_outcome("a"),)).fuzz_verifications() == ([], [])
