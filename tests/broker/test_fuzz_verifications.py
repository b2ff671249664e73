"""Fuzz verifications in the broker (embedded, every backend): stored apart from the example results, counted by
can-i-deploy only when a question asks, and a database from schema 0009 upgraded with every result an example."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, inspect, text

from polycontract.broker import Broker, connect
from polycontract.errors import UsageError
from tests.broker.conftest import PactMaker
from tests.broker.fuzz_results import verification_result as _result
from tests.broker.http_twin import ticking_clock


def _estate(broker: Broker, make_pact: PactMaker, *results: tuple[bool, str]) -> str:
    """web 1.0 has a pact with auth; auth 2.0 (on main) is deployed to prod and published ``results`` (success,
    kind)."""
    published = broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.0")
    broker.create_version("auth", "2.0", branch="main")
    for success, kind in results:
        broker.publish_verification_results(
            provider="auth", provider_version="2.0", results=[_result(published.content_hash, success, kind)]
        )
    broker.record_deployment("auth", "2.0", "prod")
    return published.content_hash


def test_a_failed_fuzz_verification_leaves_can_i_deploy_unchanged_by_default(
    broker: Broker, make_pact: PactMaker
) -> None:
    _estate(broker, make_pact, (True, "example"), (False, "fuzz"))

    decision = broker.can_i_deploy("web", "1.0", to_environment="prod")

    assert decision.ok is True
    assert [r.status for r in decision.reasons] == ["ok"]
    assert [r.kind for r in decision.rows] == ["example"]


def test_a_passing_fuzz_verification_alone_is_not_a_verification(broker: Broker, make_pact: PactMaker) -> None:
    _estate(broker, make_pact, (True, "fuzz"))

    assert broker.can_i_deploy("web", "1.0", to_environment="prod").ok is None


def test_count_blocks_on_a_failed_fuzz_verification(broker: Broker, make_pact: PactMaker) -> None:
    _estate(broker, make_pact, (True, "example"), (False, "fuzz"))

    decision = broker.can_i_deploy("web", "1.0", to_environment="prod", fuzz="count")

    assert decision.ok is False
    [failed] = [r for r in decision.reasons if r.status == "failed"]
    assert "fuzz verification" in failed.message
    assert failed.report is not None and failed.report.failures is not None
    assert "smallest failing request GET /users/0" in failed.report.failures[0].description
    broker.record_deployment("web", "1.0", "prod")  # and as the provider, against the live consumer
    assert broker.can_i_deploy("auth", "2.0", to_environment="prod").ok is True
    assert broker.can_i_deploy("auth", "2.0", to_environment="prod", fuzz="count").ok is False


def test_count_does_not_block_a_pair_without_fuzz_verification(broker: Broker, make_pact: PactMaker) -> None:
    _estate(broker, make_pact, (True, "example"))

    assert broker.can_i_deploy("web", "1.0", to_environment="prod", fuzz="count").ok is True


def test_require_blocks_on_a_missing_fuzz_verification(broker: Broker, make_pact: PactMaker) -> None:
    _estate(broker, make_pact, (True, "example"))

    decision = broker.can_i_deploy("web", "1.0", to_environment="prod", fuzz="require")

    assert decision.ok is None
    assert any("no fuzz verification" in r.message for r in decision.reasons)


def test_require_passes_with_a_passing_fuzz_verification(broker: Broker, make_pact: PactMaker) -> None:
    _estate(broker, make_pact, (True, "example"), (True, "fuzz"))

    decision = broker.can_i_deploy("web", "1.0", to_environment="prod", fuzz="require")

    assert decision.ok is True
    assert [r.status for r in decision.reasons] == ["ok", "ok"]


def test_the_fuzz_policy_applies_to_main_branch_questions_too(broker: Broker, make_pact: PactMaker) -> None:
    _estate(broker, make_pact, (True, "example"), (False, "fuzz"))

    assert broker.can_i_deploy("web", "1.0", to_main_branch=True).ok is True
    assert broker.can_i_deploy("web", "1.0", to_main_branch=True, fuzz="count").ok is False


def test_an_unknown_fuzz_policy_is_a_usage_error(broker: Broker, make_pact: PactMaker) -> None:
    _estate(broker, make_pact, (True, "example"))

    with pytest.raises(UsageError, match="fuzz='sometimes'"):
        broker.can_i_deploy("web", "1.0", to_environment="prod", fuzz="sometimes")  # type: ignore[arg-type]


def test_an_unknown_result_kind_is_refused_and_nothing_is_recorded(broker: Broker, make_pact: PactMaker) -> None:
    content = _estate(broker, make_pact)

    with pytest.raises(UsageError, match="kind='random'"):
        broker.publish_verification_results(
            provider="auth", provider_version="2.0", results=[_result(content, True, "random")]
        )
    assert broker.can_i_deploy("web", "1.0", to_environment="prod").ok is None


def test_the_matrix_lists_fuzz_rows_only_when_asked_and_marks_them(broker: Broker, make_pact: PactMaker) -> None:
    _estate(broker, make_pact, (True, "example"), (False, "fuzz"))

    plain = broker.matrix("web")
    with_fuzz = broker.matrix("web", include_fuzz=True)

    assert [(r.kind, r.success) for r in plain] == [("example", True)]
    assert [(r.kind, r.success) for r in with_fuzz] == [("example", True), ("fuzz", False)]


def test_a_fuzz_pass_does_not_take_a_pact_out_of_pending(broker: Broker, make_pact: PactMaker) -> None:
    broker.create_pacticipant("web", main_branch="main")
    content = broker.publish_pact(
        make_pact("web", "auth", "/users"), consumer_version="1.0", branch="main"
    ).content_hash

    def pending() -> bool:
        [found] = broker.pacts_for_verification("auth", selectors=[{"mainBranch": True}])
        return found.pending

    broker.publish_verification_results(
        provider="auth", provider_version="2.0", results=[_result(content, True, "fuzz")]
    )
    assert pending() is True
    broker.publish_verification_results(provider="auth", provider_version="2.0", results=[_result(content, True)])
    assert pending() is False


def test_a_fuzz_result_is_read_back_with_its_kind(broker: Broker, make_pact: PactMaker) -> None:
    content = _estate(broker, make_pact)

    [recorded] = broker.publish_verification_results(
        provider="auth", provider_version="2.0", results=[_result(content, False, "fuzz")]
    )

    assert recorded.kind == "fuzz"
    from polycontract.broker._embedded.results import stored_result

    with broker.internals.store.transaction(write=False) as conn:
        assert recorded.id is not None
        stored = stored_result(conn, "auth", "web", content, recorded.id)
    assert stored is not None
    assert stored["polycontract"] == {"kind": "fuzz"}
    assert stored["success"] is False


# -- the migration: a database made before verifications had a kind -------------------------------------------


def _downgrade_to_0009(url: str) -> None:
    """Take the database back to schema revision 0009, the head before verifications had a kind."""
    from alembic import command
    from alembic.config import Config

    import polycontract.broker._store.engine as engine_module

    config = Config()
    config.set_main_option("script_location", str(engine_module._MIGRATIONS))
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009")
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("pc_verifications")}
    engine.dispose()
    assert "kind" not in columns


def test_a_database_at_0009_upgrades_and_every_existing_result_is_an_example(
    broker_url: str, make_pact: PactMaker
) -> None:
    with connect(broker_url, clock=ticking_clock()) as broker:
        broker.create_environment("prod")
        _estate(broker, make_pact, (True, "example"), (False, "example"))
    _downgrade_to_0009(broker_url)

    with connect(broker_url) as broker:
        with broker.internals.store.transaction(write=False) as conn:
            kinds = conn.execute(text("SELECT kind FROM pc_verifications ORDER BY id")).scalars().all()
        decision = broker.can_i_deploy("web", "1.0", to_environment="prod", fuzz="count")
        assert [r.kind for r in broker.matrix("web", include_fuzz=True)] == ["example"]

    assert kinds == ["example", "example"]
    assert decision.ok is False  # the latest example result (failed) still decides
    assert [r.status for r in decision.reasons] == ["failed"]


def test_pruning_never_lets_a_fuzz_result_supersede_the_example_result(broker: Broker, make_pact: PactMaker) -> None:
    _estate(broker, make_pact, (True, "example"), (False, "example"), (True, "example"), (False, "fuzz"))

    report = broker.prune(keep_latest=20, older_than=timedelta(0))

    assert report.verifications == 2  # the two older example results, superseded by the newer example result
    rows = broker.matrix("web", include_fuzz=True)
    assert [(r.kind, r.success) for r in rows] == [("example", True), ("fuzz", False)]
    assert broker.can_i_deploy("web", "1.0", to_environment="prod").ok is True
