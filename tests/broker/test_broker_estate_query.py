"""The one-statement can-i-deploy loader reads the same facts as the multi-query loaders it stands in for."""

from __future__ import annotations

import random

from polycontract.broker import Broker
from polycontract.broker._store import reads as _reads
from polycontract.broker._store.estate_query import environment_question
from polycontract.matrix import Estate, Ignore, decide
from tests.broker.conftest import PactMaker

SERVICES = ("web", "app", "api", "users", "billing")


def _random_estate(broker: Broker, make_pact: PactMaker, seed: int) -> None:
    """Pacts, verifications (passing, failing, pending), deployments (two instances) and releases, at random."""
    rng = random.Random(seed)
    published: list[tuple[str, str, str]] = []
    for step in range(60):
        consumer, provider = rng.sample(SERVICES, 2)
        version = f"{step % 7}.{rng.randrange(3)}"
        choice = rng.random()
        if choice < 0.35:
            path = f"/p{rng.randrange(3)}"  # few contents, so identical content recurs across versions
            broker.publish_pact(
                make_pact(consumer, provider, path), consumer_version=version, branch="main", allow_overwrite=True
            )
            published.append((consumer, version, provider))
        elif choice < 0.65 and published:
            pact_consumer, pact_version, pact_provider = rng.choice(published)
            broker.publish_verification(
                provider=pact_provider,
                provider_version=f"{rng.randrange(7)}.{rng.randrange(3)}",
                consumer=pact_consumer,
                consumer_version=pact_version,
                success=rng.random() < 0.8,
                pending=rng.random() < 0.2,
                branch=rng.choice(["main", "feat", None]),
            )
        elif choice < 0.9:
            broker.create_version(consumer, version, branch="main")
            broker.record_deployment(consumer, version, "prod", application_instance=rng.choice([None, "eu"]))
        else:
            broker.create_version(consumer, version)
            broker.record_release(consumer, version, "prod")


def _canonical(estate: Estate) -> tuple[object, ...]:
    """The estate with the orders neither loader promises removed (verification order, by id, is kept)."""
    return (
        sorted(estate.publications, key=repr),
        estate.verifications,
        sorted(estate.live, key=repr),
        estate.versions,
    )


def test_one_statement_loader_reads_what_the_multi_query_loaders_read(broker: Broker, make_pact: PactMaker) -> None:
    for seed in range(3):
        _random_estate(broker, make_pact, seed)
        questions = [(name, f"{major}.{minor}") for name in SERVICES for major in range(7) for minor in range(3)]
        ignores = (Ignore(pacticipant="billing"), Ignore(pacticipant="ghost"))
        for name, version in [*questions, ("ghost", "1.0")]:
            with broker.internals.store.transaction(write=False) as conn:
                live = _reads.live_in_environment(conn, "prod")
                expected = _reads.load_estate(conn, name, version, live, ignores)
                known = frozenset(_reads.known_ignores(conn, ignores))
                found = environment_question(conn, name, version, "prod", known)
            assert found is not None
            assert sorted(found.live, key=repr) == sorted(live, key=repr)
            assert _canonical(found.estate) == _canonical(expected)
            assert decide(found.estate, name, version, target="prod", ignore=ignores) == broker.can_i_deploy(
                name, version, to_environment="prod", ignore=ignores
            )


def test_one_statement_loader_leaves_unknown_environments_and_schemas_to_the_full_path(
    broker: Broker, make_pact: PactMaker
) -> None:
    broker.publish_pact(make_pact("web", "api", "/a"), consumer_version="1", branch="main")
    with broker.internals.store.transaction(write=False) as conn:
        assert environment_question(conn, "web", "1", "staging") is None
        assert environment_question(conn, "web", "1", "prod") is not None
    broker.publish_schema("api", "1", subject="orders", kind="jsonschema", schema={"type": "object"})
    with broker.internals.store.transaction(write=False) as conn:
        assert environment_question(conn, "web", "1", "prod") is None
