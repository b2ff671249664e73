"""One contract for every broker: each public operation, the same test body, four brokers.

The ``broker`` fixture here is a fresh, empty broker of each implementation over each database:
the embedded `Broker` and `HttpBroker` (against ``polycontract broker serve``'s app on 127.0.0.1),
each over SQLite and PostgreSQL (see `tests.broker.contract_brokers`). Every test says which
operations it exercises (`exercises`, checked when it runs), and one test fails when the broker
interface has an operation no test exercises. The four agree on every case: a wrong argument is the
same `UsageError` before any request, an unknown thing the same `StorageError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest

from polycontract.broker import BrokerAPI, ConsumerVersionSelector, Ignore, PublishedVerification, PublishResult
from polycontract.errors import SchemaError, StorageError, UsageError
from polycontract.matrix import LiveVersion
from tests.broker.conftest import PactMaker
from tests.broker.contract_brokers import (
    AVRO_V1,
    AVRO_V2,
    BACKENDS,
    EXERCISED,
    IMPLEMENTATIONS,
    UNKNOWN_THINGS,
    WRONG_ARGUMENTS,
    Backend,
    Databases,
    Implementation,
    SwitchedApp,
    chosen_backend,
    exercises,
    interface_operations,
    made_databases,
    open_broker,
    served_receiver,
    served_switch,
)

pytest.importorskip("uvicorn")

# -- fixtures (their bodies are in `tests.broker.contract_brokers`) -----------------------------------

switch = pytest.fixture(scope="module")(served_switch)
receiver = pytest.fixture(scope="module")(served_receiver)
databases = pytest.fixture(scope="module")(made_databases)
backend = pytest.fixture(params=BACKENDS)(chosen_backend)


@pytest.fixture(params=IMPLEMENTATIONS)
def implementation(request: pytest.FixtureRequest) -> Implementation:
    """Which broker implementation the test runs against."""
    chosen: Implementation = request.param
    return chosen


@pytest.fixture
def broker(
    implementation: Implementation, backend: Backend, databases: Databases, request: pytest.FixtureRequest
) -> Iterator[BrokerAPI]:
    """A fresh, empty broker of ``implementation`` over an empty ``backend`` database."""
    app, url = request.getfixturevalue("switch") if implementation == "http" else (None, None)
    with open_broker(implementation, databases.fresh(backend), app, url) as opened:
        yield opened


@pytest.fixture
def sent(implementation: Implementation, request: pytest.FixtureRequest) -> Callable[[], int]:
    """How many requests the broker server has received in this test (always 0 for the embedded broker)."""
    if implementation == "embedded":
        return lambda: 0
    app: SwitchedApp = request.getfixturevalue("switch")[0]
    return lambda: app.requests


def _estate(broker: BrokerAPI, make_pact: PactMaker) -> str:
    """dev and prod (production), web 1 on main published for auth; the pact's content hash."""
    broker.create_environment("dev")
    broker.create_environment("prod", production=True)
    broker.create_pacticipant("web", main_branch="main")
    return broker.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1", branch="main").content_hash


# -- the registry -----------------------------------------------------------------------------------


def test_every_operation_of_the_broker_interface_is_exercised() -> None:
    operations = interface_operations()
    assert sorted(operations - set(EXERCISED)) == [], "operations without a contract test"
    assert sorted(set(EXERCISED) - operations) == [], "contract tests of operations the interface lacks"


# -- pacticipants and versions ----------------------------------------------------------------------


@exercises("create_pacticipant", "pacticipants", "create_version", "has_version", "latest_version")
def test_pacticipants_and_versions_are_recorded_and_found(broker: BrokerAPI) -> None:
    broker.create_pacticipant("web", main_branch="main", display_name="Web", repository_url="https://git.example/web")
    broker.create_pacticipant("auth")
    broker.create_pacticipant("web", main_branch="trunk")
    broker.create_version("web", "1", branch="trunk", tags=["ios"], build_url="https://ci.example/1")
    broker.create_version("web", "2", branch="feat")
    broker.create_version("web", "1")
    broker.create_version("billing", "7")
    assert broker.pacticipants() == ("auth", "billing", "web")
    assert [broker.has_version(*v) for v in [("web", "1"), ("web", "3"), ("nobody", "1")]] == [True, False, False]
    assert broker.latest_version("web") == "2"
    assert broker.latest_version("web", branch="trunk") == "1"


@exercises("latest_version")
@pytest.mark.parametrize(
    ("pacticipant", "branch"), [("nobody", None), ("auth", None), ("web", "nowhere")], ids=["unknown", "none", "branch"]
)
def test_the_latest_version_of_nothing_is_a_storage_error(
    broker: BrokerAPI, pacticipant: str, branch: str | None
) -> None:
    broker.create_pacticipant("auth")
    broker.create_version("web", "1", branch="main")
    with pytest.raises(StorageError):
        broker.latest_version(pacticipant, branch=branch)


# -- pacts --------------------------------------------------------------------------------------------


@exercises("publish_pact", "pact")
def test_publishing_a_pact_says_created_unchanged_or_overwritten(broker: BrokerAPI, make_pact: PactMaker) -> None:
    first, second = make_pact("web", "auth", "/a"), make_pact("web", "auth", "/b")
    created = broker.publish_pact(first, consumer_version="1", branch="main", tags=["ios"])
    assert created == PublishResult(
        consumer="web", consumer_version="1", provider="auth", content_hash=created.content_hash, outcome="created"
    )
    assert len(created.content_hash) == 64
    assert broker.publish_pact(first, consumer_version="1").outcome == "unchanged"
    with pytest.raises(StorageError):
        broker.publish_pact(second, consumer_version="1")
    overwritten = broker.publish_pact(second, consumer_version="1", allow_overwrite=True)
    assert (overwritten.outcome, overwritten.content_hash != created.content_hash) == ("overwritten", True)
    assert broker.pact("web", "1", "auth") == second
    assert broker.pact("web", "1", "auth", revision=1) == first


@exercises("pact")
@pytest.mark.parametrize(
    ("consumer", "version", "provider", "revision"),
    [("nobody", "1", "auth", None), ("web", "9", "auth", None), ("web", "1", "nobody", None), ("web", "1", "auth", 9)],
    ids=["consumer", "version", "provider", "revision"],
)
def test_a_pact_nobody_published_is_a_storage_error(
    broker: BrokerAPI, make_pact: PactMaker, consumer: str, version: str, provider: str, revision: int | None
) -> None:
    broker.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1")
    with pytest.raises(StorageError):
        broker.pact(consumer, version, provider, revision=revision)


# -- verification -------------------------------------------------------------------------------------


@exercises("publish_verification", "matrix")
def test_a_verification_counts_for_the_content_it_verified(broker: BrokerAPI, make_pact: PactMaker) -> None:
    digest = _estate(broker, make_pact)
    broker.publish_pact(make_pact("web", "auth", "/a"), consumer_version="2")
    assert (
        broker.publish_verification(
            provider="auth", provider_version="9", consumer="web", consumer_version="1", success=True, branch="main"
        )
        == digest
    )
    by_hash = broker.publish_verification(provider="auth", provider_version="10", content_hash=digest, success=False)
    assert by_hash == digest
    rows = broker.matrix("web")
    assert sorted((r.consumer_version, r.provider_version, r.success) for r in rows) == [
        ("1", "10", False),
        ("1", "9", True),
        ("2", "10", False),
        ("2", "9", True),
    ]
    assert {r.content_hash for r in rows} == {digest}
    with pytest.raises(StorageError):
        broker.publish_verification(
            provider="auth", provider_version="9", consumer="web", consumer_version="7", success=True
        )
    with pytest.raises(StorageError):
        broker.publish_verification(provider="auth", provider_version="9", content_hash="0" * 64, success=True)


@exercises("publish_verification_results", "matrix")
def test_a_verification_run_is_recorded_whole_or_not_at_all(broker: BrokerAPI, make_pact: PactMaker) -> None:
    digest = _estate(broker, make_pact)
    other = broker.publish_pact(make_pact("ios", "auth", "/i"), consumer_version="5").content_hash
    results = [
        {"consumer": "web", "content_hash": digest, "success": True},
        {"content_hash": other, "success": False, "pending": True},
    ]
    recorded = broker.publish_verification_results(provider="auth", provider_version="9", results=results)
    assert recorded == (
        PublishedVerification(
            provider="auth", provider_version="9", consumer="web", content_hash=digest, success=True, pending=False
        ),
        PublishedVerification(
            provider="auth", provider_version="9", consumer="ios", content_hash=other, success=False, pending=True
        ),
    )
    assert broker.publish_verification_results(provider="auth", provider_version="9", results=[]) == ()
    with pytest.raises(StorageError):
        broker.publish_verification_results(
            provider="auth", provider_version="10", results=[*results, {"content_hash": "f" * 64, "success": True}]
        )
    assert [(r.provider_version, r.success) for r in broker.matrix("web")] == [("9", True)]


@exercises("pacts_for_verification", "publish_verification")
def test_pacts_for_verification_are_pending_until_verified_and_wip_when_unselected(
    broker: BrokerAPI, make_pact: PactMaker
) -> None:
    digest = _estate(broker, make_pact)
    main = [ConsumerVersionSelector(main_branch=True)]
    (found,) = broker.pacts_for_verification("auth", selectors=main, provider_branch="main")
    assert (found.consumer, found.content_hash, found.consumer_versions) == ("web", digest, ("1",))
    assert (found.pending, found.wip, found.pact) == (True, False, make_pact("web", "auth", "/a"))
    broker.publish_verification(provider="auth", provider_version="9", content_hash=digest, success=True, branch="main")
    assert [p.pending for p in broker.pacts_for_verification("auth", selectors=main, provider_branch="main")] == [False]
    feature = broker.publish_pact(make_pact("web", "auth", "/b"), consumer_version="2", branch="feat").content_hash
    flags = {
        p.content_hash: (p.pending, p.wip)
        for p in broker.pacts_for_verification(
            "auth", selectors=[{"mainBranch": True}], provider_branch="main", include_wip_since=date(2025, 1, 1)
        )
    }
    assert flags == {digest: (False, False), feature: (True, True)}
    unflagged = broker.pacts_for_verification("auth", selectors=[{"branch": "feat"}], include_pending=False)
    assert [(p.content_hash, p.pending) for p in unflagged] == [(feature, False)]
    assert broker.pacts_for_verification("nobody") == ()


# -- retention ------------------------------------------------------------------------------------------


@exercises("prune", "has_version")
def test_prune_reports_then_deletes_what_the_policy_lets_go(broker: BrokerAPI) -> None:
    for number in ("1", "2", "3"):
        broker.create_version("app", number)
    report = broker.prune(keep_latest=1, older_than=timedelta(0), dry_run=True)
    assert (sorted(report.versions), report.dry_run) == ([("app", "1"), ("app", "2")], True)
    assert broker.has_version("app", "1")
    done = broker.prune(keep_latest=1, older_than=timedelta(0))
    assert (sorted(done.versions), done.dry_run) == ([("app", "1"), ("app", "2")], False)
    assert [broker.has_version("app", n) for n in ("1", "2", "3")] == [False, False, True]
    assert broker.prune(keep_latest=1, older_than=timedelta(days=1)).versions == ()


# -- the matrix and can-i-deploy --------------------------------------------------------------------------


@exercises("matrix", "record_deployment")
def test_the_matrix_narrows_by_version_branch_and_environment(broker: BrokerAPI, make_pact: PactMaker) -> None:
    digest = _estate(broker, make_pact)
    broker.publish_pact(make_pact("web", "auth", "/b"), consumer_version="2", branch="feat")
    broker.publish_verification(provider="auth", provider_version="9", content_hash=digest, success=True)
    broker.publish_verification(provider="auth", provider_version="8", content_hash=digest, success=False)
    broker.record_deployment("auth", "9", "prod")
    everything = broker.matrix("web")
    assert sorted((r.consumer_version, r.provider_version) for r in everything) == [("1", "8"), ("1", "9"), ("2", None)]
    assert [r.consumer_version for r in broker.matrix("web", branch="feat")] == ["2"]
    assert sorted(r.provider_version or "" for r in broker.matrix("web", version="1")) == ["8", "9"]
    live = broker.matrix("web", environment="prod")  # auth 8 is not live in prod; the unverified pact stays
    assert [(r.consumer_version, r.provider_version, r.success) for r in live] == [("1", "9", True), ("2", None, None)]
    assert {r.consumer_version for r in broker.matrix("web", limit=1)} == {"1"}  # the oldest publication
    assert broker.matrix("nobody") == ()


@exercises("can_i_deploy", "publish_verification", "record_deployment", "create_version")
def test_can_i_deploy_answers_yes_no_or_unknown_with_reasons(broker: BrokerAPI, make_pact: PactMaker) -> None:
    digest = _estate(broker, make_pact)
    broker.create_version("auth", "9", branch="main", tags=["live"])
    broker.record_deployment("auth", "9", "prod")
    unknown = broker.can_i_deploy("web", "1", to_environment="prod")
    assert (unknown.ok, unknown.pacticipant, unknown.version, unknown.target) == (None, "web", "1", "prod")
    assert [r.counterpart for r in unknown.reasons if r.status != "ok"] == ["auth"]
    broker.publish_verification(provider="auth", provider_version="9", content_hash=digest, success=True)
    yes = broker.can_i_deploy("web", "1", to_environment="prod")
    assert (yes.ok, [(r.provider, r.provider_version, r.success) for r in yes.rows]) == (True, [("auth", "9", True)])
    assert broker.can_i_deploy("web", "1", to_main_branch=True).ok is True
    assert broker.can_i_deploy("web", "1", to_tag="live").ok is True
    assert broker.can_i_deploy("web", "1", to_environment="dev").ok is None  # no auth in dev
    broker.publish_verification(provider="auth", provider_version="9", content_hash=digest, success=False)
    no = broker.can_i_deploy("web", "1", to_environment="prod")
    assert no.ok is False and any(r.status == "failed" for r in no.reasons)
    assert broker.can_i_deploy("web", "1", to_environment="prod", ignore=["auth"]).ok is True
    assert (
        broker.can_i_deploy("web", "1", to_environment="prod", ignore=[Ignore(pacticipant="auth", version="8")]).ok
        is False
    )


# -- environments, deployments and releases ------------------------------------------------------------------


@exercises("create_environment", "environments")
def test_environments_are_listed_in_creation_order_and_updated(broker: BrokerAPI) -> None:
    contacts = [{"name": "Team A", "details": {"emailAddress": "a@example.com"}}]
    broker.create_environment("dev")
    broker.create_environment("prod", production=True, display_name="Production", contacts=contacts)
    broker.create_environment("dev", display_name="Development")
    broker.create_environment("prod", production=True)
    dev, prod = broker.environments()
    assert (dev.name, dev.display_name, dev.production, dev.contacts) == ("dev", "Development", False, ())
    assert (prod.name, prod.display_name, prod.production, prod.contacts) == (
        "prod",
        "Production",
        True,
        (contacts[0],),
    )
    assert dev.order < prod.order


@exercises("record_deployment", "record_undeployment", "record_release", "record_support_ended", "live")
def test_what_is_live_follows_deployments_and_releases(broker: BrokerAPI) -> None:
    broker.create_environment("prod", production=True)
    for number in ("1", "2", "3"):
        broker.create_version("app", number)
    broker.record_deployment("app", "1", "prod")
    broker.record_deployment("app", "2", "prod")
    broker.record_deployment("app", "1", "prod", application_instance="eu")
    broker.record_release("app", "3", "prod")
    broker.record_release("app", "3", "prod")
    assert sorted(broker.live("prod"), key=lambda lv: (lv.kind, lv.version)) == [
        LiveVersion(pacticipant="app", version="1", target="prod", kind="deployed", application_instance="eu"),
        LiveVersion(pacticipant="app", version="2", target="prod", kind="deployed"),
        LiveVersion(pacticipant="app", version="3", target="prod", kind="released"),
    ]
    assert broker.record_undeployment("app", "prod") == "2"
    assert broker.record_undeployment("app", "prod", application_instance="eu") == "1"
    broker.record_support_ended("app", "3", "prod")
    assert broker.live("prod") == ()
    with pytest.raises(StorageError):
        broker.record_undeployment("app", "prod")
    with pytest.raises(StorageError):
        broker.record_support_ended("app", "3", "prod")


# -- labels ---------------------------------------------------------------------------------------------------


@exercises("label_pacticipant", "unlabel_pacticipant", "pacticipant_labels", "labelled_pacticipants", "pacticipants")
def test_labels_group_pacticipants(broker: BrokerAPI) -> None:
    broker.label_pacticipant("billing", "payments")
    broker.label_pacticipant("ledger", "payments")
    broker.label_pacticipant("billing", "core")
    broker.label_pacticipant("billing", "core")
    assert broker.pacticipants() == ("billing", "ledger")
    assert broker.pacticipant_labels("billing") == ("core", "payments")
    assert broker.pacticipant_labels("nobody") == ()
    assert broker.labelled_pacticipants("payments") == ("billing", "ledger")
    broker.unlabel_pacticipant("ledger", "payments")
    assert broker.labelled_pacticipants("payments") == ("billing",)
    assert broker.labelled_pacticipants("nothing") == ()
    with pytest.raises(StorageError):
        broker.unlabel_pacticipant("ledger", "payments")


# -- schema contracts ---------------------------------------------------------------------------------------------


@exercises("publish_schema", "schema", "record_schema_use")
def test_schemas_are_published_once_per_content_and_reads_recorded(broker: BrokerAPI) -> None:
    first = broker.publish_schema("users", "1", subject="user-events", kind="avro", schema=AVRO_V1, branch="main")
    assert (first.pacticipant, first.version, first.subject, first.kind, first.outcome) == (
        "users",
        "1",
        "user-events",
        "avro",
        "created",
    )
    again = broker.publish_schema("users", "1", subject="user-events", kind="AVRO", schema=AVRO_V1)
    assert (again.outcome, again.content_hash) == ("unchanged", first.content_hash)
    with pytest.raises(StorageError):
        broker.publish_schema("users", "1", subject="user-events", kind="avro", schema=AVRO_V2)
    assert (
        broker.publish_schema(
            "users", "1", subject="user-events", kind="avro", schema=AVRO_V2, allow_overwrite=True
        ).outcome
        == "overwritten"
    )
    assert broker.schema("users", "1", "user-events") == ("avro", AVRO_V2)
    read = broker.record_schema_use("mailer", "4", subject="user-events", from_version="1", from_pacticipant="users")
    assert (read.pacticipant, read.version, read.subject, read.kind) == ("mailer", "4", "user-events", "avro")
    reader = broker.record_schema_use("mailer", "4", subject="user-events", schema=AVRO_V2, name="mailer reader")
    assert reader.kind == "avro"
    with pytest.raises(StorageError):
        broker.schema("users", "2", "user-events")
    with pytest.raises(SchemaError):
        broker.publish_schema("users", "2", subject="user-events", kind="avro", schema={"type": "record"})


# -- webhooks -----------------------------------------------------------------------------------------------------


@exercises("create_webhook", "webhook", "webhooks", "execute_webhook", "webhook_deliveries", "delete_webhook")
def test_webhooks_are_configured_sent_on_demand_logged_and_deleted(
    broker: BrokerAPI, make_pact: PactMaker, receiver: str
) -> None:
    _estate(broker, make_pact)
    hook = broker.create_webhook(
        url=f"{receiver}/ok",
        events=["contract_published"],
        headers={"Authorization": "Bearer s3cret", "X-Team": "web"},
        body_template={"pact": "${pactbroker.pactUrl}"},
        consumer="web",
        description="tell the team",
    )
    assert (hook.url, hook.method, hook.events, hook.consumer, hook.provider, hook.enabled, hook.timeout) == (
        f"{receiver}/ok",
        "POST",
        ("contract_published",),
        "web",
        None,
        True,
        5.0,
    )
    assert hook.headers == {"Authorization": "***", "X-Team": "web"}
    failing = broker.create_webhook(
        url=f"{receiver}/fail", events=["contract_published"], provider_label="apis", webhook_id="a" * 16, method="put"
    )
    assert (failing.id, failing.method, failing.provider_label) == ("a" * 16, "PUT", "apis")
    assert broker.webhook(hook.id) == hook
    assert broker.webhooks() == (hook, failing)
    sent_ok, sent_failing = broker.execute_webhook(hook.id), broker.execute_webhook(failing.id)
    assert (sent_ok.status_code, sent_ok.ok, sent_ok.attempt, sent_ok.event) == (200, True, 1, "contract_published")
    assert (sent_failing.status_code, sent_failing.ok) == (500, False)
    assert broker.webhook_deliveries(hook.id) == (sent_ok,)
    broker.delete_webhook(hook.id)
    assert broker.webhooks() == (failing,)
    with pytest.raises(StorageError):
        broker.webhook(hook.id)


# -- lifecycle ------------------------------------------------------------------------------------------------------


@exercises("url", "__enter__", "__exit__", "close", "pacticipants")
def test_a_broker_names_where_it_is_and_closes(broker: BrokerAPI) -> None:
    assert broker.url.split("://")[0] in ("sqlite", "postgresql+psycopg", "postgresql", "http")
    with broker as entered:
        assert entered is broker
        assert broker.pacticipants() == ()
    broker.close()


# -- errors -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", WRONG_ARGUMENTS)
def test_a_wrong_argument_is_a_usage_error_before_any_request(
    broker: BrokerAPI,
    implementation: Implementation,
    sent: Callable[[], int],
    case: str,
) -> None:
    with pytest.raises(UsageError):
        WRONG_ARGUMENTS[case](broker)
    assert sent() == 0


@pytest.mark.parametrize("case", UNKNOWN_THINGS)
def test_naming_what_the_broker_does_not_have_is_a_storage_error(
    broker: BrokerAPI, make_pact: PactMaker, case: str
) -> None:
    _estate(broker, make_pact)
    with pytest.raises(StorageError):
        UNKNOWN_THINGS[case](broker)
