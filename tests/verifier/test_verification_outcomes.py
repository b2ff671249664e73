"""`VerificationResult` outcomes from the Python API, and what ``verifications()`` hands a broker."""

from __future__ import annotations

import json
from pathlib import Path

from polycontract.codec import load_pact
from polycontract.model import PactDocument
from polycontract.verifier import SourcedPact, Verifier
from tests.verifier.providers import UsersApp, get_user, users_pact


def _pact(consumer: str, *interactions: dict[str, object]) -> PactDocument:
    return load_pact({**users_pact(*interactions), "consumer": {"name": consumer}})


def test_verifications_carry_test_results_and_leave_out_what_could_not_be_verified(
    users_url: str, users_app: UsersApp
) -> None:
    users_app.users[1] = "alice"
    users_app.broken = True  # answers "id": "1", a string where the pact wants an integer
    verifier = Verifier(provider="users", base_url=users_url)
    broken = _pact("web", get_user(1, state=None))
    unchecked = _pact("worker", get_user(1))  # state "user exists" has no handler: nothing is checked

    result = verifier.verify(broken, unchecked)

    assert result.outcome == "could-not-verify" and not result.ok
    assert [p.outcome for p in result.pacts] == ["failed", "could-not-verify"]
    [published] = result.verifications()
    assert published["consumer"] == "web" and published["success"] is False
    assert published["test_results"] == [
        {
            "interactionId": None,
            "interactionDescription": "get user",
            "success": False,
            "mismatches": [
                {
                    "attribute": "body",
                    "identifier": "$.body.id",
                    "description": 'Expected "1" to be an integer',
                    "expected": 1,
                    "actual": "1",
                }
            ],
        }
    ]


def test_an_unchecked_interaction_reports_its_error_as_the_exception(users_url: str) -> None:
    verifier = Verifier(provider="users", base_url=users_url)
    verifier.add_state("user exists", lambda: None)
    verifier.add_state("other", lambda: 1 / 0)
    other = get_user(2, description="other user", state="other")

    result = verifier.verify(_pact("web", get_user(1), other))

    assert [r.outcome for r in result] == ["failed", "could-not-verify"]
    [published] = result.verifications()  # a measured failure beside an unchecked interaction is published
    entry = published["test_results"][1]
    assert entry["success"] is False and "ZeroDivisionError" in entry["exception"]


def test_no_pacts_for_the_provider_could_not_be_verified_unless_allowed(tmp_path: Path) -> None:
    verifier = Verifier(provider="users", base_url="http://127.0.0.1:9")
    (tmp_path / "web-orders.json").write_text(json.dumps({**users_pact(get_user(1)), "provider": {"name": "orders"}}))

    assert verifier.verify(tmp_path).outcome == "could-not-verify"
    assert "no pacts for provider users were found" in verifier.verify(tmp_path).report()
    assert verifier.verify(tmp_path, allow_no_pacts=True).outcome == "verified"


def test_an_in_process_app_that_raises_has_failed() -> None:
    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        raise ValueError("boom")

    result = Verifier(provider="users", app=app).verify(_pact("web", get_user(1, state=None)))

    assert result.outcome == "failed"
    assert result.verifications()[0]["success"] is False


def test_a_state_change_url_that_refuses_connections_is_the_provider_being_down() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        result = Verifier(provider="users", base_url=url, state_change_url="/_pact/state").verify(
            _pact("web", get_user(1))
        )

    [entry] = result
    assert entry.error_kind == "connection" and entry.outcome == "could-not-verify"
    assert result.unreachable and result.verifications() == []


def test_the_result_of_a_wip_pact_is_published_as_wip(users_url: str, users_app: UsersApp) -> None:
    # the Pact Broker records verifications.wip for a result from a WIP pact (pact_broker
    # lib/pact_broker/api/resources/verifications.rb); verifications() carries the flag to the broker
    users_app.users[1] = "alice"
    verifier = Verifier(provider="users", base_url=users_url)
    verifier.add_state("user exists", lambda: None)
    wip = SourcedPact(pact=_pact("web", get_user(1)), origin="broker", pending=True, wip=True)
    plain = SourcedPact(pact=_pact("app", get_user(1)), origin="broker")

    result = verifier.verify(_Source(wip, plain))

    assert [(v["consumer"], v["success"], v["wip"]) for v in result.verifications()] == [
        ("web", True, True),
        ("app", True, False),
    ]


class _Source:
    def __init__(self, *found: SourcedPact) -> None:
        self.found = found

    def pacts(self) -> tuple[SourcedPact, ...]:
        return self.found
