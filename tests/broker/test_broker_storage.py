"""Broker storage on every backend: publishing, history, verifications, environments, deployments, releases."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, text

from polycontract.broker import Broker, connect
from polycontract.codec import content_hash
from polycontract.errors import BrokerError, StorageError, UsageError
from polycontract.model import PactDocument


def test_publishing_new_content_creates_it(broker: Broker, make_pact: Callable[..., PactDocument]) -> None:
    pact = make_pact("web", "auth", "/users")
    result = broker.publish_pact(pact, consumer_version="1.0", branch="main")
    assert result.outcome == "created"
    assert result.content_hash == content_hash(pact)
    assert broker.pact("web", "1.0", "auth") == pact


def test_republishing_identical_content_is_a_no_op(broker: Broker, make_pact: Callable[..., PactDocument]) -> None:
    broker.publish_pact(make_pact("web", "auth", "/a", "/b"), consumer_version="1.0")
    again = broker.publish_pact(make_pact("web", "auth", "/b", "/a"), consumer_version="1.0")
    assert again.outcome == "unchanged"
    assert len(broker.matrix("web")) == 1


def test_different_content_for_a_published_version_is_refused(
    broker: Broker, make_pact: Callable[..., PactDocument]
) -> None:
    broker.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1.0")
    with pytest.raises(StorageError, match="already published different pact content for auth"):
        broker.publish_pact(make_pact("web", "auth", "/b"), consumer_version="1.0", tags=["refused"])
    assert broker.pact("web", "1.0", "auth") == make_pact("web", "auth", "/a")


def test_a_refused_publication_leaves_nothing_half_written(
    broker: Broker, make_pact: Callable[..., PactDocument], broker_url: str
) -> None:
    broker.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1.0")
    with pytest.raises(StorageError):
        broker.publish_pact(make_pact("web", "auth", "/b"), consumer_version="1.0", branch="feat", tags=["t"])
    engine = create_engine(broker_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pc_tags")).scalar() == 0
        assert conn.execute(text("SELECT branch FROM pc_versions")).scalar() is None
        assert conn.execute(text("SELECT count(*) FROM pc_pact_contents")).scalar() == 1
    engine.dispose()


def test_overwriting_keeps_the_earlier_content_in_history(
    broker: Broker, make_pact: Callable[..., PactDocument]
) -> None:
    first, second = make_pact("web", "auth", "/a"), make_pact("web", "auth", "/b")
    broker.publish_pact(first, consumer_version="1.0")
    assert broker.publish_pact(second, consumer_version="1.0", allow_overwrite=True).outcome == "overwritten"
    assert broker.pact("web", "1.0", "auth") == second
    assert broker.pact("web", "1.0", "auth", revision=1) == first


def test_a_verification_counts_for_the_content_not_the_consumer_version(
    broker: Broker, make_pact: Callable[..., PactDocument]
) -> None:
    pact = make_pact("web", "auth", "/a")
    broker.publish_pact(pact, consumer_version="1.0")
    verified = broker.publish_verification(
        provider="auth", provider_version="2.0", consumer="web", consumer_version="1.0", success=True, branch="main"
    )
    broker.publish_pact(pact, consumer_version="1.1")
    assert verified == content_hash(pact)
    assert {(r.consumer_version, r.provider_version, r.success) for r in broker.matrix("web")} == {
        ("1.0", "2.0", True),
        ("1.1", "2.0", True),
    }


def test_verifying_a_pact_that_was_never_published_is_refused(broker: Broker) -> None:
    with pytest.raises(StorageError, match="web 9 has published no pact for auth"):
        broker.publish_verification(
            provider="auth", provider_version="1", consumer="web", consumer_version="9", success=True
        )
    with pytest.raises(UsageError, match="consumer_version"):
        broker.publish_verification(provider="auth", provider_version="1", success=True)


def test_a_verification_by_content_hash_must_name_that_contents_provider(
    broker: Broker, make_pact: Callable[..., PactDocument]
) -> None:
    published = broker.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1.0")
    with pytest.raises(StorageError, match="is a pact for auth, not for provider='billing'"):
        broker.publish_verification(
            provider="billing", provider_version="1", content_hash=published.content_hash, success=True
        )
    with pytest.raises(StorageError, match="is not a pact content known to the broker"):
        broker.publish_verification(provider="auth", provider_version="1", content_hash="0" * 64, success=True)


def test_environments_keep_their_creation_order_and_can_be_updated(broker: Broker) -> None:
    broker.create_environment("qa", production=True, display_name="QA")
    assert [(e.name, e.production, e.display_name) for e in broker.environments()] == [
        ("dev", False, None),
        ("qa", True, "QA"),
        ("prod", True, None),
    ]


def test_a_new_deployment_replaces_only_the_same_application_instance(
    broker: Broker, make_pact: Callable[..., PactDocument]
) -> None:
    for version in ("1", "2", "3"):
        broker.create_version("auth", version)
    broker.record_deployment("auth", "1", "prod")
    broker.record_deployment("auth", "1", "prod", application_instance="eu")
    broker.record_deployment("auth", "2", "prod")
    broker.record_deployment("auth", "2", "prod")
    broker.record_deployment("auth", "3", "qa")
    assert sorted((lv.version, lv.application_instance) for lv in broker.live("prod")) == [("1", "eu"), ("2", None)]


def test_undeployment_removes_that_instance(broker: Broker) -> None:
    broker.create_version("auth", "1")
    broker.record_deployment("auth", "1", "prod", application_instance="eu")
    broker.record_deployment("auth", "1", "prod")
    assert broker.record_undeployment("auth", "prod", application_instance="eu") == "1"
    assert [(lv.version, lv.application_instance) for lv in broker.live("prod")] == [("1", None)]
    with pytest.raises(StorageError, match="auth is not currently deployed to prod \\(application instance eu\\)"):
        broker.record_undeployment("auth", "prod", application_instance="eu")


def test_releases_accumulate_until_support_ends(broker: Broker) -> None:
    for version in ("1", "2", "3"):
        broker.create_version("app", version)
        broker.record_release("app", version, "prod")
    broker.record_release("app", "2", "prod")
    broker.record_support_ended("app", "1", "prod")
    assert sorted((lv.version, lv.kind) for lv in broker.live("prod")) == [("2", "released"), ("3", "released")]
    with pytest.raises(StorageError, match="not currently released"):
        broker.record_support_ended("app", "1", "prod")


def test_recording_an_unknown_version_or_environment_says_what_to_do(broker: Broker) -> None:
    with pytest.raises(StorageError, match=r"pacticipant='auth' is not known.*create-version"):
        broker.record_deployment("auth", "1", "prod")
    broker.create_version("auth", "1")
    with pytest.raises(StorageError, match="version='2' is not known"):
        broker.record_release("auth", "2", "prod")
    with pytest.raises(
        StorageError, match="environment='staging' does not exist \\(known environments: dev, qa, prod\\)"
    ):
        broker.record_deployment("auth", "1", "staging")


def test_connecting_twice_migrates_once_and_keeps_data(broker_url: str) -> None:
    with connect(broker_url) as first:
        first.create_version("auth", "1")
    with connect(broker_url) as second:
        second.create_environment("prod")
        second.record_deployment("auth", "1", "prod")
        assert [lv.version for lv in second.live("prod")] == ["1"]


def test_an_http_url_connects_the_http_client_without_credentials_in_its_url() -> None:
    from polycontract.broker import HttpBroker

    with connect("https://ci:s3cret@broker.example.com/base") as broker:
        assert isinstance(broker, HttpBroker)
        assert broker.url == "https://broker.example.com/base"


def test_an_unsupported_url_is_refused() -> None:
    with pytest.raises(BrokerError, match="unsupported backend 'mysql'"):
        connect("mysql://localhost/db")


def test_the_default_broker_is_an_embedded_file_in_wal_mode(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]
    with connect() as broker:
        broker.create_version("auth", "1")
    engine = create_engine("sqlite:///.polycontract/broker.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()
