"""Schema contracts end to end on SQLite and PostgreSQL: publish, declare reads, can-i-deploy, CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, func, select

from polycontract.broker import Broker, connect
from polycontract.broker._store.engine import _MIGRATIONS
from polycontract.broker._store.tables import SCHEMA_REVISION, schema_contents
from polycontract.cli import cli
from polycontract.errors import SchemaError, StorageError, UsageError

USER_V1: dict[str, Any] = {
    "type": "record",
    "name": "User",
    "namespace": "com.acme",
    "fields": [{"name": "id", "type": "long"}, {"name": "email", "type": "string"}],
}
USER_V2 = {**USER_V1, "fields": [*USER_V1["fields"], {"name": "nick", "type": ["null", "string"], "default": None}]}
USER_V3 = {**USER_V1, "fields": [{"name": "id", "type": "long"}]}  # removed required field email


def _avro_estate(broker: Broker) -> None:
    for version, schema in (("1", USER_V1), ("2", USER_V2), ("3", USER_V3)):
        broker.publish_schema("auth-svc", version, subject="user-events", kind="avro", schema=schema)
    broker.record_schema_use("web-ui", "1", subject="user-events", from_version="1")
    broker.record_deployment("auth-svc", "1", "prod")
    broker.record_deployment("web-ui", "1", "prod")


def test_compatible_producer_version_is_verified_by_schema(broker: Broker) -> None:
    _avro_estate(broker)
    decision = broker.can_i_deploy("auth-svc", "2", to_environment="prod")
    assert decision.ok is True
    [reason] = decision.reasons
    assert reason.status == "ok" and "verified by schema" in reason.message
    assert (reason.counterpart, reason.counterpart_version) == ("web-ui", "1")


def test_breaking_producer_version_names_the_schema_path_and_the_consumer_version(broker: Broker) -> None:
    _avro_estate(broker)
    decision = broker.can_i_deploy("auth-svc", "3", to_environment="prod")
    assert decision.ok is False
    [reason] = decision.reasons
    assert reason.status == "failed"
    assert "User.email" in reason.message and "web-ui 1" in reason.message
    assert decision.next_actions and "User.email" in decision.next_actions[0]
    assert broker.can_i_deploy("auth-svc", "3", to_environment="qa").ok is True  # nobody reads it in qa
    assert broker.can_i_deploy("auth-svc", "3", to_environment="prod", ignore=["web-ui"]).ok is True


def test_every_live_consumer_version_is_checked_on_its_own(broker: Broker) -> None:
    _avro_estate(broker)
    broker.record_schema_use("web-ui", "2", subject="user-events", kind="avro", schema=json.dumps(USER_V3))
    broker.record_deployment("web-ui", "2", "prod", application_instance="eu")
    ok_for_2 = broker.can_i_deploy("auth-svc", "3", to_environment="prod")
    assert [(r.counterpart_version, r.status) for r in ok_for_2.reasons] == [("1", "failed"), ("2", "ok")]
    broker.record_deployment("web-ui", "2", "prod")  # replaces web-ui 1 on the default instance
    assert broker.can_i_deploy("auth-svc", "3", to_environment="prod").ok is True
    broker.record_release("web-ui", "1", "prod")  # a released, supported version counts too
    assert broker.can_i_deploy("auth-svc", "3", to_environment="prod").ok is False


def test_consumer_side_checks_the_live_producer_versions(broker: Broker) -> None:
    _avro_estate(broker)
    broker.record_schema_use("web-ui", "2", subject="user-events", kind="avro", schema=USER_V1)
    assert broker.can_i_deploy("web-ui", "2", to_environment="prod").ok is True
    broker.record_deployment("auth-svc", "3", "prod", application_instance="canary")
    decision = broker.can_i_deploy("web-ui", "2", to_environment="prod")
    assert [(r.counterpart_version, r.status) for r in decision.reasons] == [("1", "ok"), ("3", "failed")]
    missing = broker.can_i_deploy("web-ui", "2", to_environment="qa")
    assert missing.ok is None and missing.reasons[0].status == "missing"


def test_a_producer_version_that_stops_publishing_the_subject_is_unverified(broker: Broker) -> None:
    _avro_estate(broker)
    broker.create_version("auth-svc", "4")
    decision = broker.can_i_deploy("auth-svc", "4", to_environment="prod")
    assert decision.ok is None and decision.reasons[0].status == "unverified"


def test_json_schema_findings_carry_a_json_pointer(broker: Broker) -> None:
    v1 = {"type": "object", "properties": {"id": {"type": "integer"}, "email": {"type": "string"}}}
    v3 = {"type": "object", "properties": {"id": {"type": "integer"}}, "additionalProperties": False}
    broker.publish_schema("auth-svc", "1", subject="users.json", kind="jsonschema", schema=v1, level="FULL")
    broker.publish_schema("auth-svc", "3", subject="users.json", kind="jsonschema", schema=v3)
    broker.record_schema_use("web-ui", "1", subject="users.json", from_version="1", from_pacticipant="auth-svc")
    broker.record_deployment("web-ui", "1", "prod")
    decision = broker.can_i_deploy("auth-svc", "3", to_environment="prod")
    assert decision.ok is False and "/properties/email" in decision.reasons[0].message
    assert "FULL" in decision.reasons[0].message


def test_content_is_stored_once_and_publishing_is_idempotent(broker: Broker, broker_url: str) -> None:
    first = broker.publish_schema("auth-svc", "1", subject="user-events", kind="avro", schema=USER_V1)
    again = broker.publish_schema("auth-svc", "1", subject="user-events", kind="avro", schema=json.dumps(USER_V1))
    other = broker.publish_schema("billing", "7", subject="user-events", kind="avro", schema=USER_V1)
    assert (first.outcome, again.outcome, other.outcome) == ("created", "unchanged", "created")
    assert first.content_hash == other.content_hash
    engine = create_engine(broker_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema_contents)).scalar_one() == 1
    engine.dispose()
    assert broker.schema("auth-svc", "1", "user-events") == ("avro", USER_V1)


def test_bad_requests_are_refused_with_a_clear_error(broker: Broker) -> None:
    broker.publish_schema("auth-svc", "1", subject="user-events", kind="avro", schema=USER_V1)
    with pytest.raises(StorageError, match="already published a different user-events schema"):
        broker.publish_schema("auth-svc", "1", subject="user-events", kind="avro", schema=USER_V2)
    overwritten = broker.publish_schema(
        "auth-svc", "1", subject="user-events", kind="avro", schema=USER_V2, allow_overwrite=True
    )
    assert overwritten.outcome == "overwritten"
    with pytest.raises(StorageError, match="holds avro schemas, not jsonschema"):
        broker.publish_schema("auth-svc", "2", subject="user-events", kind="jsonschema", schema={"type": "object"})
    with pytest.raises(SchemaError, match=r"user\.avsc"):
        broker.publish_schema("auth-svc", "2", subject="x", kind="avro", schema="{not json", name="user.avsc")
    with pytest.raises(UsageError, match="not a schema kind"):
        broker.publish_schema("auth-svc", "2", subject="x", kind="protobuf", schema={})
    with pytest.raises(StorageError, match="no schema for subject"):
        broker.record_schema_use("web-ui", "1", subject="user-events", from_version="9")
    with pytest.raises(UsageError, match="either a reader schema or from_version"):
        broker.record_schema_use("web-ui", "1", subject="user-events")


def test_a_broker_at_revision_0001_is_upgraded_on_connect(broker_url: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    engine = create_engine(broker_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    engine.dispose()
    with connect(broker_url) as broker:
        broker.create_environment("prod")
        _avro_estate(broker)
        assert broker.can_i_deploy("auth-svc", "2", to_environment="prod").ok is True
    engine = create_engine(broker_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == SCHEMA_REVISION
    engine.dispose()


@pytest.fixture
def run(broker_url: str) -> Callable[..., Result]:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), env={"POLYCONTRACT_BROKER": broker_url}, catch_exceptions=False)

    invoke("create-environment", "--name", "prod", "--production")
    return invoke


def test_cli_publish_schema_record_schema_use_and_can_i_deploy(run: Callable[..., Result], tmp_path: Path) -> None:
    for version, schema in (("1", USER_V1), ("2", USER_V2), ("3", USER_V3)):
        (tmp_path / f"user-v{version}.avsc").write_text(json.dumps(schema))
    common = ("--pacticipant", "auth-svc", "--subject", "user-events", "--kind", "avro")
    published = run("publish-schema", *common, "--version", "1", str(tmp_path / "user-v1.avsc"), "-o", "json")
    assert published.exit_code == 0 and json.loads(published.output)["outcome"] == "created"
    for version in ("2", "3"):
        result = run("publish-schema", *common, "--version", version, str(tmp_path / f"user-v{version}.avsc"))
        assert result.exit_code == 0, result.output
    used = run("record-schema-use", "-a", "web-ui", "-e", "1", "--subject", "user-events", "--subject-version", "1")
    assert used.exit_code == 0 and "web-ui 1 reads user-events" in used.output
    run("record-deployment", "-a", "web-ui", "-e", "1", "--environment", "prod")
    yes = run("can-i-deploy", "-a", "auth-svc", "-e", "2", "--to-environment", "prod")
    assert yes.exit_code == 0 and "verified by schema" in yes.output
    no = run("can-i-deploy", "-a", "auth-svc", "-e", "3", "--to-environment", "prod", "-o", "json")
    assert no.exit_code == 1
    document = json.loads(no.output)
    assert document["summary"]["answer"] == "no"
    assert "User.email" in document["reasons"][0]["message"]
    assert document["reasons"][0]["counterpartVersion"] == "1"
    bad = tmp_path / "bad.avsc"
    bad.write_text('{"type": "record"}')
    failed = run("publish-schema", *common, "--version", "4", str(bad))
    assert failed.exit_code == 2 and "bad.avsc" in failed.output and "Traceback" not in failed.output
    neither = run("record-schema-use", "-a", "web-ui", "-e", "1", "--subject", "user-events")
    assert neither.exit_code == 2


def test_prune_takes_schemas_of_pruned_versions_and_keeps_what_still_counts(broker: Broker, broker_url: str) -> None:
    _avro_estate(broker)  # auth-svc 1 and web-ui 1 are deployed; auth-svc 2 and 3 are not
    report = broker.prune(keep_latest=1, older_than=timedelta(0))
    assert sorted(report.versions) == [("auth-svc", "2")]
    engine = create_engine(broker_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema_contents)).scalar_one() == 2  # v1 and v3
    engine.dispose()
    assert broker.can_i_deploy("auth-svc", "3", to_environment="prod").ok is False


def test_concurrent_publishers_of_one_version_end_with_one_schema(broker_url: str) -> None:
    def publish(worker: int) -> str:
        with connect(broker_url) as broker:
            if worker % 2:
                broker.record_schema_use("web-ui", "1", subject="user-events", kind="avro", schema=USER_V1)
            return broker.publish_schema("auth-svc", "1", subject="user-events", kind="avro", schema=USER_V1).outcome

    connect(broker_url).close()
    with ThreadPoolExecutor(6) as pool:
        outcomes = sorted(pool.map(publish, range(6)))
    assert outcomes == ["created"] + ["unchanged"] * 5


def _api(*names: str) -> str:
    properties = {name: {"type": "integer"} for name in names}
    schema = {"type": "object", "properties": properties, "required": list(names)}
    responses = {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
    paths = {"/me": {"get": {"responses": responses}}}
    return json.dumps({"openapi": "3.0.3", "info": {"title": "auth", "version": "1"}, "paths": paths})


def test_openapi_subjects_are_checked_from_the_clients_side(broker: Broker) -> None:
    broker.publish_schema("auth-svc", "1", subject="auth-api", kind="openapi", schema=_api("id", "email"))
    broker.publish_schema("auth-svc", "2", subject="auth-api", kind="openapi", schema=_api("id"))
    broker.record_schema_use("web-ui", "1", subject="auth-api", from_version="1")
    broker.record_deployment("web-ui", "1", "prod")
    assert broker.can_i_deploy("auth-svc", "1", to_environment="prod").ok is True
    decision = broker.can_i_deploy("auth-svc", "2", to_environment="prod")
    assert decision.ok is False
    assert "/me" in decision.reasons[0].message and "web-ui 1" in decision.reasons[0].message


def test_a_yaml_openapi_document_with_a_date_is_stored_as_the_json_it_stands_for(broker: Broker) -> None:
    """YAML reads an unquoted ``2024-01-01`` as a date; the stored document holds the ISO text, not a crash."""
    document = (
        "openapi: 3.0.3\ninfo: {title: auth, version: '1'}\npaths:\n  /users:\n    get:\n      responses:\n"
        "        '200':\n          description: ok\n          content:\n            application/json:\n"
        "              schema: {type: string, format: date, example: 2024-01-01}\n"
    )
    result = broker.publish_schema("auth-svc", "1", subject="auth-api", kind="openapi", schema=document)

    assert result.outcome == "created"
    _kind, stored = broker.schema("auth-svc", "1", "auth-api")
    schema = stored["paths"]["/users"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["example"] == "2024-01-01"
